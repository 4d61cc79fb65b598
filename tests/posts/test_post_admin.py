"""The posts admin: changelists render; deleting goes through posts.services."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from posts.models import Comment, Like, Post, PostHashtag, PostMedia
from tests.factories import CommentFactory, PostFactory, UserFactory


@pytest.fixture
def admin_user(db: None) -> User:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_post_changelist_lists_posts_with_counts_and_finds_them_by_author(
    admin_client: Client, alice: User, bob: User
) -> None:
    PostFactory(author=alice, caption="A very long caption about the sea " * 5, photos=2)
    PostFactory(author=bob, caption="Bob's bridge")

    response = admin_client.get("/admin/posts/post/")
    found = admin_client.get("/admin/posts/post/", {"q": "bob"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "A very long caption about the sea" in html
    assert "Bob&#x27;s bridge" in html
    assert found.status_code == 200
    assert found.context["cl"].result_count == 1


def test_post_change_page_shows_thumbnails_of_its_photos(admin_client: Client, alice: User) -> None:
    post = PostFactory(author=alice, photos=2, alt_texts=["A red door", "A blue door"])

    response = admin_client.get(f"/admin/posts/post/{post.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('alt="A red door"') == 1
    assert html.count('alt="A blue door"') == 1
    assert "thumb.webp" in html


def test_comment_and_hashtag_changelists_render(admin_client: Client, alice_post: Post) -> None:
    CommentFactory(post=alice_post, text="What a view")

    comments = admin_client.get("/admin/posts/comment/", {"q": "view"})
    hashtags = admin_client.get("/admin/posts/hashtag/")

    assert comments.status_code == 200
    assert comments.context["cl"].result_count == 1
    assert hashtags.status_code == 200
    assert "beach" in hashtags.content.decode()


def test_deleting_a_post_in_the_admin_removes_rows_files_and_a_posts_count(
    stored_files: Callable[[], set[str]],
    admin_client: Client,
    alice: User,
    bob: User,
    post_keys: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    post = PostFactory(author=alice, caption="Going #away", photos=2)
    kept = PostFactory(author=bob)
    CommentFactory(post=post, author=bob)
    Like.objects.create(post=post, user=bob)
    keys = set(post_keys(post))
    before = stored_files()
    assert len(keys) == 16
    assert keys <= before
    alice.refresh_from_db()
    assert alice.posts_count == 1

    confirm = admin_client.get(f"/admin/posts/post/{post.pk}/delete/")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"})

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not PostMedia.objects.filter(post_id=post.pk).exists()
    assert not Comment.objects.filter(post_id=post.pk).exists()
    assert not PostHashtag.objects.filter(post_id=post.pk).exists()
    assert stored_files() == before - keys == set(post_keys(kept))
    alice.refresh_from_db()
    assert alice.posts_count == 0


def test_files_stay_until_the_admin_delete_commits(
    admin_client: Client, alice: User, existing: Callable, post_keys: Callable
) -> None:
    post = PostFactory(author=alice)
    keys = post_keys(post)

    # The test's transaction never commits, so the files must still be there.
    admin_client.post(f"/admin/posts/post/{post.pk}/delete/", {"post": "yes"})

    assert not Post.objects.filter(pk=post.pk).exists()
    assert existing(keys) == keys


def test_bulk_delete_action_deletes_every_selected_post_through_the_service(
    admin_client: Client,
    alice: User,
    bob: User,
    existing: Callable,
    post_keys: Callable,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    posts = [PostFactory(author=alice), PostFactory(author=alice), PostFactory(author=bob)]
    keys = [key for post in posts for key in post_keys(post)]
    kept = PostFactory(author=alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/posts/post/",
            {
                "action": "delete_selected",
                "_selected_action": [post.pk for post in posts],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert list(Post.objects.values_list("pk", flat=True)) == [kept.pk]
    assert existing(keys) == []
    assert existing(post_keys(kept)) == post_keys(kept)
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.posts_count, bob.posts_count) == (1, 0)


def test_deleting_a_comment_in_the_admin_keeps_the_comments_count(
    admin_client: Client, alice_post: Post, bob: User
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)
    CommentFactory(post=alice_post, author=bob)

    response = admin_client.post(f"/admin/posts/comment/{comment.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 1


def test_staff_can_delete_a_private_accounts_post(
    admin_client: Client, private_bob_post: Post
) -> None:
    response = admin_client.post(
        f"/admin/posts/post/{private_bob_post.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Post.objects.filter(pk=private_bob_post.pk).exists()
