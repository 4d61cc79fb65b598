import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.files.storage import Storage, storages
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.functional import SimpleLazyObject, empty

from instaclone.logging import new_request_id, request_id_var, valid_request_id


class RequestSizeLimitMiddleware:
    """Refuse a body larger than MAX_REQUEST_BYTES with 413 before reading any of it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            megabytes = settings.MAX_REQUEST_BYTES // (1024 * 1024)
            return JsonResponse(
                {"detail": f"Request body is too large: at most {megabytes} MB."}, status=413
            )
        return self.get_response(request)


logger = logging.getLogger(__name__)
access_logger = logging.getLogger("instaclone.access")


def _forget_request_id(**kwargs: object) -> None:
    request_id_var.set(None)


# After Django's own logging of the response (django.request), which follows the middleware.
request_finished.connect(_forget_request_id, dispatch_uid="instaclone.forget_request_id")


class RequestIdMiddleware:
    """Gives each request an id: logged with every record of the request (instaclone.logging)
    and returned in `X-Request-ID`. Logs one access line per request when it is answered.

    A client could put anything in `X-Request-ID`, so the header is taken only from a
    trusted proxy (NUM_PROXIES > 0), and only if it looks like an id.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.headers.get("X-Request-ID") if settings.NUM_PROXIES > 0 else None
        request_id = valid_request_id(forwarded) or new_request_id()
        # Not reset on the way out: Django logs 4xx/5xx responses (django.request) after the
        # middleware returns. `_forget_request_id` clears it when the request is finished.
        request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.monotonic()
        response = self.get_response(request)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        response["X-Request-ID"] = request_id
        user_id = _user_id_if_known(request)
        access_logger.info(
            "%s %s %s %s ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response


def _user_id_if_known(request: HttpRequest) -> int | None:
    """The user's id if the request already loaded its user: never a query just to log."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):
        user = user.__dict__.get("_wrapped", empty)
        if user is empty:
            return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


# (the storage it was computed for, its origin): an S3 URL is signed, too slow per response.
_media_origin_cache: tuple[Storage, str | None] | None = None


def media_origin() -> str | None:
    """The origin media is served from when it is not this site (S3, a CDN, an absolute
    MEDIA_URL), for the policy's img-src; None for same-origin media."""
    global _media_origin_cache
    storage = storages["default"]
    cached = _media_origin_cache
    if cached is not None and cached[0] is storage:
        return cached[1]
    try:
        origin = _origin(storage.url("csp-origin-probe.jpg"))
    except Exception:
        # No credentials to sign with yet, say: pages still render (their pictures would
        # not have loaded anyway); asked again on the next response.
        logger.exception("Content-Security-Policy: the media origin is unknown")
        return None
    _media_origin_cache = (storage, origin)
    return origin


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with two sources only known per deployment or request: the
    media origin in img-src, and this host's websocket URL in connect-src (CSP 3 lets 'self'
    match ws:/wss: of the same host, but Safari before 16 did not)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        additions: dict[str, list[str]] = {}
        try:
            host = request.get_host()
        except DisallowedHost:
            host = None
        if host:
            additions["connect-src"] = [f"{'wss' if request.is_secure() else 'ws'}://{host}"]
        origin = media_origin()
        if origin:
            additions["img-src"] = [origin]
        if additions:
            update = dict(parts.update or {})
            for directive, sources in additions.items():
                update[directive] = [*_as_list(update.get(directive)), *sources]
            parts.update = update
        return parts


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)  # type: ignore[call-overload]
