"""Helpers for live-update tests: sockets through the project's ASGI application.

Every consumer test is `@pytest.mark.django_db(transaction=True)` (TOOLCHAIN.md): services
run in database_sync_to_async threads and commit, and events leave only after a commit.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from instaclone.asgi import application

ORIGIN = b"http://127.0.0.1:8000"
db = database_sync_to_async


def socket(cookie: str | None = None, origin: bytes | None = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin is not None else []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def connect(user: Any = None) -> WebsocketCommunicator:
    """A connected socket, authenticated with a JWT first message when `user` is given."""
    ws = socket()
    connected, _ = await ws.connect()
    assert connected
    if user is not None:
        await ws.send_json_to({"type": "auth", "token": str(AccessToken.for_user(user))})
        assert await ws.receive_json_from(timeout=3) == {
            "type": "auth.ok",
            "username": user.username,
        }
    return ws


@db
def session_cookie(user: Any) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return client, f"{settings.SESSION_COOKIE_NAME}={key}"


async def subscribe(ws: WebsocketCommunicator, post_ids: list[int]) -> list[int]:
    """Subscribe; the ids now watched. Drains the current counts sent after the answer."""
    await ws.send_json_to({"type": "subscribe", "posts": post_ids})
    answer = await ws.receive_json_from(timeout=3)
    assert answer["type"] == "subscribed", answer
    for _ in answer["posts"]:
        counts = await ws.receive_json_from(timeout=3)
        assert counts["type"] == "post.counts", counts
    return answer["posts"]


async def next_event(
    ws: WebsocketCommunicator, kind: str, timeout: float = 3.0, where: Callable = lambda e: True
) -> dict:
    """The next event of type `kind` matching `where`, skipping others."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        assert remaining > 0, f"no {kind} event within {timeout}s"
        event = await ws.receive_json_from(timeout=remaining)
        if event["type"] == kind and where(event):
            return event


async def nothing_more(ws: WebsocketCommunicator, timeout: float = 0.4) -> None:
    assert await ws.receive_nothing(timeout=timeout), await ws.receive_output()
