"""ASGI entry point: HTTP and the /ws/ websocket route."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")
# Django must be set up before the routing imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from instaclone.logging import log_websocket_connections  # noqa: E402
from instaclone.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Each socket gets a request id and an open and a close log line.
        "websocket": log_websocket_connections(websocket_application(URLRouter)),
    }
)
