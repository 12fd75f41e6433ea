"""Settings of the benchmark's peer: drfpasswordless as its README sets it up (mobile callback
tokens exchanged for Django REST framework tokens), run the way production Django runs: DEBUG
off, persistent database connections, gunicorn (deploy/local/bench.sh starts it).

Nothing is sent: PASSWORDLESS_TEST_SUPPRESSION makes the SMS callback report success without
calling Twilio, and e-mail goes to Django's dummy backend. (Passwordless queues a job for its
dispatcher instead; the peer would call Twilio inside the request, which this leaves out.)

The database comes from PEER_DATABASE_URL (postgres://user:password@host:port/name); the
benchmark makes it afresh before every run."""
import os
from urllib.parse import unquote, urlparse

SECRET_KEY = "benchmark-peer-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "drfpasswordless",
    "accounts",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

_url = urlparse(os.environ.get("PEER_DATABASE_URL", "postgres://passwordless:passwordless@127.0.0.1:55432/passwordless_peer"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or ""),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 5432),
        # One connection per worker, kept (Django's default of 0 connects for every request).
        "CONN_MAX_AGE": None,
    }
}

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.FormParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
}

PASSWORDLESS_AUTH = {
    "PASSWORDLESS_AUTH_TYPES": ["MOBILE", "EMAIL"],
    "PASSWORDLESS_MOBILE_NOREPLY_NUMBER": "+15005550006",
    "PASSWORDLESS_EMAIL_NOREPLY_ADDRESS": "noreply@bench.example.com",
    "PASSWORDLESS_TEST_SUPPRESSION": True,
}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
