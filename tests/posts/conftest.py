"""Fixtures of the posts tests: posts of the named users, image uploads, what is stored."""

import io
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pytest_django import Settings

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


def storage_keys_under(prefix: str) -> set[str]:
    """Every key under `prefix` in `default_storage`, recursively.

    Storage's own listing (`listdir` works alike on FileSystemStorage and S3Storage), not
    a record kept by our code: what is there is what a user would pay to keep."""
    try:
        folders, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return set()
    keys = {f"{prefix}/{name}" for name in files}
    for folder in folders:
        keys |= storage_keys_under(f"{prefix}/{folder}")
    return keys


@pytest.fixture
def stored_files(settings: Settings) -> Iterator[Callable[[], set[str]]]:
    """stored_files(): every key under "posts/" in storage now. Take it before and after
    an action to see the files the action left behind (orphans), or took away.

    The test gets storage of its own, so other tests' files never show up: a fresh
    MEDIA_ROOT (tests/conftest.py) or, on S3, a fresh location in the bucket that every
    pytest worker shares, emptied afterwards."""
    default = settings.STORAGES["default"]
    location = ""
    if not default["BACKEND"].endswith("FileSystemStorage"):
        location = f"test-posts/{uuid.uuid4().hex}"
        options = {**default.get("OPTIONS", {}), "location": location}
        settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": options}}
    yield lambda: storage_keys_under("posts")
    if location:
        default_storage.bucket.objects.filter(Prefix=f"{location}/").delete()


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
