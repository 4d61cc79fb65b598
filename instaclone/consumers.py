"""The one websocket endpoint, /ws/. The live-updates work adds post subscriptions."""

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

logger = logging.getLogger(__name__)

CLOSE_BAD_TOKEN = 4401
CLOSE_TOO_BIG = 1009
MAX_FRAME_BYTES = 64 * 1024


@database_sync_to_async
def user_from_access_token(token: str) -> Any:
    """The active user an access JWT names, or None for a bad, expired or revoked token."""
    authentication = JWTAuthentication()
    try:
        return authentication.get_user(authentication.get_validated_token(token.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text_data or "")
        except (json.JSONDecodeError, TypeError):
            await self.send_json({"type": "error", "detail": "Messages must be JSON objects."})
            return
        if not isinstance(message, dict):
            await self.send_json({"type": "error", "detail": "Messages must be JSON objects."})
            return
        handler = {"auth": self.handle_auth}.get(message.get("type"))
        if handler is None:
            await self.send_json({"type": "error", "detail": "Unknown message type."})
            return
        await handler(message)

    async def handle_auth(self, message: dict) -> None:
        token = message.get("token")
        user = await user_from_access_token(token) if isinstance(token, str) else None
        if user is None:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        self.user = user
        self.scope["user"] = user
        await self.send_json({"type": "auth.ok", "username": user.username})

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))
