"""GET/POST posts/{id}/comments/ and DELETE comments/{id}/."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Comment, Post
from tests.factories import CommentFactory, UserFactory
from tests.helpers import assert_constant_queries


def comments_url(post: Post) -> str:
    return f"/api/v1/posts/{post.pk}/comments/"


def test_comment_on_a_post(api_client_for: Callable, bob: User, alice_post: Post) -> None:
    response = api_client_for(bob).post(comments_url(alice_post), {"text": "  Lovely!  "})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "author", "text", "created_at"}
    assert body["text"] == "Lovely!"
    assert body["author"]["username"] == "bob"
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 2201, "bad\x00byte"])
def test_bad_comments_are_refused(
    api_client_for: Callable, bob: User, alice_post: Post, text: str
) -> None:
    response = api_client_for(bob).post(comments_url(alice_post), {"text": text})

    assert response.status_code == 400
    assert "text" in response.json()
    assert not Comment.objects.exists()
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 0


def test_a_comment_of_2200_characters_is_fine(
    api_client_for: Callable, bob: User, alice_post: Post
) -> None:
    response = api_client_for(bob).post(comments_url(alice_post), {"text": "é" * 2200})

    assert response.status_code == 201


def test_cannot_comment_on_a_post_you_may_not_see(
    api_client_for: Callable, charlie: User, private_bob_post: Post
) -> None:
    client = api_client_for(charlie)

    assert client.post(comments_url(private_bob_post), {"text": "hi"}).status_code == 404
    assert client.get(comments_url(private_bob_post)).status_code == 404
    assert not Comment.objects.exists()


def test_anonymous_reads_but_cannot_comment(api_client: APIClient, alice_post: Post) -> None:
    assert api_client.get(comments_url(alice_post)).status_code == 200
    assert api_client.post(comments_url(alice_post), {"text": "hi"}).status_code == 401


def test_comments_oldest_first_in_constant_queries(
    api_client: APIClient, alice_post: Post, bob: User, charlie: User
) -> None:
    first = CommentFactory(post=alice_post, author=bob, text="first")
    second = CommentFactory(post=alice_post, author=charlie, text="second")

    response = api_client.get(comments_url(alice_post))

    assert [c["id"] for c in response.json()["results"]] == [first.pk, second.pk]

    def grow() -> None:
        for _ in range(5):
            CommentFactory(post=alice_post, author=UserFactory())

    assert_constant_queries(
        lambda: api_client.get(f"{comments_url(alice_post)}?page_size=50"), grow, at_most=3
    )


def test_comment_author_deletes_own_comment(
    api_client_for: Callable, bob: User, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)
    client = api_client_for(bob)

    assert client.delete(f"/api/v1/comments/{comment.pk}/").status_code == 204
    assert client.delete(f"/api/v1/comments/{comment.pk}/").status_code == 404
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 0


def test_post_author_deletes_any_comment_on_their_post(
    alice_api: APIClient, bob: User, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)

    assert alice_api.delete(f"/api/v1/comments/{comment.pk}/").status_code == 204
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_a_stranger_cannot_delete_a_comment(
    api_client_for: Callable, bob: User, charlie: User, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)

    response = api_client_for(charlie).delete(f"/api/v1/comments/{comment.pk}/")

    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 1


def test_comments_on_a_post_you_may_not_see_are_404(
    api_client_for: Callable, private_bob: User, charlie: User, private_bob_post: Post
) -> None:
    comment = CommentFactory(post=private_bob_post, author=private_bob)

    response = api_client_for(charlie).delete(f"/api/v1/comments/{comment.pk}/")

    assert response.status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()
