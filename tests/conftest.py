"""Fixtures every test module may use: named users, API clients with a JWT, images."""

import io
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from feed import cards
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _no_connection_left_at_teardown(
    django_db_setup: None, django_db_blocker: object
) -> Iterator[None]:
    """Before the test database is dropped, end the sessions worker threads still hold
    (asyncio's and asgiref's executor threads keep their thread's connection): PostgreSQL
    refuses to drop a database in use, and the next run would find it still there."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: object, tmp_path: object) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RATE_LIMITS_ENABLED = False
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()
    yield
    clear_cache()


def clear_cache() -> None:
    """Empty this test worker's cache, and its process's feed cards and fragments. On
    Redis, FLUSHDB would also wipe the other parallel workers' keys (rate-limit counters
    mid-test), so delete by prefix instead."""
    cards.local_cards.clear()
    caches["fragments"].clear()
    config = django_settings.CACHES["default"]
    if not config["BACKEND"].endswith(".RedisCache"):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(f"{config.get('KEY_PREFIX', '')}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(username="alice", full_name="Alice Liddell")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory(username="bob", full_name="Bob Builder")


@pytest.fixture
def charlie(db: None) -> User:
    return UserFactory(username="charlie", full_name="Charlie Brown")


def bearer_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture
def api_client_for() -> Callable[[User], APIClient]:
    """An API client authenticated with a fresh access JWT of the given user."""
    return bearer_client


@pytest.fixture
def alice_api(alice: User) -> APIClient:
    return bearer_client(alice)


@pytest.fixture
def alice_client(alice: User) -> Client:
    """A browser-like client with alice logged in through her session."""
    client = Client()
    client.force_login(alice)
    return client


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), **save: object) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    for x in range(0, size[0], max(size[0] // 16, 1)):
        image.paste((30, 90, 200), (x, 0, x + max(size[0] // 32, 1), size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def jpeg_bytes() -> bytes:
    return image_bytes("JPEG")
