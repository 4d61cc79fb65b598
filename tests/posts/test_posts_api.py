"""POST posts/, GET/PATCH/DELETE posts/{id}/, GET users/{username}/posts/."""

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Hashtag, Mention, Post, PostMedia
from tests.factories import PostFactory, UserFactory
from tests.helpers import assert_constant_queries

CREATE = "/api/v1/posts/"


def detail(post: Post) -> str:
    return f"/api/v1/posts/{post.pk}/"


def png_bomb(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = bytes(1 + (width + 7) // 8)
    pixels = zlib.compress(row * 100, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg(size: tuple[int, int] = (64, 48), noisy: bool = False) -> bytes:
    image = Image.effect_noise(size, 60).convert("RGB") if noisy else Image.new("RGB", size, "red")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


# --- Create -----------------------------------------------------------------------------


def test_create_a_post_of_two_photos(
    alice: User, bob: User, alice_api: APIClient, upload: Callable
) -> None:
    response = alice_api.post(
        CREATE,
        {
            "images": [upload("a.jpg"), upload("b.jpg")],
            "caption": "Two #Sunsets and a #sunsets, with @Bob",
            "alt_text": ["The first sunset", "The second sunset"],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {
        "id",
        "url",
        "author",
        "caption",
        "media",
        "hashtags",
        "likes_count",
        "comments_count",
        "liked",
        "saved",
        "created_at",
        "updated_at",
    }
    assert body["author"] == {"username": "alice", "full_name": "Alice Liddell", "avatar": None}
    assert body["url"].endswith(f"/p/{body['id']}/")
    assert body["hashtags"] == ["sunsets"]
    assert (body["likes_count"], body["comments_count"], body["liked"], body["saved"]) == (
        0,
        0,
        False,
        False,
    )
    assert [m["alt_text"] for m in body["media"]] == ["The first sunset", "The second sunset"]
    first = body["media"][0]
    assert (first["width"], first["height"]) == (48, 36)
    assert first["blurhash"]
    assert set(first["urls"]) == {"thumb", "medium", "full"}
    assert all(first["urls"].values())
    post = Post.objects.get(pk=body["id"])
    for media in post.media.all():
        for rendition in media.renditions.values():
            for key in rendition["files"].values():
                assert default_storage.exists(key)
    alice.refresh_from_db()
    assert alice.posts_count == 1
    assert list(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == [
        "bob"
    ]


def test_alt_texts_may_be_left_out(alice_api: APIClient, upload: Callable) -> None:
    response = alice_api.post(CREATE, {"images": [upload(), upload()]}, format="multipart")

    assert response.status_code == 201, response.json()
    assert [m["alt_text"] for m in response.json()["media"]] == ["", ""]
    assert response.json()["caption"] == ""


def test_anonymous_cannot_post(api_client: APIClient, upload: Callable) -> None:
    response = api_client.post(CREATE, {"images": [upload()]}, format="multipart")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("notes.jpg", b"this is not an image at all", 400),
        (
            "evil.jpg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            400,
        ),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', 400),
        ("truncated.jpg", jpeg((400, 300), noisy=True)[:3000], 400),
        ("bomb.png", png_bomb(20_000, 20_000), 400),
        ("empty.jpg", b"", 400),
    ],
)
def test_bad_images_are_refused_and_nothing_is_stored(
    alice: User,
    alice_api: APIClient,
    upload: Callable,
    stored_files: Callable[[], set[str]],
    name: str,
    data: bytes,
    status: int,
) -> None:
    before = stored_files()

    response = alice_api.post(
        CREATE, {"images": [upload(), upload(name, data)]}, format="multipart"
    )

    assert response.status_code == status, response.content
    assert response.json()["detail"].startswith("Photo 2: ")
    assert stored_files() == before
    assert not Post.objects.exists()
    assert not PostMedia.objects.exists()
    alice.refresh_from_db()
    assert alice.posts_count == 0


def test_a_file_over_the_size_limit_is_413(
    alice_api: APIClient,
    upload: Callable,
    settings: object,
    stored_files: Callable[[], set[str]],
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    before = stored_files()

    response = alice_api.post(
        CREATE, {"images": [upload("big.jpg", jpeg((200, 200), noisy=True))]}, format="multipart"
    )

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert stored_files() == before
    assert not Post.objects.exists()


def test_polyglot_payload_is_not_stored(alice_api: APIClient, upload: Callable) -> None:
    payload = b"<script>alert('polyglot')</script>PK\x03\x04SECRET-ZIP"

    response = alice_api.post(
        CREATE, {"images": [upload("poly.jpg", jpeg() + payload)]}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    media = Post.objects.get().media.get()
    for rendition in media.renditions.values():
        for key in rendition["files"].values():
            with default_storage.open(key) as stored:
                content = stored.read()
            assert b"<script>" not in content
            assert b"SECRET-ZIP" not in content


@pytest.mark.parametrize(
    ("photos", "fields", "error_field"),
    [
        (0, {}, "images"),
        (11, {}, "images"),
        (2, {"alt_text": ["only one"]}, "alt_text"),
        (1, {"alt_text": ["one", "two"]}, "alt_text"),
        (1, {"caption": "x" * 2201}, "caption"),
        (1, {"caption": "x" * 1_000_000}, "caption"),
        (1, {"alt_text": ["y" * 1001]}, "alt_text"),
    ],
)
def test_bad_post_input_is_refused_and_nothing_is_stored(
    alice_api: APIClient,
    upload: Callable,
    stored_files: Callable[[], set[str]],
    photos: int,
    fields: dict,
    error_field: str,
) -> None:
    data = {"images": [upload(f"{n}.jpg") for n in range(photos)], **fields}
    before = stored_files()

    response = alice_api.post(CREATE, data, format="multipart")

    assert response.status_code == 400, response.content
    assert error_field in response.json()
    assert stored_files() == before
    assert not Post.objects.exists()


def test_a_failure_after_storing_leaves_no_orphan_files(
    alice: User,
    alice_api: APIClient,
    upload: Callable,
    stored_files: Callable[[], set[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = stored_files()
    stored_when_it_failed: set[str] = set()

    def broken(*args: object, **kwargs: object) -> None:
        stored_when_it_failed.update(stored_files() - before)
        raise RuntimeError("database went away")

    monkeypatch.setattr("posts.services.PostMedia.objects.bulk_create", broken)
    client = alice_api
    client.raise_request_exception = False

    response = client.post(CREATE, {"images": [upload(), upload()]}, format="multipart")

    assert response.status_code == 500
    assert len(stored_when_it_failed) == 16  # 2 photos x 4 renditions x 2 formats
    assert stored_files() == before
    assert not Post.objects.exists()
    alice.refresh_from_db()
    assert alice.posts_count == 0


# --- Read -------------------------------------------------------------------------------


def test_anyone_can_see_a_public_post(api_client: APIClient, alice_post: Post) -> None:
    response = api_client.get(detail(alice_post))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == alice_post.pk
    assert body["hashtags"] == ["beach"]
    assert body["caption"] == "Sunset at the #Beach with @bob"


def test_missing_and_private_posts_look_the_same(
    api_client_for: Callable, charlie: User, private_bob_post: Post
) -> None:
    client = api_client_for(charlie)

    private = client.get(detail(private_bob_post))
    missing = client.get("/api/v1/posts/999999/")
    anonymous = APIClient().get(detail(private_bob_post))

    assert private.status_code == missing.status_code == anonymous.status_code == 404
    assert private.json() == missing.json() == anonymous.json()


def test_the_author_sees_their_private_post(
    api_client_for: Callable, private_bob: User, private_bob_post: Post
) -> None:
    assert api_client_for(private_bob).get(detail(private_bob_post)).status_code == 200


def test_posts_of_deactivated_accounts_are_hidden(api_client: APIClient, alice_post: Post) -> None:
    User.objects.filter(pk=alice_post.author_id).update(is_active=False)

    assert api_client.get(detail(alice_post)).status_code == 404


def test_user_posts_newest_first_in_constant_queries(
    alice: User, api_client_for: Callable, bob: User
) -> None:
    client = api_client_for(bob)
    first = PostFactory(author=alice, caption="first #one")
    second = PostFactory(author=alice, caption="second #two")
    PostFactory(author=bob)

    response = client.get("/api/v1/users/alice/posts/")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [second.pk, first.pk]
    assert response.json()["results"][0]["hashtags"] == ["two"]

    def grow() -> None:
        for n in range(3):
            post = PostFactory(author=alice, caption=f"more #tag{n} #x", photos=2)
            client.post(f"/api/v1/posts/{post.pk}/like/")
            client.post(f"/api/v1/posts/{post.pk}/save/")

    assert_constant_queries(
        lambda: client.get("/api/v1/users/alice/posts/?page_size=50"), grow, at_most=6
    )


def test_user_posts_paginate_with_a_cursor(alice: User, api_client: APIClient) -> None:
    posts = [PostFactory(author=alice) for _ in range(3)]

    page = api_client.get("/api/v1/users/alice/posts/?page_size=2").json()
    rest = api_client.get(page["next"]).json()

    assert [p["id"] for p in page["results"] + rest["results"]] == [p.pk for p in posts[::-1]]
    assert rest["next"] is None


def test_a_private_accounts_posts_are_an_empty_list_to_strangers(
    api_client: APIClient, private_bob_post: Post
) -> None:
    response = api_client.get("/api/v1/users/bob/posts/")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_posts_of_an_unknown_user_are_404(api_client: APIClient, db: None) -> None:
    assert api_client.get("/api/v1/users/nobody/posts/").status_code == 404


# --- Edit -------------------------------------------------------------------------------


def test_author_edits_caption_and_alt_texts(alice_api: APIClient, alice: User) -> None:
    post = PostFactory(author=alice, caption="old #Old", photos=2)

    response = alice_api.patch(
        detail(post), {"caption": "new #New #Nouveau", "alt_text": ["one", "two"]}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["caption"] == "new #New #Nouveau"
    assert body["hashtags"] == ["new", "nouveau"]
    assert [m["alt_text"] for m in body["media"]] == ["one", "two"]
    assert Hashtag.objects.filter(name="old").exists()


def test_editing_only_alt_texts_keeps_the_caption(alice_api: APIClient, alice_post: Post) -> None:
    response = alice_api.patch(detail(alice_post), {"alt_text": ["A beach"]})

    assert response.status_code == 200
    assert response.json()["caption"] == alice_post.caption
    assert response.json()["media"][0]["alt_text"] == "A beach"


@pytest.mark.parametrize(
    "data",
    [{"alt_text": ["one", "two"]}, {"caption": "x" * 2201}, {"alt_text": "not a list"}],
)
def test_bad_edits_change_nothing(alice_api: APIClient, alice_post: Post, data: dict) -> None:
    response = alice_api.patch(detail(alice_post), data)

    assert response.status_code == 400
    alice_post.refresh_from_db()
    assert alice_post.caption == "Sunset at the #Beach with @bob"


def test_a_stranger_cannot_edit_or_delete_a_post(
    api_client_for: Callable, bob: User, alice_post: Post, existing: Callable, post_keys: Callable
) -> None:
    client = api_client_for(bob)

    edit = client.patch(detail(alice_post), {"caption": "hacked"})
    delete = client.delete(detail(alice_post))

    assert (edit.status_code, delete.status_code) == (403, 403)
    alice_post.refresh_from_db()
    assert alice_post.caption == "Sunset at the #Beach with @bob"
    assert existing(post_keys(alice_post)) == post_keys(alice_post)


def test_a_stranger_gets_404_for_a_private_post_they_would_edit(
    api_client_for: Callable, charlie: User, private_bob_post: Post
) -> None:
    client = api_client_for(charlie)

    assert client.patch(detail(private_bob_post), {"caption": "x"}).status_code == 404
    assert client.delete(detail(private_bob_post)).status_code == 404
    assert Post.objects.filter(pk=private_bob_post.pk).exists()


def test_anonymous_cannot_edit(api_client: APIClient, alice_post: Post) -> None:
    assert api_client.patch(detail(alice_post), {"caption": "x"}).status_code == 401


# --- Delete -----------------------------------------------------------------------------


def test_deleting_a_post_removes_its_files_after_the_commit(
    alice_api: APIClient,
    alice: User,
    alice_post: Post,
    post_keys: Callable,
    existing: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    keys = post_keys(alice_post)
    assert len(keys) == 8
    assert existing(keys) == keys

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_api.delete(detail(alice_post))
        assert existing(keys) == keys  # never before the commit

    assert response.status_code == 204
    assert not Post.objects.filter(pk=alice_post.pk).exists()
    for callback in callbacks:
        callback()
    assert existing(keys) == []
    alice.refresh_from_db()
    assert alice.posts_count == 0
    assert alice_api.delete(detail(alice_post)).status_code == 404


def test_staff_may_delete_a_post(api_client_for: Callable, alice_post: Post) -> None:
    moderator = UserFactory(username="moderator", is_staff=True)

    assert api_client_for(moderator).delete(detail(alice_post)).status_code == 204
    assert not Post.objects.filter(pk=alice_post.pk).exists()
