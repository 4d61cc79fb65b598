import functools
import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def ping(request: HttpRequest) -> JsonResponse:
    """The cheapest Django JSON answer: the ceiling benchmarks compare pages against."""
    return JsonResponse({"pong": True})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, max_connections=4)


def _channel_layer_ok() -> bool | None:
    """None when no shared channel layer is configured (the in-memory one always works).

    The Redis channel layer is checked by pinging its server: a send/receive round trip
    through the layer would start an event loop per request, and channels_redis refuses
    two loops receiving at once under a threaded WSGI server.
    """
    if not settings.REDIS_URL:
        return None
    try:
        return bool(_redis_client(settings.REDIS_URL).ping())
    except redis.RedisError:
        logger.exception("healthz: Redis (channel layer) check failed")
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, bool] = {"database": _database_ok()}
    channel_layer = _channel_layer_ok()
    if channel_layer is not None:
        checks["channel_layer"] = channel_layer
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
