from functools import partial

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, object]:
    # How long a process keeps a rendered fragment (templates/base.html's navigation).
    return {"SITE_NAME": settings.SITE_NAME, "FRAGMENT_SECONDS": settings.FEED_CARD_SECONDS}


def request_csrf_token(request: HttpRequest) -> str:
    """The request's CSRF token, masked once per request (Django masks it anew, with 32
    random characters, each time a page shows it)."""
    token = getattr(request, "_masked_csrf_token", None)
    if token is None:
        token = request._masked_csrf_token = get_token(request)
    return token


def csrf(request: HttpRequest) -> dict[str, object]:
    """`csrf_token` for templates, as Django's own processor gives it but masked once."""
    return {"csrf_token": SimpleLazyObject(partial(request_csrf_token, request))}
