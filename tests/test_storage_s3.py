"""Media on S3 through Django's storage API, against a moto server on loopback.

When the environment configures S3 (AWS_STORAGE_BUCKET_NAME is set, as in CI's second pass),
these tests use the project's configured default storage and its bucket. Otherwise they start
an in-process moto server, create a bucket, and build the storage exactly as the settings
would for those variables, so both passes exercise the project's own S3 configuration.
"""

import mimetypes
import runpy
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage

import instaclone.settings as settings_module

FAKE_CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _settings_storage_config(env: dict[str, str]) -> dict[str, object]:
    """The default storage the settings module builds when `env` is in the environment."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        namespace = runpy.run_path(settings_module.__file__)
    return namespace["STORAGES"]["default"]


@pytest.fixture(scope="module")
def s3_storage() -> Iterator[Storage]:
    if settings.AWS_STORAGE_BUCKET_NAME:
        storage = storages["default"]
        assert isinstance(storage, S3Storage), storage
        yield storage
        return

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = f"instaclone-test-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=bucket)
        config = _settings_storage_config(
            {
                "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_S3_ENDPOINT_URL": endpoint,
                "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
            }
        )
        assert issubclass(import_string(config["BACKEND"]), S3Storage), config
        options = {**config["OPTIONS"], **FAKE_CREDENTIALS}
        yield storages.create_storage({"BACKEND": config["BACKEND"], "OPTIONS": options})
    finally:
        server.stop()


@pytest.fixture
def prefix(s3_storage: Storage) -> Iterator[str]:
    """A fresh key prefix per test (the CI bucket is shared); emptied afterwards."""
    prefix = f"test-storage/{uuid.uuid4().hex}"
    yield prefix
    s3_storage.bucket.objects.filter(Prefix=f"{prefix}/").delete()


def _head(storage: Storage, name: str) -> dict[str, object]:
    return storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=name)


def _get(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as client:
        return client.get(url)


def test_same_name_twice_never_overwrites(s3_storage: Storage, prefix: str) -> None:
    first = s3_storage.save(f"{prefix}/photo.webp", ContentFile(b"first"))
    second = s3_storage.save(f"{prefix}/photo.webp", ContentFile(b"second"))

    assert first != second
    assert first.startswith(f"{prefix}/")
    assert second.startswith(f"{prefix}/")
    assert second.endswith(".webp")
    with s3_storage.open(first) as f:
        assert f.read() == b"first"
    with s3_storage.open(second) as f:
        assert f.read() == b"second"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("a.webp", "image/webp"), ("a.jpg", "image/jpeg"), ("a.png", "image/png")],
)
def test_content_type_comes_from_the_extension(
    s3_storage: Storage, prefix: str, filename: str, expected: str
) -> None:
    # The precondition of this test: Python knows these types on every platform.
    assert mimetypes.guess_type(filename)[0] == expected
    name = s3_storage.save(f"{prefix}/{filename}", ContentFile(b"not really an image"))

    assert _head(s3_storage, name)["ContentType"] == expected


def test_client_declared_content_type_is_ignored(s3_storage: Storage, prefix: str) -> None:
    # An upload carries the type its client declared (UploadedFile.content_type); a stored
    # object served as text/html from the media domain would be a stored XSS.
    upload = ContentFile(b"<script>alert(1)</script>", name="evil.webp")
    upload.content_type = "text/html"
    name = s3_storage.save(f"{prefix}/evil.webp", upload)

    assert _head(s3_storage, name)["ContentType"] == "image/webp"
    assert _get(s3_storage.url(name)).headers["content-type"] == "image/webp"


def test_url_is_presigned_and_serves_the_same_bytes(s3_storage: Storage, prefix: str) -> None:
    payload = uuid.uuid4().bytes * 64
    name = s3_storage.save(f"{prefix}/photo.jpg", ContentFile(payload))

    url = s3_storage.url(name)
    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=" in url

    response = _get(url)
    assert response.status_code == 200
    assert response.content == payload
    assert response.headers["content-type"] == "image/jpeg"


def test_delete_removes_the_object(s3_storage: Storage, prefix: str) -> None:
    name = s3_storage.save(f"{prefix}/gone.webp", ContentFile(b"bytes"))
    assert s3_storage.exists(name)

    s3_storage.delete(name)

    assert not s3_storage.exists(name)
    assert _get(s3_storage.url(name)).status_code == 404
