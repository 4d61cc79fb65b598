"""Fixtures of the posts tests: posts of the named users, image uploads, storage spies."""

import io
from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from posts import services
from posts.models import Post
from tests.factories import PostFactory


@pytest.fixture
def upload() -> Callable[..., SimpleUploadedFile]:
    """upload(name="photo.jpg", data=None): a small real JPEG, or `data`, as a file."""

    def make(name: str = "photo.jpg", data: bytes | None = None) -> SimpleUploadedFile:
        if data is None:
            image = Image.new("RGB", (48, 36), (200, 120, 40))
            image.paste((30, 90, 200), (0, 0, 24, 36))
            out = io.BytesIO()
            image.save(out, "JPEG")
            data = out.getvalue()
        return SimpleUploadedFile(name, data, content_type="image/jpeg")

    return make


@pytest.fixture
def stored_keys_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every storage key posts.services stores during the test (to check for orphans)."""
    keys: list[str] = []
    original = services.store_renditions

    def recording(prefix: str, processed: object) -> dict:
        stored = original(prefix, processed)
        keys.extend(services.stored_keys(stored))
        return stored

    monkeypatch.setattr(services, "store_renditions", recording)
    return keys


@pytest.fixture
def existing() -> Callable[[list[str]], list[str]]:
    """existing(keys): those of `keys` still in storage."""
    return lambda keys: [key for key in keys if default_storage.exists(key)]


@pytest.fixture
def post_keys() -> Callable[[Post], list[str]]:
    def keys(post: Post) -> list[str]:
        return [key for media in post.media.all() for key in services.stored_keys(media.renditions)]

    return keys


@pytest.fixture
def alice_post(alice: User) -> Post:
    return PostFactory(author=alice, caption="Sunset at the #Beach with @bob")


@pytest.fixture
def private_bob(bob: User) -> User:
    bob.is_private = True
    bob.save(update_fields=["is_private"])
    return bob


@pytest.fixture
def private_bob_post(private_bob: User) -> Post:
    return PostFactory(author=private_bob, caption="Only for me")
