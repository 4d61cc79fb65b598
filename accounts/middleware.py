"""Django's AuthenticationMiddleware, with the session's account taken as read."""

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from instaclone.sessions import authenticating


def _user(request: HttpRequest) -> object:
    """Django's get_user(request), once per request, with the request's session made
    known to the backend: it takes the account read with the session
    (instaclone.sessions) instead of querying it again."""
    if not hasattr(request, "_cached_user"):
        with authenticating(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))
