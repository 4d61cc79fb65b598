"""The post pages: /p/<id>/, create, edit, delete, like/save/comment forms, Saved."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from posts.models import Comment, Like, Post, Save
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.helpers import assert_constant_queries

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_post_page_shows_photos_caption_links_and_comments(
    client: Client, alice_post: Post, bob: User
) -> None:
    CommentFactory(post=alice_post, author=bob, text="Gorgeous <b>sky</b>")

    response = client.get(f"/p/{alice_post.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/tags/beach/"' in html
    assert ">#Beach</a>" in html
    assert '<a href="/bob/"' in html
    assert "Gorgeous &lt;b&gt;sky&lt;/b&gt;" in html
    assert 'type="image/webp"' in html
    assert "Log in</a> to like or comment" in html


def test_caption_html_is_escaped(client: Client, alice: User) -> None:
    post = PostFactory(author=alice, caption="<script>alert(1)</script> #ok")

    html = client.get(f"/p/{post.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_private_post_page_is_404_to_strangers(
    client: Client, charlie: User, private_bob_post: Post
) -> None:
    assert client.get(f"/p/{private_bob_post.pk}/").status_code == 404
    assert client_for(charlie).get(f"/p/{private_bob_post.pk}/").status_code == 404


def test_post_page_in_constant_queries(alice_client: Client, alice_post: Post) -> None:
    def grow() -> None:
        for _ in range(4):
            CommentFactory(post=alice_post, author=UserFactory())

    assert_constant_queries(lambda: alice_client.get(f"/p/{alice_post.pk}/"), grow, at_most=10)


def test_like_and_save_with_htmx(bob: User, alice_post: Post) -> None:
    client = client_for(bob)

    liked = client.post(f"/p/{alice_post.pk}/like/", {"liked": "1"}, **HTMX)
    saved = client.post(f"/p/{alice_post.pk}/save/", {"saved": "1"}, **HTMX)

    assert liked.status_code == saved.status_code == 200
    assert 'aria-pressed="true"' in liked.content.decode()
    assert 'data-testid="save-button">Saved<' in saved.content.decode()
    assert f'data-likes-count="{alice_post.pk}">1<' in saved.content.decode()
    assert Like.objects.filter(user=bob).exists()
    assert Save.objects.filter(user=bob).exists()

    client.post(f"/p/{alice_post.pk}/like/", {"liked": "0"}, **HTMX)
    assert not Like.objects.exists()


def test_like_without_javascript_redirects_back(bob: User, alice_post: Post) -> None:
    response = client_for(bob).post(f"/p/{alice_post.pk}/like/", {"liked": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"/p/{alice_post.pk}/"


def test_anonymous_like_goes_to_login(client: Client, alice_post: Post) -> None:
    response = client.post(f"/p/{alice_post.pk}/like/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Like.objects.exists()


def test_cannot_like_a_private_post_from_the_page(charlie: User, private_bob_post: Post) -> None:
    assert client_for(charlie).post(f"/p/{private_bob_post.pk}/like/").status_code == 404


def test_comment_from_the_page(bob: User, alice_post: Post) -> None:
    client = client_for(bob)

    response = client.post(f"/p/{alice_post.pk}/comments/", {"text": "Wow"}, **HTMX)

    assert response.status_code == 200
    assert "Wow" in response.content.decode()
    assert client.post(f"/p/{alice_post.pk}/comments/", {"text": " "}, **HTMX).status_code == 400
    assert Comment.objects.count() == 1


def test_post_author_deletes_a_comment_from_the_page(
    alice_client: Client, bob: User, charlie: User, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)
    url = f"/p/{alice_post.pk}/comments/{comment.pk}/delete/"

    assert client_for(charlie).post(url).status_code == 403
    assert alice_client.post(url).status_code == 302
    assert not Comment.objects.exists()


def test_create_page_without_javascript(
    alice: User, alice_client: Client, upload: Callable
) -> None:
    assert alice_client.get("/p/new/").status_code == 200

    response = alice_client.post(
        "/p/new/",
        {"images": [upload(), upload()], "caption": "New #post", "alt_text": ["one", "two"]},
    )

    post = Post.objects.get(author=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/p/{post.pk}/"
    assert list(post.media.values_list("alt_text", flat=True)) == ["one", "two"]


@pytest.mark.parametrize(
    ("files", "data", "message"),
    [
        (0, {}, "at least one photo"),
        (1, {"alt_text": ["a", "b"]}, "one alt text per photo"),
    ],
)
def test_create_page_shows_errors(
    alice_client: Client, upload: Callable, files: int, data: dict, message: str
) -> None:
    response = alice_client.post("/p/new/", {"images": [upload() for _ in range(files)], **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_create_page_refuses_a_non_image(alice_client: Client, upload: Callable) -> None:
    response = alice_client.post("/p/new/", {"images": [upload("x.jpg", b"not an image")]})

    assert response.status_code == 400
    assert "Unsupported image format" in response.content.decode()


def test_edit_page(alice_client: Client, alice_post: Post) -> None:
    assert alice_client.get(f"/p/{alice_post.pk}/edit/").status_code == 200

    response = alice_client.post(
        f"/p/{alice_post.pk}/edit/", {"caption": "Edited #new", "alt_text": ["A beach"]}
    )

    assert response.status_code == 302
    alice_post.refresh_from_db()
    assert alice_post.caption == "Edited #new"
    assert alice_post.media.get().alt_text == "A beach"


def test_strangers_cannot_edit_or_delete_from_the_pages(bob: User, alice_post: Post) -> None:
    client = client_for(bob)

    assert client.get(f"/p/{alice_post.pk}/edit/").status_code == 403
    assert client.post(f"/p/{alice_post.pk}/edit/", {"caption": "x"}).status_code == 403
    assert client.get(f"/p/{alice_post.pk}/delete/").status_code == 403
    assert client.post(f"/p/{alice_post.pk}/delete/").status_code == 403
    alice_post.refresh_from_db()
    assert alice_post.caption == "Sunset at the #Beach with @bob"


def test_delete_page_asks_then_deletes(alice_client: Client, alice_post: Post) -> None:
    confirm = alice_client.get(f"/p/{alice_post.pk}/delete/")
    response = alice_client.post(f"/p/{alice_post.pk}/delete/")

    assert "Delete this post?" in confirm.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/alice/"
    assert not Post.objects.exists()


def test_saved_page_lists_saved_posts_in_constant_queries(
    bob: User, alice: User, alice_post: Post
) -> None:
    client = client_for(bob)
    client.post(f"/p/{alice_post.pk}/save/")

    response = client.get("/saved/")

    assert response.status_code == 200
    assert f'href="/p/{alice_post.pk}/"' in response.content.decode()

    def grow() -> None:
        for _ in range(3):
            client.post(f"/p/{PostFactory(author=alice, photos=2).pk}/save/")

    assert_constant_queries(lambda: client.get("/saved/"), grow, at_most=8)


def test_saved_page_needs_login(client: Client, db: None) -> None:
    assert client.get("/saved/").status_code == 302
