"""Download your data: asking for an archive (page and API), its progress, its contents,
who may download it, and how long it is kept."""

import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta

import boto3
import httpx
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import DataExport, User
from posts import services as post_services
from posts.models import Post, PostMedia
from tests.conftest import image_bytes
from tests.factories import CommentFactory, PostFactory, follow

pytestmark = pytest.mark.django_db

JSON_FILES = {
    "profile.json",
    "posts.json",
    "comments.json",
    "likes.json",
    "saved.json",
    "followers.json",
    "following.json",
}


@pytest.fixture(autouse=True)
def _build_inline(settings: object) -> None:
    """Exports built by the Celery task, run inline (eager) when the request commits."""
    settings.DATA_EXPORT_RUNNER = "celery"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def alice_data(alice: User, bob: User, charlie: User) -> dict:
    """Alice with an avatar, two posts (three photos), a like, comments, a save, a
    follower (bob) and someone she follows (charlie)."""
    avatar = SimpleUploadedFile("me.jpg", image_bytes(size=(400, 400)), content_type="image/jpeg")
    account_services.user_set_avatar(user=alice, upload=avatar)
    first = PostFactory(author=alice, caption="First light #Dawn #sea", photos=2)
    post_services.post_update(post=first, editor=alice, alt_texts=["Pier", "Gulls"])
    second = PostFactory(author=alice, caption="No tags here")
    bobs = PostFactory(author=bob, caption="Bob's bench")
    post_services.like_create(user=alice, post=bobs)
    post_services.save_create(user=alice, post=bobs)
    comment = CommentFactory(author=alice, post=bobs, text="Nice bench!")
    CommentFactory(author=bob, post=first, text="Lovely")
    follow(bob, alice)
    follow(alice, charlie)
    return {"first": first, "second": second, "bobs": bobs, "comment": comment}


