"""Deleting an account: the password confirmation, that nothing of the user is left in
any table or in storage, that other people's counts stay exact, and that every way in
(session, access and refresh tokens) stops working."""

from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services as account_services
from accounts.models import DataExport, User
from feed.models import TimelineEntry
from instaclone.images import stored_keys
from posts import services as post_services
from posts.models import Comment, Like, Post, PostHashtag, PostMedia
from social.models import Block, Follow, FollowRequest, Notification
from tests.conftest import image_bytes
from tests.factories import (
    DEFAULT_PASSWORD,
    CommentFactory,
    PostFactory,
    UserFactory,
    block,
    follow,
    make_private,
    request_follow,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _background_inline(settings: object) -> None:
    # Feed fan-out and exports run inline on commit, so timelines and archives exist.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.DATA_EXPORT_RUNNER = "celery"


@pytest.fixture
def world(
    alice: User, bob: User, charlie: User, django_capture_on_commit_callbacks: Callable
) -> dict:
    """Alice (to be deleted) entangled with everyone; bob and charlie stay."""
    dave = make_private(UserFactory(username="dave"))
    eve = UserFactory(username="eve")
    with django_capture_on_commit_callbacks(execute=True):
        avatar = SimpleUploadedFile(
            "a.jpg", image_bytes(size=(300, 300)), content_type="image/jpeg"
        )
        account_services.user_set_avatar(user=alice, upload=avatar)
        follow(alice, bob)
        follow(charlie, alice)
        follow(bob, alice)
        follow(bob, charlie)
        request_follow(alice, dave)
        block(alice, eve)
        alice_posts = [
            PostFactory(author=alice, caption="Mine #tea @bob", photos=2),
            PostFactory(author=alice, caption="Also mine"),
        ]
        bobs = PostFactory(author=bob, caption="Bob's, hi @alice #tea")
        charlies = PostFactory(author=charlie, caption="Charlie's")
        for post in (bobs, charlies):
            post_services.like_create(user=alice, post=post)
        post_services.like_create(user=charlie, post=bobs)
        post_services.save_create(user=alice, post=bobs)
        CommentFactory(author=alice, post=bobs, text="one")
        CommentFactory(author=alice, post=bobs, text="two")
        CommentFactory(author=alice, post=charlies, text="three")
        CommentFactory(author=charlie, post=bobs, text="stays")
        post_services.like_create(user=bob, post=alice_posts[0])
        CommentFactory(author=bob, post=alice_posts[0], text="on alice's post")
        account_services.data_export_request(user=alice)
    alice.refresh_from_db()
    return {
        "alice_posts": alice_posts,
        "bobs": bobs,
        "charlies": charlies,
        "dave": dave,
        "eve": eve,
    }


def alice_files(alice: User) -> list[str]:
    keys = stored_keys(alice.avatar)
    for media in PostMedia.objects.filter(post__author=alice):
        keys += stored_keys(media.renditions)
    keys += [export.file_key for export in DataExport.objects.filter(user=alice)]
    return keys


def rows_pointing_at(user_id: int) -> dict[str, int]:
    """Every row of every model with a foreign key to this user id."""
    found: dict[str, int] = {}
    user_model = apps.get_model("accounts", "User")
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and (
                field.related_model is user_model
            ):
                count = model._default_manager.filter(**{field.attname: user_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    if user_model.objects.filter(pk=user_id).exists():
        found["accounts.User"] = 1
    return found


def assert_counters_exact() -> None:
    for user in User.objects.all():
        assert user.followers_count == Follow.objects.filter(followee=user).count(), user
        assert user.following_count == Follow.objects.filter(follower=user).count(), user
        assert user.posts_count == Post.objects.filter(author=user).count(), user
    for post in Post.objects.all():
        assert post.likes_count == Like.objects.filter(post=post).count(), post
        assert post.comments_count == Comment.objects.filter(post=post).count(), post


def delete_on_page(client: Client, password: str, capture: Callable) -> object:
    with capture(execute=True):
        return client.post("/accounts/delete/", {"password": password})


# --- Confirmation ---------------------------------------------------------------------


def test_page_asks_for_the_password(alice_client: Client) -> None:
    page = alice_client.get("/accounts/delete/").content.decode()
    assert 'type="password"' in page
    assert 'autocomplete="current-password"' in page
    assert "/accounts/data/" in page


def test_settings_page_links_to_export_and_deletion(alice_client: Client) -> None:
    page = alice_client.get("/accounts/edit/").content.decode()
    assert 'href="/accounts/data/"' in page
    assert 'href="/accounts/delete/"' in page


def test_wrong_password_on_the_page_deletes_nothing(
    alice_client: Client,
    alice: User,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    before = rows_pointing_at(alice.pk)
    files = alice_files(alice)
    response = delete_on_page(alice_client, "not-my-password", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "That password is not right" in response.content.decode()
    assert rows_pointing_at(alice.pk) == before
    assert all(default_storage.exists(key) for key in files)
    assert alice_client.get("/accounts/edit/").status_code == 200


def test_wrong_or_missing_password_in_the_api_deletes_nothing(
    alice_api: APIClient, alice: User, world: dict
) -> None:
    before = rows_pointing_at(alice.pk)
    response = alice_api.post("/api/v1/me/delete/", {"password": "nope"})
    assert response.status_code == 400
    assert "password" in response.json()
    assert alice_api.post("/api/v1/me/delete/", {}).status_code == 400
    assert rows_pointing_at(alice.pk) == before


def test_anonymous_cannot_delete(client: Client, api_client: APIClient) -> None:
    response = client.get("/accounts/delete/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert api_client.post("/api/v1/me/delete/", {"password": "x"}).status_code == 401


# --- What goes ------------------------------------------------------------------------


def test_deletion_leaves_no_row_of_the_user_in_any_table(
    alice_client: Client,
    alice: User,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    alice_id = alice.pk
    post_ids = [post.pk for post in world["alice_posts"]]
    before = rows_pointing_at(alice_id)
    # The setup really reached every kind of row this test is about.
    for label in (
        "posts.Post.author",
        "posts.Like.user",
        "posts.Comment.author",
        "posts.Save.user",
        "posts.Mention.user",
        "social.Follow.follower",
        "social.Follow.followee",
        "social.FollowRequest.requester",
        "social.Block.blocker",
        "social.Notification.recipient",
        "social.Notification.actor",
        "feed.TimelineEntry.owner",
        "feed.TimelineEntry.author",
        "accounts.DataExport.user",
    ):
        assert before.get(label), label

    response = delete_on_page(alice_client, DEFAULT_PASSWORD, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"

    assert rows_pointing_at(alice_id) == {}
    assert not PostMedia.objects.filter(post_id__in=post_ids).exists()
    assert not PostHashtag.objects.filter(post_id__in=post_ids).exists()
    assert not Comment.objects.filter(post_id__in=post_ids).exists()
    assert not Notification.objects.filter(post_id__in=post_ids).exists()
    assert not TimelineEntry.objects.filter(post_id__in=post_ids).exists()
    assert not FollowRequest.objects.filter(target=world["dave"]).exists()
    assert not Block.objects.filter(blocked=world["eve"]).exists()


def test_media_files_leave_storage_only_after_the_commit(
    alice_client: Client,
    alice: User,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    files = alice_files(alice)
    assert len(files) >= 2 + 3 * 2 + 1  # avatar renditions, post photos, the export
    others = [
        key
        for media in PostMedia.objects.exclude(post__author=alice)
        for key in stored_keys(media.renditions)
    ]
    assert all(default_storage.exists(key) for key in files + others)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.post("/accounts/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    # Rows gone, transaction not yet committed: every file is still there.
    assert all(default_storage.exists(key) for key in files)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(key) for key in files)
    assert all(default_storage.exists(key) for key in others)


def test_other_peoples_counts_stay_exact(
    alice_client: Client,
    bob: User,
    charlie: User,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    bobs, charlies = world["bobs"], world["charlies"]
    bobs.refresh_from_db()
    bob.refresh_from_db()
    charlie.refresh_from_db()
    assert (bobs.likes_count, bobs.comments_count) == (2, 3)
    assert (bob.followers_count, bob.following_count) == (1, 2)
    assert (charlie.followers_count, charlie.following_count) == (1, 1)

    delete_on_page(alice_client, DEFAULT_PASSWORD, django_capture_on_commit_callbacks)

    bobs.refresh_from_db()
    charlies.refresh_from_db()
    bob.refresh_from_db()
    charlie.refresh_from_db()
    assert (bobs.likes_count, bobs.comments_count) == (1, 1)
    assert (charlies.likes_count, charlies.comments_count) == (0, 0)
    assert (bob.followers_count, bob.following_count) == (0, 1)
    assert (charlie.followers_count, charlie.following_count) == (1, 0)
    assert_counters_exact()


def test_other_peoples_posts_and_comments_stay(
    alice_client: Client, charlie: User, world: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    delete_on_page(alice_client, DEFAULT_PASSWORD, django_capture_on_commit_callbacks)
    assert set(Post.objects.values_list("pk", flat=True)) == {
        world["bobs"].pk,
        world["charlies"].pk,
    }
    assert list(Comment.objects.values_list("text", flat=True)) == ["stays"]
    assert Like.objects.filter(user=charlie, post=world["bobs"]).exists()
    assert all(
        default_storage.exists(key)
        for media in PostMedia.objects.all()
        for key in stored_keys(media.renditions)
    )


# --- Every way in stops working -------------------------------------------------------


def test_session_and_tokens_stop_working(
    alice: User,
    alice_client: Client,
    api_client: APIClient,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    refresh = RefreshToken.for_user(alice)
    access = str(refresh.access_token)
    other_session = Client()
    other_session.force_login(alice)

    delete_on_page(alice_client, DEFAULT_PASSWORD, django_capture_on_commit_callbacks)

    assert alice_client.get("/accounts/edit/").status_code == 302
    assert other_session.get("/accounts/edit/").status_code == 302
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get("/api/v1/me/").status_code == 401
    api_client.credentials()
    response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)})
    assert response.status_code == 401
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 401


def test_api_deletion_answers_204_and_the_token_stops_working(
    alice: User,
    alice_api: APIClient,
    bob: User,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    files = alice_files(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.post("/api/v1/me/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 204
    assert alice_api.get("/api/v1/me/").status_code == 401
    assert rows_pointing_at(alice.pk) == {}
    assert not any(default_storage.exists(key) for key in files)
    bob.refresh_from_db()
    assert (bob.followers_count, bob.following_count) == (0, 1)
    assert_counters_exact()


def test_username_is_free_again(
    alice_client: Client,
    api_client: APIClient,
    world: dict,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    delete_on_page(alice_client, DEFAULT_PASSWORD, django_capture_on_commit_callbacks)
    assert api_client.get("/api/v1/users/alice/").status_code == 404
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "Alice", "email": "alice@example.com", "password": "a-new-long-passphrase"},
    )
    assert response.status_code == 201
    newcomer = User.objects.get(username="Alice")
    assert (newcomer.followers_count, newcomer.following_count, newcomer.posts_count) == (0, 0, 0)
    assert not Follow.objects.filter(followee=newcomer).exists()


def test_an_account_with_nothing_in_it_can_be_deleted(alice_api: APIClient, alice: User) -> None:
    assert alice_api.post("/api/v1/me/delete/", {"password": DEFAULT_PASSWORD}).status_code == 204
    assert not User.objects.filter(pk=alice.pk).exists()


def test_password_guesses_on_deletion_are_rate_limited(
    settings: object, alice: User, alice_client: Client, alice_api: APIClient
) -> None:
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, "password_change": "3/hour"}
    for _ in range(3):
        assert alice_client.post("/accounts/delete/", {"password": "guess"}).status_code == 400
    page = alice_client.post("/accounts/delete/", {"password": DEFAULT_PASSWORD})
    assert page.status_code == 429
    assert page.has_header("Retry-After")
    response = alice_api.post("/api/v1/me/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert User.objects.filter(pk=alice.pk).exists()


@pytest.mark.parametrize("how", ["delete view", "delete selected action"])
def test_deleting_from_the_admin_is_the_same_deletion(
    how: str, alice: User, world: dict, django_capture_on_commit_callbacks: Callable
) -> None:
    admin = User.objects.create_superuser("root", "root@example.com", "x-Long-admin-pass-1")
    client = Client()
    client.force_login(admin)
    files = alice_files(alice)

    with django_capture_on_commit_callbacks(execute=True):
        if how == "delete view":
            response = client.post(f"/admin/accounts/user/{alice.pk}/delete/", {"post": "yes"})
        else:
            response = client.post(
                "/admin/accounts/user/",
                {"action": "delete_selected", "_selected_action": [alice.pk], "post": "yes"},
            )

    assert response.status_code == 302
    assert rows_pointing_at(alice.pk) == {}
    assert_counters_exact()
    assert not any(default_storage.exists(key) for key in files)
