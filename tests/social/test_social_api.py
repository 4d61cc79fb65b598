"""The Social graph section of the API contract, and `users/{username}/` and `users/?q=`."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from social.models import Block, Follow, FollowRequest
from tests.factories import UserFactory, block, follow, make_private, request_follow
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
    "is_following",
    "follows_you",
    "follow_requested",
}


def usernames(response) -> list[str]:
    return [user["username"] for user in response.json()["results"]]


# --- users/{username}/ --------------------------------------------------------------------


def test_profile_shows_the_viewers_relationship(
    alice_api: APIClient, alice: User, bob: User
) -> None:
    follow(alice, bob)
    follow(bob, alice)
    body = alice_api.get("/api/v1/users/bob/").json()
    assert set(body) == PROFILE_KEYS
    assert (body["is_following"], body["follows_you"], body["follow_requested"]) == (
        True,
        True,
        False,
    )
    assert (body["followers_count"], body["following_count"]) == (1, 1)


def test_a_private_profile_shows_its_header_and_the_pending_request(
    alice_api: APIClient, alice: User, bob: User
) -> None:
    make_private(bob)
    request_follow(alice, bob)
    body = alice_api.get("/api/v1/users/bob/").json()
    assert body["is_private"] is True
    assert body["follow_requested"] is True
    assert body["is_following"] is False
    assert body["full_name"] == "Bob Builder"


def test_anonymous_sees_no_relationship(api_client: APIClient, bob: User) -> None:
    body = api_client.get("/api/v1/users/bob/").json()
    assert not any(body[key] for key in ("is_following", "follows_you", "follow_requested"))


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_blocked_users_see_each_other_as_missing(
    alice_api: APIClient, alice: User, bob: User, blocker: str
) -> None:
    block(*((alice, bob) if blocker == "alice" else (bob, alice)))
    response = alice_api.get("/api/v1/users/bob/")
    assert response.status_code == 404
    assert response.json() == alice_api.get("/api/v1/users/nobody/").json()


def test_search_leaves_out_users_blocked_either_way(
    alice_api: APIClient, alice: User, db: None
) -> None:
    for name in ("sam1", "sam2", "sam3"):
        UserFactory(username=name)
    block(alice, User.objects.get(username="sam1"))
    block(User.objects.get(username="sam2"), alice)
    assert usernames(alice_api.get("/api/v1/users/", {"q": "sam"})) == ["sam3"]


def test_search_query_count_is_constant_for_a_signed_in_viewer(
    alice_api: APIClient, alice: User
) -> None:
    UserFactory(username="searchable")

    def search() -> None:
        assert alice_api.get("/api/v1/users/", {"q": "search"}).status_code == 200

    def grow() -> None:
        for n in range(5):
            user = UserFactory(username=f"searchable{n}")
            if n % 2:
                block(user, alice)

    # One query for the JWT's user, one for the search.
    assert_constant_queries(search, grow, at_most=2)


# --- follow / unfollow --------------------------------------------------------------------


def test_follow_and_unfollow(alice_api: APIClient, alice: User, bob: User) -> None:
    for _ in range(2):
        response = alice_api.post("/api/v1/users/bob/follow/")
        assert (response.status_code, response.json()) == (200, {"status": "following"})
    bob.refresh_from_db()
    assert bob.followers_count == 1
    for _ in range(2):
        assert alice_api.delete("/api/v1/users/bob/follow/").status_code == 204
    bob.refresh_from_db()
    assert bob.followers_count == 0


def test_follow_a_private_account_then_withdraw(
    alice_api: APIClient, alice: User, bob: User
) -> None:
    make_private(bob)
    assert alice_api.post("/api/v1/users/bob/follow/").json() == {"status": "requested"}
    assert alice_api.delete("/api/v1/users/bob/follow/").status_code == 204
    assert not FollowRequest.objects.exists()


@pytest.mark.parametrize(
    ("case", "username", "status"),
    [
        ("yourself", "alice", 400),
        ("a missing user", "nobody", 404),
        ("a user who blocked you", "bob", 404),
        ("a user you blocked", "charlie", 404),
    ],
)
def test_bad_follows_are_refused_and_change_nothing(
    alice_api: APIClient,
    alice: User,
    bob: User,
    charlie: User,
    case: str,
    username: str,
    status: int,
) -> None:
    block(bob, alice)
    block(alice, charlie)
    response = alice_api.post(f"/api/v1/users/{username}/follow/")
    assert response.status_code == status, case
    assert response.json()
    assert not Follow.objects.exists()
    assert not FollowRequest.objects.exists()


def test_anonymous_cannot_follow(api_client: APIClient, bob: User) -> None:
    assert api_client.post("/api/v1/users/bob/follow/").status_code == 401


# --- followers / following ----------------------------------------------------------------


def test_followers_and_following_newest_first(
    alice_api: APIClient, alice: User, bob: User, charlie: User
) -> None:
    follow(charlie, bob)
    follow(alice, bob)
    follow(bob, charlie)
    followers = alice_api.get("/api/v1/users/bob/followers/")
    assert set(followers.json()) == {"next", "previous", "results"}
    assert usernames(followers) == ["alice", "charlie"]
    assert set(followers.json()["results"][0]) == {"username", "full_name", "avatar"}
    assert usernames(alice_api.get("/api/v1/users/bob/following/")) == ["charlie"]


def test_a_private_accounts_lists_are_empty_to_non_followers(
    api_client_for: Callable, alice: User, bob: User, charlie: User
) -> None:
    make_private(bob)
    follow(charlie, bob)
    request_follow(alice, bob)
    for path in ("/api/v1/users/bob/followers/", "/api/v1/users/bob/following/"):
        response = api_client_for(alice).get(path)
        assert (response.status_code, response.json()["results"]) == (200, [])
    assert usernames(api_client_for(charlie).get("/api/v1/users/bob/followers/")) == ["charlie"]
    assert usernames(api_client_for(bob).get("/api/v1/users/bob/followers/")) == ["charlie"]


def test_lists_leave_out_people_blocked_either_way_with_the_viewer(
    alice_api: APIClient, alice: User, bob: User, charlie: User
) -> None:
    dave = UserFactory(username="dave")
    for fan in (charlie, dave):
        follow(fan, bob)
    block(alice, charlie)
    block(dave, alice)
    assert usernames(alice_api.get("/api/v1/users/bob/followers/")) == []


@pytest.mark.parametrize("path", ["followers", "following"])
def test_people_lists_in_constant_queries(
    alice_api: APIClient, alice: User, bob: User, path: str
) -> None:
    follow(alice, bob)

    def grow() -> None:
        for _ in range(5):
            other = UserFactory()
            follow(other, bob) if path == "followers" else follow(bob, other)

    def view() -> None:
        assert alice_api.get(f"/api/v1/users/bob/{path}/").status_code == 200

    assert_constant_queries(view, grow, at_most=4)


def test_remove_a_follower(alice_api: APIClient, alice: User, bob: User) -> None:
    follow(bob, alice)
    assert alice_api.delete("/api/v1/me/followers/bob/").status_code == 204
    assert alice_api.delete("/api/v1/me/followers/bob/").status_code == 204
    alice.refresh_from_db()
    assert alice.followers_count == 0
    assert alice_api.delete("/api/v1/me/followers/nobody/").status_code == 404


# --- requests -----------------------------------------------------------------------------


def test_requests_list_approve_and_reject(
    api_client_for: Callable, alice: User, bob: User, charlie: User
) -> None:
    make_private(bob)
    request_follow(alice, bob)
    request_follow(charlie, bob)
    client = api_client_for(bob)
    assert usernames(client.get("/api/v1/me/follow-requests/")) == ["charlie", "alice"]
    assert client.post("/api/v1/me/follow-requests/alice/approve/").status_code == 204
    assert client.post("/api/v1/me/follow-requests/alice/approve/").status_code == 204
    assert client.post("/api/v1/me/follow-requests/charlie/reject/").status_code == 204
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    assert not Follow.objects.filter(follower=charlie).exists()
    assert client.get("/api/v1/me/follow-requests/").json()["results"] == []


def test_requests_list_in_constant_queries(api_client_for: Callable, bob: User) -> None:
    make_private(bob)
    client = api_client_for(bob)
    request_follow(UserFactory(), bob)

    def grow() -> None:
        for _ in range(5):
            request_follow(UserFactory(), bob)

    assert_constant_queries(lambda: client.get("/api/v1/me/follow-requests/"), grow, at_most=3)


@pytest.mark.parametrize("answer", ["approve", "reject"])
def test_nobody_answers_a_request_that_is_not_theirs(
    api_client_for: Callable, alice: User, bob: User, charlie: User, answer: str
) -> None:
    make_private(bob)
    request_follow(alice, bob)
    response = api_client_for(charlie).post(f"/api/v1/me/follow-requests/alice/{answer}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such follow request."}
    assert FollowRequest.objects.filter(requester=alice, target=bob).exists()
    assert not Follow.objects.exists()


def test_switching_to_public_through_the_api_approves_requests(
    api_client_for: Callable, alice: User, bob: User
) -> None:
    make_private(bob)
    request_follow(alice, bob)
    assert api_client_for(bob).patch("/api/v1/me/", {"is_private": False}).status_code == 200
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    bob.refresh_from_db()
    assert bob.followers_count == 1


# --- blocks -------------------------------------------------------------------------------


def test_block_and_unblock(alice_api: APIClient, alice: User, bob: User) -> None:
    follow(alice, bob)
    follow(bob, alice)
    assert alice_api.post("/api/v1/users/bob/block/").status_code == 204
    assert alice_api.post("/api/v1/users/bob/block/").status_code == 204
    assert not Follow.objects.exists()
    alice.refresh_from_db()
    assert (alice.followers_count, alice.following_count) == (0, 0)
    assert alice_api.get("/api/v1/users/bob/").status_code == 404
    assert alice_api.delete("/api/v1/users/bob/block/").status_code == 204
    assert alice_api.delete("/api/v1/users/bob/block/").status_code == 204
    assert not Block.objects.exists()
    assert alice_api.get("/api/v1/users/bob/").status_code == 200


@pytest.mark.parametrize(("username", "status"), [("alice", 400), ("nobody", 404)])
def test_bad_blocks_are_refused(
    alice_api: APIClient, alice: User, username: str, status: int
) -> None:
    response = alice_api.post(f"/api/v1/users/{username}/block/")
    assert response.status_code == status
    assert response.json()
    assert not Block.objects.exists()