def request_export(client: Client, capture: Callable) -> DataExport:
    with capture(execute=True):
        response = client.post("/accounts/data/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/data/"
    return DataExport.objects.get()


def download(client: Client | APIClient, url: str) -> zipfile.ZipFile:
    """The archive behind a download link: streamed by the view from local storage, or
    through the short-lived signed link it redirects to on S3."""
    response = client.get(url)
    assert response["Cache-Control"] == "private, no-store"
    if response.status_code == 302:
        with httpx.Client(trust_env=False, timeout=10) as direct:
            fetched = direct.get(response["Location"])
        assert fetched.status_code == 200
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        return zipfile.ZipFile(io.BytesIO(fetched.content))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def read_json(archive: zipfile.ZipFile, name: str) -> object:
    return json.loads(archive.read(name))


# --- The archive ----------------------------------------------------------------------


def test_archive_requested_on_the_page_holds_every_section(
    alice_client: Client,
    alice: User,
    alice_data: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    assert (export.status, export.progress) == ("ready", 100)

    page = alice_client.get("/accounts/data/").content.decode()
    url = f"/accounts/data/{export.pk}/download/"
    assert url in page
    archive = download(alice_client, url)
    names = set(archive.namelist())
    assert names >= JSON_FILES | {"README.txt", "avatar.jpg"}
    assert archive.testzip() is None

    profile = read_json(archive, "profile.json")
    assert profile["username"] == "alice"
    assert profile["email"] == "alice@example.com"
    assert profile["full_name"] == "Alice Liddell"
    assert (profile["followers_count"], profile["following_count"]) == (1, 1)
    assert profile["posts_count"] == 2
    assert profile["avatar"] == "avatar.jpg"
    assert Image.open(archive.open("avatar.jpg")).size == (320, 320)

    first, second = alice_data["first"], alice_data["second"]
    posts = read_json(archive, "posts.json")
    assert [post["id"] for post in posts] == [first.pk, second.pk]
    assert posts[0]["caption"] == "First light #Dawn #sea"
    assert posts[0]["hashtags"] == ["dawn", "sea"]
    assert (posts[0]["likes_count"], posts[0]["comments_count"]) == (0, 1)
    assert [photo["alt_text"] for photo in posts[0]["photos"]] == ["Pier", "Gulls"]
    assert posts[1]["hashtags"] == []
    assert posts[0]["created_at"] == first.created_at.isoformat()

    comments = read_json(archive, "comments.json")
    assert comments == [
        {
            "id": alice_data["comment"].pk,
            "post_id": alice_data["bobs"].pk,
            "text": "Nice bench!",
            "created_at": alice_data["comment"].created_at.isoformat(),
        }
    ]
    likes = read_json(archive, "likes.json")
    assert [(like["post_id"], like["post_author"]) for like in likes] == [
        (alice_data["bobs"].pk, "bob")
    ]
    saved = read_json(archive, "saved.json")
    assert [item["post_id"] for item in saved] == [alice_data["bobs"].pk]
    assert [person["username"] for person in read_json(archive, "followers.json")] == ["bob"]
    assert [person["username"] for person in read_json(archive, "following.json")] == ["charlie"]
    assert "posts.json" in archive.read("README.txt").decode()


def test_photos_are_the_stored_full_renditions(
    alice_client: Client, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    archive = download(alice_client, f"/accounts/data/{export.pk}/download/")
    posts = read_json(archive, "posts.json")
    photos = [photo for post in posts for photo in post["photos"]]
    media = PostMedia.objects.filter(post__author__username="alice").order_by("post_id", "position")
    assert len(photos) == media.count() == 3
    for photo, item in zip(photos, media, strict=True):
        full = item.renditions["full"]
        with default_storage.open(full["files"]["jpeg"], "rb") as stored:
            assert archive.read(photo["file"]) == stored.read()
        image = Image.open(archive.open(photo["file"]))
        image.verify()
        assert image.format == "JPEG"
        assert image.size == (photo["width"], photo["height"]) == (full["width"], full["height"])


def test_a_photo_missing_from_storage_does_not_fail_the_export(
    alice_client: Client, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    lost = alice_data["second"].media.get().renditions["full"]["files"]["jpeg"]
    default_storage.delete(lost)
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    assert export.status == "ready"
    archive = download(alice_client, f"/accounts/data/{export.pk}/download/")
    posts = read_json(archive, "posts.json")
    assert posts[1]["photos"][0]["file"] is None
    assert all(photo["file"] for photo in posts[0]["photos"])


def test_archive_of_an_empty_account_has_empty_lists(
    alice_api: APIClient, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.post("/api/v1/me/export/")
    url = alice_api.get("/api/v1/me/export/").json()["download_url"]
    archive = download(alice_api, url)
    for name in JSON_FILES - {"profile.json"}:
        assert read_json(archive, name) == []
    assert read_json(archive, "profile.json")["avatar"] is None


def test_archive_is_stored_under_an_unguessable_key(
    alice_client: Client, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    assert default_storage.exists(export.file_key)
    folder = export.file_key.split("/")[1]
    assert len(folder) >= 32
    page = alice_client.get("/accounts/data/").content.decode()
    assert export.file_key not in page
    assert folder not in alice_client.get("/api/v1/me/export/").content.decode()


# --- The API --------------------------------------------------------------------------


def test_api_request_answers_202_and_status_shows_download_url(
    alice_api: APIClient, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post("/api/v1/me/export/")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["download_url"]) == ("pending", 0, None)

    status = alice_api.get("/api/v1/me/export/").json()
    assert status["id"] == body["id"]
    assert (status["status"], status["progress"]) == ("ready", 100)
    assert status["file_size"] > 0
    assert status["download_url"] == (f"http://testserver/api/v1/me/export/{body['id']}/download/")
    archive = download(alice_api, status["download_url"])
    assert set(archive.namelist()) >= JSON_FILES


def test_api_status_is_404_before_any_request(alice_api: APIClient) -> None:
    response = alice_api.get("/api/v1/me/export/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_asking_again_while_one_is_built_returns_that_one(
    alice_api: APIClient, alice_client: Client, alice: User
) -> None:
    # Outside captured callbacks nothing commits in this test: the export stays pending.
    first = alice_api.post("/api/v1/me/export/").json()
    second = alice_api.post("/api/v1/me/export/").json()
    alice_client.post("/accounts/data/")
    assert first["id"] == second["id"]
    assert DataExport.objects.filter(user=alice).count() == 1


def test_a_new_request_replaces_the_previous_archive(
    alice_client: Client, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    old = request_export(alice_client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/accounts/data/")
    new = DataExport.objects.get()
    assert new.pk != old.pk
    assert new.status == "ready"
    assert not default_storage.exists(old.file_key)
    assert alice_client.get(f"/accounts/data/{old.pk}/download/").status_code == 404


def test_an_export_that_stopped_moving_is_replaced(alice_api: APIClient, alice: User) -> None:
    stuck = alice_api.post("/api/v1/me/export/").json()
    DataExport.objects.filter(pk=stuck["id"]).update(
        status="running", updated_at=timezone.now() - timedelta(hours=1)
    )
    fresh = alice_api.post("/api/v1/me/export/").json()
    assert fresh["id"] != stuck["id"]
    assert list(DataExport.objects.values_list("pk", flat=True)) == [fresh["id"]]


# --- Who may see it -------------------------------------------------------------------


def test_another_user_cannot_download_or_see_it(
    alice_client: Client,
    alice_data: dict,
    bob: User,
    api_client_for: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(f"/accounts/data/{export.pk}/download/").status_code == 404
    bob_api = api_client_for(bob)
    assert bob_api.get(f"/api/v1/me/export/{export.pk}/download/").status_code == 404
    assert bob_api.get("/api/v1/me/export/").status_code == 404
    assert f"/accounts/data/{export.pk}/" not in bob_client.get("/accounts/data/").content.decode()


def test_anonymous_visitors_are_sent_to_login(
    client: Client,
    api_client: APIClient,
    alice_client: Client,
    alice_data: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    for url in (
        "/accounts/data/",
        "/accounts/data/status/",
        f"/accounts/data/{export.pk}/download/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/data/").status_code == 302
    assert DataExport.objects.count() == 1
    assert api_client.post("/api/v1/me/export/").status_code == 401
    assert api_client.get(f"/api/v1/me/export/{export.pk}/download/").status_code == 401


# --- Progress -------------------------------------------------------------------------


def test_page_offers_the_first_request(alice_client: Client) -> None:
    page = alice_client.get("/accounts/data/").content.decode()
    assert 'data-status="none"' in page
    assert "Request your archive" in page
    assert "hx-trigger" not in page


def test_page_polls_and_shows_progress_while_building(alice_client: Client, alice: User) -> None:
    alice_client.post("/accounts/data/")
    DataExport.objects.filter(user=alice).update(status="running", progress=42)
    page = alice_client.get("/accounts/data/").content.decode()
    assert 'data-status="running"' in page
    assert 'hx-get="/accounts/data/status/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert '<progress class="w-full accent-sky-500" max="100" value="42">' in page
    # Without JavaScript: a link that reloads the page.
    assert 'href="/accounts/data/"' in page
    assert "Request a new archive" not in page

    partial = alice_client.get("/accounts/data/status/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    fragment = partial.content.decode()
    assert '<section id="data-export-status"' in fragment
    assert "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert 'value="42"' in fragment


def test_status_stops_polling_once_ready(
    alice_client: Client, alice_data: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    fragment = alice_client.get("/accounts/data/status/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="ready"' in fragment
    assert "hx-trigger" not in fragment
    assert f"/accounts/data/{export.pk}/download/" in fragment
    assert "Request a new archive" in fragment


def test_failed_export_says_so_and_can_be_asked_again(alice_client: Client, alice: User) -> None:
    alice_client.post("/accounts/data/")
    DataExport.objects.filter(user=alice).update(status="failed")
    page = alice_client.get("/accounts/data/").content.decode()
    assert 'data-status="failed"' in page
    assert "failed" in page
    assert "hx-trigger" not in page
    assert "Request a new archive" in page


def test_expired_archive_cannot_be_downloaded(
    alice_client: Client,
    alice_api: APIClient,
    alice_data: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert alice_client.get(f"/accounts/data/{export.pk}/download/").status_code == 404
    status = alice_api.get("/api/v1/me/export/").json()
    assert (status["status"], status["download_url"]) == ("expired", None)
    assert 'data-status="expired"' in alice_client.get("/accounts/data/").content.decode()


def test_status_reads_take_a_fixed_number_of_queries(
    alice_client: Client,
    alice_api: APIClient,
    alice_data: dict,
    django_assert_max_num_queries: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    request_export(alice_client, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(2):
        assert alice_api.get("/api/v1/me/export/").status_code == 200
    # The htmx poll: session, user, the export.
    with django_assert_max_num_queries(3):
        assert alice_client.get("/accounts/data/status/").status_code == 200


# --- Retention ------------------------------------------------------------------------


def test_purge_exports_deletes_expired_archives_and_their_files(
    alice_client: Client,
    alice_data: dict,
    bob: User,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    expired = request_export(alice_client, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    bob_client = Client()
    bob_client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        bob_client.post("/accounts/data/")
    kept = DataExport.objects.get(user=bob)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_exports", stdout=io.StringIO())
    assert list(DataExport.objects.all()) == [kept]
    assert not default_storage.exists(expired.file_key)
    assert default_storage.exists(kept.file_key)


def test_archive_expires_after_the_configured_days(
    settings: object,
    alice_client: Client,
    alice_data: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    settings.DATA_EXPORT_RETENTION_DAYS = 2
    export = request_export(alice_client, django_capture_on_commit_callbacks)
    lifetime = export.expires_at - export.finished_at
    assert lifetime == timedelta(days=2)


# --- Without a broker ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_builds_it_after_the_response(
    settings: object, alice_api: APIClient, alice: User
) -> None:
    settings.DATA_EXPORT_RUNNER = "auto"
    settings.CELERY_BROKER_URL = ""
    PostFactory(author=alice, caption="Threaded #work")
    response = alice_api.post("/api/v1/me/export/")
    assert response.status_code == 202
    deadline = time.monotonic() + 20
    status = response.json()
    while status["status"] in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
        status = alice_api.get("/api/v1/me/export/").json()
    assert status["status"] == "ready"
    archive = download(alice_api, status["download_url"])
    assert read_json(archive, "posts.json")[0]["hashtags"] == ["work"]
    assert Post.objects.count() == 1


def test_export_and_delete_endpoints_are_in_the_schema(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    assert set(paths["/api/v1/me/export/"]) >= {"get", "post"}
    assert "202" in paths["/api/v1/me/export/"]["post"]["responses"]
    download = paths["/api/v1/me/export/{export_id}/download/"]["get"]["responses"]
    assert "application/zip" in download["200"]["content"]
    assert "204" in paths["/api/v1/me/delete/"]["post"]["responses"]


# --- On S3 ----------------------------------------------------------------------------


@pytest.fixture
def s3_media(settings: object) -> Iterator[None]:
    """The default storage on S3: the configured bucket when the environment sets one,
    else a moto server on loopback with the storage options the settings build."""
    if settings.AWS_STORAGE_BUCKET_NAME:
        yield
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = f"instaclone-export-{uuid.uuid4().hex[:12]}"
        credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", **credentials
        ).create_bucket(Bucket=bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "instaclone.media_storage.MediaStorage",
                "OPTIONS": {
                    "bucket_name": bucket,
                    "endpoint_url": endpoint,
                    "region_name": "us-east-1",
                    "signature_version": "s3v4",
                    "addressing_style": "path",
                    "file_overwrite": False,
                    "querystring_auth": True,
                    "access_key": "testing",
                    "secret_key": "testing",
                },
            },
        }
        yield
    finally:
        server.stop()


def test_on_s3_the_owner_gets_a_short_lived_signed_link(
    s3_media: None,
    alice_api: APIClient,
    alice: User,
    bob: User,
    api_client_for: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    PostFactory(author=alice, caption="In the cloud #s3")
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.post("/api/v1/me/export/")
    status = alice_api.get("/api/v1/me/export/").json()
    assert status["status"] == "ready"

    response = alice_api.get(status["download_url"])
    assert response.status_code == 302
    assert "X-Amz-Expires=300" in response["Location"]
    archive = download(alice_api, status["download_url"])
    assert read_json(archive, "posts.json")[0]["hashtags"] == ["s3"]
    photo = read_json(archive, "posts.json")[0]["photos"][0]["file"]
    assert Image.open(archive.open(photo)).format == "JPEG"
    assert api_client_for(bob).get(status["download_url"]).status_code == 404
    # The archive's key alone opens nothing: the bucket wants a signature.
    key = DataExport.objects.get().file_key
    with httpx.Client(trust_env=False, timeout=10) as direct:
        unsigned = default_storage.url(key).split("?", 1)[0]
        assert direct.get(unsigned).status_code == 403
