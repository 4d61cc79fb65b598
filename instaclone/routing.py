"""The websocket side of the ASGI application: origin policy, authentication, routes."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.urls import path

from instaclone.consumers import LiveConsumer

Scope = dict[str, Any]


def allowed_origins() -> list[str]:
    """Browsers may connect from the site's own hosts and any configured extra origins."""
    hosts = [host for host in settings.ALLOWED_HOSTS if host != "*"]
    if "*" in settings.ALLOWED_HOSTS:
        hosts.append("*")
    return [*hosts, *settings.WS_ALLOWED_ORIGINS]


class OriginPolicy(OriginValidator):
    """A browser's handshake must carry an allowed Origin. A native client that sends no
    Origin may connect, but its cookies are dropped so it can authenticate only with a
    JWT: otherwise any page could open a socket with the visitor's session."""

    def __init__(self, application: Callable) -> None:
        super().__init__(application, allowed_origins=[])

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        headers = scope.get("headers", [])
        origin = next((value for name, value in headers if name == b"origin"), None)
        if origin is None:
            cookieless = [(name, value) for name, value in headers if name != b"cookie"]
            return await self.application({**scope, "headers": cookieless}, receive, send)
        self.allowed_origins = allowed_origins()
        try:
            parsed = urlparse(origin.decode("latin1"))
        except UnicodeDecodeError:
            parsed = None
        if parsed is not None and self.validate_origin(parsed):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def websocket_application(router_class: Callable) -> Callable:
    routes = router_class([path("ws/", LiveConsumer.as_asgi())])
    return OriginPolicy(AuthMiddlewareStack(routes))
