"""The social pages: follow buttons (htmx and plain forms), lists, requests, blocks."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from social.models import Block, Follow, FollowRequest
from tests.factories import PostFactory, UserFactory, block, follow, request_follow
from tests.helpers import assert_constant_queries
from tests.social.conftest import HTMX

pytestmark = pytest.mark.django_db


def test_follow_button_with_htmx_swaps_to_following(
    alice_client: Client, alice: User, bob: User
) -> None:
    assert 'data-testid="follow-button">Follow<' in alice_client.get("/bob/").content.decode()
    response = alice_client.post("/bob/follow/", {"follow": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert ">Following<" in html
    response = alice_client.post("/bob/follow/", {"follow": "0"}, **HTMX)
    assert ">Follow<" in response.content.decode()
    assert not Follow.objects.exists()


def test_follow_without_javascript_redirects_back(
    alice_client: Client, alice: User, bob: User
) -> None:
    response = alice_client.post("/bob/follow/", {"follow": "1", "next": "/bob/followers/"})
    assert (response.status_code, response.url) == (302, "/bob/followers/")
    response = alice_client.post("/bob/follow/", {"follow": "1", "next": "https://evil.example/"})
    assert response.url == "/bob/"
    assert Follow.objects.filter(follower=alice, followee=bob).count() == 1


def test_anonymous_follow_goes_to_login(client: Client, bob: User) -> None:
    response = client.post("/bob/follow/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_following_yourself_from_a_page_is_refused_without_error(
    alice_client: Client, alice: User
) -> None:
    response = alice_client.post("/alice/follow/", {"follow": "1"})
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_a_requester_sees_the_header_only(
    client_for: Callable, alice: User, private_bob: User
) -> None:
    post = PostFactory(author=private_bob)
    private_bob.bio = "Builds things"
    private_bob.save(update_fields=["bio"])
    request_follow(alice, private_bob)
    html = client_for(alice).get("/bob/").content.decode()
    assert "This account is private" in html
    assert "Builds things" in html
    assert ">Requested<" in html
    assert f"/p/{post.pk}/" not in html


def test_a_follower_sees_the_private_grid(
    client_for: Callable, alice: User, private_bob: User
) -> None:
    post = PostFactory(author=private_bob)
    follow(alice, private_bob)
    html = client_for(alice).get("/bob/").content.decode()
    assert f"/p/{post.pk}/" in html
    assert "This account is private" not in html


def test_followers_page_lists_people_with_buttons(
    alice_client: Client, alice: User, bob: User, charlie: User
) -> None:
    follow(charlie, bob)
    follow(alice, charlie)
    html = alice_client.get("/bob/followers/").content.decode()
    assert 'id="person-charlie"' in html
    assert ">Following<" in html
    assert 'data-testid="remove-follower"' not in html


def test_remove_a_follower_from_your_own_list(alice_client: Client, alice: User, bob: User) -> None:
    follow(bob, alice)
    html = alice_client.get("/alice/followers/").content.decode()
    assert 'data-testid="remove-follower"' in html
    response = alice_client.post("/accounts/followers/bob/remove/")
    assert (response.status_code, response.url) == (302, "/alice/followers/")
    assert not Follow.objects.exists()
    assert alice_client.post("/accounts/followers/bob/remove/", **HTMX).status_code == 200


@pytest.mark.parametrize("direction", ["followers", "following"])
def test_people_pages_in_constant_queries(
    alice_client: Client, alice: User, bob: User, direction: str
) -> None:
    follow(alice, bob)

    def grow() -> None:
        for _ in range(4):
            other = UserFactory()
            follow(other, bob) if direction == "followers" else follow(bob, other)

    def view() -> None:
        assert alice_client.get(f"/bob/{direction}/").status_code == 200

    assert_constant_queries(view, grow, at_most=6)


def test_requests_page_approve_and_reject(
    client_for: Callable, alice: User, private_bob: User, charlie: User
) -> None:
    request_follow(alice, private_bob)
    request_follow(charlie, private_bob)
    client = client_for(private_bob)
    html = client.get("/accounts/requests/").content.decode()
    assert 'id="request-alice"' in html
    assert 'data-testid="nav-requests"' in html
    response = client.post("/accounts/requests/alice/approve/")
    assert (response.status_code, response.url) == (302, "/accounts/requests/")
    response = client.post("/accounts/requests/charlie/reject/", **HTMX)
    assert response.status_code == 200
    assert "removed" in response.content.decode()
    assert Follow.objects.filter(follower=alice, followee=private_bob).exists()
    assert not FollowRequest.objects.exists()


def test_approving_someone_elses_request_from_the_page_is_404(
    client_for: Callable, alice: User, private_bob: User, charlie: User
) -> None:
    request_follow(alice, private_bob)
    assert client_for(charlie).post("/accounts/requests/alice/approve/").status_code == 404
    assert FollowRequest.objects.exists()


def test_requests_page_in_constant_queries(client_for: Callable, private_bob: User) -> None:
    client = client_for(private_bob)
    request_follow(UserFactory(), private_bob)

    def grow() -> None:
        for _ in range(4):
            request_follow(UserFactory(), private_bob)

    assert_constant_queries(lambda: client.get("/accounts/requests/"), grow, at_most=6)


def test_block_asks_then_blocks_and_offers_unblock(
    alice_client: Client, alice: User, bob: User
) -> None:
    follow(alice, bob)
    confirm = alice_client.get("/bob/block/")
    assert 'data-testid="confirm-block"' in confirm.content.decode()
    assert not Block.objects.exists()
    response = alice_client.post("/bob/block/")
    assert (response.status_code, response.url) == (302, "/bob/")
    html = alice_client.get("/bob/").content.decode()
    assert "You blocked this account" in html
    assert 'data-testid="unblock-button"' in html
    assert not Follow.objects.exists()
    alice_client.post("/bob/unblock/")
    assert not Block.objects.exists()
    assert 'data-testid="block-link"' in alice_client.get("/bob/").content.decode()


def test_the_blocked_user_sees_the_blocker_as_missing(
    client_for: Callable, alice: User, bob: User
) -> None:
    block(alice, bob)
    client = client_for(bob)
    for path in ("/alice/", "/alice/followers/", "/alice/following/", "/alice/block/"):
        assert client.get(path).status_code == 404, path
    assert client.post("/alice/follow/", {"follow": "1"}).status_code == 404


def test_profile_page_for_a_signed_in_viewer_in_constant_queries(
    alice_client: Client, alice: User, bob: User
) -> None:
    follow(alice, bob)
    PostFactory(author=bob)

    def view() -> None:
        assert alice_client.get("/bob/").status_code == 200

    assert_constant_queries(view, lambda: PostFactory.create_batch(3, author=bob), at_most=8)
