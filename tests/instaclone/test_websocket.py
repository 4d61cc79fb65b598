"""The /ws/ endpoint: origin policy, JWT first-message auth, malformed input."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from instaclone.asgi import application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(origin: bytes | None = b"http://127.0.0.1:8000") -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin is not None else []
    return WebsocketCommunicator(application, "/ws/", headers=headers)


async def test_browser_from_an_allowed_origin_connects() -> None:
    socket = communicator()
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()


async def test_browser_from_a_foreign_origin_is_refused() -> None:
    connected, _ = await communicator(b"https://evil.example").connect()
    assert not connected


async def test_native_client_without_origin_authenticates_with_jwt() -> None:
    from channels.db import database_sync_to_async

    user = await database_sync_to_async(UserFactory)(username="alice")
    socket = communicator(origin=None)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "auth", "token": str(AccessToken.for_user(user))})
    assert await socket.receive_json_from() == {"type": "auth.ok", "username": "alice"}
    await socket.disconnect()


async def test_bad_token_closes_with_4401() -> None:
    socket = communicator()
    await socket.connect()
    await socket.send_json_to({"type": "auth", "token": "forged.token.value"})
    output = await socket.receive_output()
    assert output == {"type": "websocket.close", "code": 4401}


async def test_malformed_json_and_unknown_type_get_an_error() -> None:
    socket = communicator()
    await socket.connect()
    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from())["type"] == "error"
    await socket.send_to(text_data=json.dumps({"type": "dance"}))
    assert (await socket.receive_json_from())["type"] == "error"
    await socket.disconnect()


async def test_oversized_frame_closes_with_1009() -> None:
    socket = communicator()
    await socket.connect()
    await socket.send_to(text_data="x" * (64 * 1024 + 1))
    assert await socket.receive_output() == {"type": "websocket.close", "code": 1009}
