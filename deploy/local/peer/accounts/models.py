"""The user model drfpasswordless asks for: an alias field per login type (here `mobile`, and
`email`), no password. Django's own User cannot be used: drfpasswordless creates users with
only the alias set, and that model's username is required and unique.

`mobile` is looked up with `mobile__iexact` (UPPER(mobile) = UPPER(%s) on PostgreSQL), which
the unique index cannot serve; the expression index is what a deployment would add, so the
peer is measured with it rather than with a table scan per request."""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Upper


class UserManager(BaseUserManager):
    def create_user(self, mobile=None, email=None, **fields):
        user = self.model(mobile=mobile, email=email, **fields)
        user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    mobile = models.CharField(max_length=17, unique=True, null=True, blank=True)
    email = models.EmailField(unique=True, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = []

    class Meta:
        indexes = [
            models.Index(Upper("mobile"), name="accounts_user_mobile_upper"),
            models.Index(Upper("email"), name="accounts_user_email_upper"),
        ]
