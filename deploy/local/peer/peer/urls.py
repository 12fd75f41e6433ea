"""drfpasswordless's routes (POST /auth/mobile/, /auth/email/, /auth/token/, …) and a
readiness probe for deploy/local/bench.sh."""
from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", include("drfpasswordless.urls")),
    path("healthz", healthz),
]
