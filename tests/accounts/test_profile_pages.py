"""The public profile page and the edit-profile page with its avatar upload."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from instaclone.images import stored_keys
from tests.conftest import image_bytes
from tests.factories import UserFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def edit(client: Client, **fields: object):
    data = {"full_name": "Alice L.", "bio": "Down the rabbit hole", "website": ""}
    return client.post(reverse("accounts:edit"), {**data, **fields})


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_profile_page_shows_name_bio_and_counts(client: Client) -> None:
    UserFactory(username="dora", full_name="Dora Explorer", bio="Maps & backpacks")
    response = client.get("/DORA/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dora Explorer" in page
    assert "Maps &amp; backpacks" in page
    assert "0</span> followers" in page


def test_unknown_profile_is_404(client: Client) -> None:
    response = client.get("/nobody-here/")
    assert response.status_code == 404
    assert "this page isn't available" in response.content.decode()


def test_profile_page_query_count_is_constant(client: Client, alice: User) -> None:
    def view() -> None:
        assert client.get("/alice/").status_code == 200

    assert_constant_queries(view, lambda: UserFactory.create_batch(5), at_most=2)


def test_edit_profile_saves_fields(alice_client: Client, alice: User) -> None:
    response = edit(alice_client, website="https://alice.example", is_private="on")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.full_name, alice.bio, alice.website, alice.is_private) == (
        "Alice L.",
        "Down the rabbit hole",
        "https://alice.example",
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": "javascript:alert(1)"}, "Enter a"),
        ({"website": "ftp://files.example"}, "http://"),
        ({"bio": "b" * 151}, "at most 150"),
    ],
)
def test_edit_profile_rejects_bad_fields(
    alice_client: Client, alice: User, fields: dict, message: str
) -> None:
    response = edit(alice_client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.bio == ""
    assert alice.website == ""


def test_avatar_upload_is_processed_into_square_renditions(
    alice_client: Client, alice: User
) -> None:
    photo = upload("me.jpg", image_bytes("JPEG", (1200, 800)))
    response = edit(alice_client, avatar_upload=photo)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert set(alice.avatar) >= {"small", "medium"}
    page = alice_client.get("/alice/").content.decode()
    assert "profile picture" in page
    for size, pixels in (("small", 150), ("medium", 320)):
        for key in alice.avatar[size]["files"].values():
            with default_storage.open(key) as stored, Image.open(stored) as image:
                assert image.size == (pixels, pixels)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.jpg", b"<html><body>not an image</body></html>"),
        ("doc.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
        ("scan.png", image_bytes("TIFF", (64, 64))),
        ("noise.jpg", bytes(range(256)) * 40),
        ("empty.jpg", b""),
    ],
)
def test_avatar_that_is_not_an_image_is_a_form_error(
    alice_client: Client, alice: User, name: str, content: bytes
) -> None:
    response = edit(alice_client, avatar_upload=upload(name, content), bio="changed")
    assert response.status_code == 400
    assert "alert" in response.content.decode()  # the error is shown with role="alert"
    alice.refresh_from_db()
    assert alice.avatar == {}
    assert alice.bio == "", "a rejected photo must not half-save the profile"


def test_removing_the_avatar_deletes_its_files_after_commit(
    alice_client: Client, alice: User, django_capture_on_commit_callbacks
) -> None:
    edit(alice_client, avatar_upload=upload("me.jpg", image_bytes("JPEG", (400, 400))))
    alice.refresh_from_db()
    keys = stored_keys(alice.avatar)
    assert keys
    assert all(default_storage.exists(key) for key in keys)
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(alice_client, remove_avatar="on")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.avatar == {}
    assert not any(default_storage.exists(key) for key in keys)


def test_edit_requires_login(client: Client) -> None:
    response = client.get(reverse("accounts:edit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
