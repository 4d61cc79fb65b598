"""The signed-in navigation is rendered once per state and kept (templates/base.html): what
it shows follows every change at once, and one account's never reaches another."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from posts.models import Post
from posts.services import like_create
from tests.conftest import image_bytes
from tests.factories import PostFactory, UserFactory
from tests.helpers import form_csrf_token

pytestmark = pytest.mark.django_db


def navigation(client: Client) -> str:
    page = client.get("/explore/").content.decode()
    return page[
        page.index('<nav aria-label="Main (phone)"') : page.index(
            "</nav>", page.index('<nav aria-label="Main"')
        )
    ]


def unread_badge(html: str) -> str | None:
    match = re.search(r'data-testid="unread-badge"[^>]*>(\d+)<', html)
    return match.group(1) if match else None


def test_the_unread_badge_counts_each_new_notification(alice_client: Client, alice: User) -> None:
    post: Post = PostFactory(author=alice)
    assert unread_badge(navigation(alice_client)) is None
    like_create(user=UserFactory(), post=post)
    assert unread_badge(navigation(alice_client)) == "1"
    like_create(user=UserFactory(), post=post)
    assert unread_badge(navigation(alice_client)) == "2"


def test_a_new_avatar_shows_in_the_navigation_at_once(alice_client: Client, alice: User) -> None:
    assert "profile picture" not in navigation(alice_client)
    photo = SimpleUploadedFile("me.jpg", image_bytes("JPEG", (400, 400)), "image/jpeg")
    edited = alice_client.post(
        "/accounts/edit/", {"full_name": "", "bio": "", "website": "", "avatar_upload": photo}
    )
    assert edited.status_code == 302
    assert "alice's profile picture" in navigation(alice_client)


def test_each_account_gets_its_own_navigation_and_logout_token(alice: User, bob: User) -> None:
    clients = {}
    for user in (alice, bob):
        clients[user.username] = Client(enforce_csrf_checks=True)
        clients[user.username].force_login(user)
    for _ in range(2):
        mine, theirs = navigation(clients["alice"]), navigation(clients["bob"])
        assert 'href="/alice/"' in mine
        assert 'href="/bob/"' not in mine
        assert 'href="/bob/"' in theirs
        assert 'href="/alice/"' not in theirs
    for name, client in clients.items():
        page = client.get("/explore/").content.decode()
        token = form_csrf_token(page[page.index('action="/accounts/logout/"') :])
        assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
        assert client.get("/").status_code == 302, f"{name} is still signed in"
