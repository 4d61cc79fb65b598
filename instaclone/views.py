import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "home.html")


@require_GET
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


async def _channel_layer_roundtrip() -> bool:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    message = await layer.receive(channel)
    return message.get("type") == "healthz.ping"


def _channel_layer_ok() -> bool | None:
    """None when no shared channel layer is configured (the in-memory one always works)."""
    if not settings.REDIS_URL:
        return None
    try:
        return async_to_sync(_channel_layer_roundtrip)()
    except Exception:
        logger.exception("healthz: channel layer check failed")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, bool] = {"database": _database_ok()}
    channel_layer = _channel_layer_ok()
    if channel_layer is not None:
        checks["channel_layer"] = channel_layer
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
