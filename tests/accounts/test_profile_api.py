"""The Accounts and profiles section of the API contract."""

import factory
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from instaclone.images import stored_keys
from tests.conftest import image_bytes
from tests.factories import UserFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

PROFILE_KEYS = {
    "username",
    "full_name",
    "bio",
    "website",
    "avatar",
    "is_private",
    "followers_count",
    "following_count",
    "posts_count",
}


def test_me_returns_own_profile_with_email(alice_api: APIClient) -> None:
    body = alice_api.get("/api/v1/me/").json()
    assert set(body) == PROFILE_KEYS | {"email"}
    assert body["username"] == "alice"
    assert body["email"] == "alice@example.com"


def test_me_needs_credentials(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_patch_me_updates_profile(alice_api: APIClient, alice: User) -> None:
    response = alice_api.patch(
        "/api/v1/me/",
        {"full_name": "Alice L.", "bio": "Curiouser", "website": "https://a.example"},
    )
    assert response.status_code == 200
    assert response.json()["bio"] == "Curiouser"
    alice.refresh_from_db()
    assert (alice.full_name, alice.website) == ("Alice L.", "https://a.example")


@pytest.mark.parametrize(
    "changes",
    [
        {"website": "javascript:alert(1)"},
        {"website": "data:text/html,hi"},
        {"bio": "b" * 151},
        {"full_name": "n" * 65},
        {"is_private": "perhaps"},
    ],
)
def test_patch_me_rejects_bad_input_and_changes_nothing(
    alice_api: APIClient, alice: User, changes: dict
) -> None:
    response = alice_api.patch("/api/v1/me/", {"bio": "kept?", **changes})
    assert response.status_code == 400
    assert next(iter(changes)) in response.json()
    alice.refresh_from_db()
    assert alice.bio == ""


def test_patch_me_cannot_change_username_or_counts(alice_api: APIClient, alice: User) -> None:
    response = alice_api.patch("/api/v1/me/", {"username": "mallory", "followers_count": 10**6})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.username, alice.followers_count) == ("alice", 0)


def test_make_account_private(alice_api: APIClient, alice: User) -> None:
    assert alice_api.patch("/api/v1/me/", {"is_private": True}).json()["is_private"] is True


def avatar_upload(content: bytes, name: str = "me.jpg") -> dict:
    return {"avatar": SimpleUploadedFile(name, content, content_type="image/jpeg")}


def test_put_avatar_gives_small_and_medium_urls(alice_api: APIClient, alice: User) -> None:
    response = alice_api.put(
        "/api/v1/me/avatar/", avatar_upload(image_bytes("PNG", (500, 700))), format="multipart"
    )
    assert response.status_code == 200
    avatar = response.json()["avatar"]
    assert set(avatar) == {"small", "medium"}
    alice.refresh_from_db()
    assert all(default_storage.exists(key) for key in stored_keys(alice.avatar))


def test_replacing_avatar_deletes_old_files_after_commit(
    alice_api: APIClient, alice: User, django_capture_on_commit_callbacks
) -> None:
    alice_api.put("/api/v1/me/avatar/", avatar_upload(image_bytes()), format="multipart")
    alice.refresh_from_db()
    old_keys = stored_keys(alice.avatar)
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.put("/api/v1/me/avatar/", avatar_upload(image_bytes()), format="multipart")
    alice.refresh_from_db()
    assert not any(default_storage.exists(key) for key in old_keys)
    assert all(default_storage.exists(key) for key in stored_keys(alice.avatar))


def test_delete_avatar(alice_api: APIClient, alice: User) -> None:
    alice_api.put("/api/v1/me/avatar/", avatar_upload(image_bytes()), format="multipart")
    assert alice_api.delete("/api/v1/me/avatar/").status_code == 204
    assert alice_api.get("/api/v1/me/").json()["avatar"] is None


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<svg onload='alert(1)'/>", "x.svg"),
        (b"<html></html>", "x.jpg"),
        (b"%PDF-1.7\n", "x.pdf"),
        (b"", "x.jpg"),
        (image_bytes("TIFF", (32, 32)), "x.tif"),
        (image_bytes("JPEG")[:300], "truncated.jpg"),
    ],
)
def test_put_avatar_rejects_non_images(
    alice_api: APIClient, alice: User, content: bytes, name: str
) -> None:
    response = alice_api.put("/api/v1/me/avatar/", avatar_upload(content, name), format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"]
    alice.refresh_from_db()
    assert alice.avatar == {}


def test_put_avatar_without_file_is_400(alice_api: APIClient) -> None:
    response = alice_api.put("/api/v1/me/avatar/", {}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()


def test_put_avatar_over_the_size_limit_is_413(alice_api: APIClient, alice: User, settings) -> None:
    settings.MAX_UPLOAD_BYTES = 50_000
    big = image_bytes("PNG", (600, 600), compress_level=0)
    assert len(big) > 50_000
    response = alice_api.put(
        "/api/v1/me/avatar/", avatar_upload(big, "big.png"), format="multipart"
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_request_body_over_the_request_limit_is_413_before_reading(
    alice_api: APIClient, settings
) -> None:
    settings.MAX_REQUEST_BYTES = 10_000
    response = alice_api.put(
        "/api/v1/me/avatar/", avatar_upload(b"x" * 20_000, "big.jpg"), format="multipart"
    )
    assert response.status_code == 413


def test_huge_dimension_png_is_rejected_without_decoding(alice_api: APIClient) -> None:
    bomb = image_bytes("PNG", (12000, 100))
    response = alice_api.put(
        "/api/v1/me/avatar/", avatar_upload(bomb, "bomb.png"), format="multipart"
    )
    assert response.status_code == 400
    assert "px" in response.json()["detail"] or "large" in response.json()["detail"]


def test_public_user_profile(api_client: APIClient) -> None:
    UserFactory(username="dora", full_name="Dora", bio="Explorer")
    response = api_client.get("/api/v1/users/DORA/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= PROFILE_KEYS
    assert "email" not in body
    assert body["bio"] == "Explorer"


def test_unknown_or_inactive_user_is_404(api_client: APIClient) -> None:
    UserFactory(username="gone", is_active=False)
    assert api_client.get("/api/v1/users/nobody/").status_code == 404
    assert api_client.get("/api/v1/users/gone/").json() == {"detail": "No such user."}


def test_user_search_ranks_best_matches_first(api_client: APIClient) -> None:
    UserFactory(username="annabel", full_name="Zed")
    UserFactory(username="zanna", full_name="Zoe")
    UserFactory(username="ann", full_name="Ann Exact")
    UserFactory(username="bob2", full_name="Anna Karenina")
    UserFactory(username="nomatch", full_name="Nobody")
    response = api_client.get("/api/v1/users/", {"q": "ann"})
    names = [user["username"] for user in response.json()["results"]]
    assert names == ["ann", "annabel", "bob2", "zanna"]


def test_user_search_query_count_is_constant(api_client: APIClient) -> None:
    def search() -> None:
        assert api_client.get("/api/v1/users/", {"q": "search"}).status_code == 200

    def add_users() -> None:
        UserFactory.create_batch(30, username=factory.Sequence(lambda n: f"searchable{n}"))

    UserFactory(username="searchable")
    assert_constant_queries(search, add_users, at_most=1)


def test_empty_search_returns_nothing(api_client: APIClient, alice: User) -> None:
    assert api_client.get("/api/v1/users/", {"q": "  "}).json()["results"] == []
