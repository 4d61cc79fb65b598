"""Follows, requests and blocks through social.services: constraints, idempotency, counts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.models import User
from accounts.services import user_update_profile
from social import services
from social.models import Block, Follow, FollowRequest
from tests.factories import UserFactory, block, follow, make_private, request_follow

pytestmark = pytest.mark.django_db


def counts(*users: User) -> list[tuple[int, int]]:
    """(followers_count, following_count) of each user as stored, checked against rows."""
    result = []
    for user in users:
        user.refresh_from_db()
        assert user.followers_count == Follow.objects.filter(followee=user).count()
        assert user.following_count == Follow.objects.filter(follower=user).count()
        result.append((user.followers_count, user.following_count))
    return result


def test_following_a_public_account_is_immediate_and_counted(alice: User, bob: User) -> None:
    assert services.follow_create(follower=alice, followee=bob) == "following"
    assert counts(alice, bob) == [(0, 1), (1, 0)]


def test_following_twice_changes_nothing(alice: User, bob: User) -> None:
    services.follow_create(follower=alice, followee=bob)
    assert services.follow_create(follower=alice, followee=bob) == "following"
    assert Follow.objects.count() == 1
    assert counts(alice, bob) == [(0, 1), (1, 0)]


def test_following_a_private_account_asks_first(alice: User, private_bob: User) -> None:
    assert services.follow_create(follower=alice, followee=private_bob) == "requested"
    assert services.follow_create(follower=alice, followee=private_bob) == "requested"
    assert FollowRequest.objects.filter(requester=alice, target=private_bob).count() == 1
    assert counts(alice, private_bob) == [(0, 0), (0, 0)]


def test_unfollow_and_withdraw_are_idempotent(alice: User, bob: User, charlie: User) -> None:
    follow(alice, bob)
    make_private(charlie)
    request_follow(alice, charlie)
    for _ in range(2):
        services.follow_delete(follower=alice, followee=bob)
        services.follow_delete(follower=alice, followee=charlie)
    assert not Follow.objects.exists()
    assert not FollowRequest.objects.exists()
    assert counts(alice, bob) == [(0, 0), (0, 0)]


def test_owner_removes_a_follower(alice: User, bob: User) -> None:
    follow(bob, alice)
    services.follower_remove(user=alice, follower=bob)
    services.follower_remove(user=alice, follower=bob)
    assert counts(alice, bob) == [(0, 0), (0, 0)]


def test_approving_makes_a_follower_once(alice: User, private_bob: User) -> None:
    request_follow(alice, private_bob)
    services.follow_request_approve(target=private_bob, requester=alice)
    services.follow_request_approve(target=private_bob, requester=alice)
    assert not FollowRequest.objects.exists()
    assert counts(alice, private_bob) == [(0, 1), (1, 0)]


def test_rejecting_removes_the_request(alice: User, private_bob: User) -> None:
    request_follow(alice, private_bob)
    services.follow_request_reject(target=private_bob, requester=alice)
    assert not FollowRequest.objects.exists()
    assert counts(alice, private_bob) == [(0, 0), (0, 0)]
    with pytest.raises(Http404):
        services.follow_request_reject(target=private_bob, requester=alice)


def test_nobody_approves_a_request_that_is_not_theirs(
    alice: User, private_bob: User, charlie: User
) -> None:
    request_follow(alice, private_bob)
    with pytest.raises(Http404):
        services.follow_request_approve(target=charlie, requester=alice)
    with pytest.raises(Http404):
        services.follow_request_reject(target=charlie, requester=alice)
    assert FollowRequest.objects.filter(requester=alice, target=private_bob).exists()
    assert not Follow.objects.exists()


def test_switching_to_public_approves_pending_requests(
    alice: User, private_bob: User, charlie: User
) -> None:
    request_follow(alice, private_bob)
    request_follow(charlie, private_bob)
    user_update_profile(user=private_bob, is_private=False)
    assert not FollowRequest.objects.exists()
    assert counts(private_bob, alice, charlie) == [(2, 0), (0, 1), (0, 1)]


def test_saving_other_profile_fields_approves_nothing(alice: User, private_bob: User) -> None:
    request_follow(alice, private_bob)
    user_update_profile(user=private_bob, bio="still private")
    private_bob.save(update_fields=["last_login"])
    assert FollowRequest.objects.count() == 1


@pytest.mark.parametrize("action", ["follow", "block"])
def test_nobody_follows_or_blocks_themselves(alice: User, action: str) -> None:
    act = {
        "follow": lambda: services.follow_create(follower=alice, followee=alice),
        "block": lambda: services.block_create(blocker=alice, blocked=alice),
    }[action]
    with pytest.raises(ValidationError, match="yourself"):
        act()
    assert counts(alice) == [(0, 0)]


def test_an_inactive_account_cannot_be_followed(alice: User) -> None:
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(Http404):
        services.follow_create(follower=alice, followee=gone)
    assert not Follow.objects.exists()


@pytest.mark.parametrize("direction", ["alice blocked bob", "bob blocked alice"])
def test_nobody_follows_across_a_block(alice: User, bob: User, direction: str) -> None:
    block(*((alice, bob) if direction.startswith("alice") else (bob, alice)))
    with pytest.raises(Http404):
        services.follow_create(follower=alice, followee=bob)
    assert not Follow.objects.exists()
    assert not FollowRequest.objects.exists()


def test_blocking_ends_follows_and_requests_both_ways(
    alice: User, bob: User, charlie: User
) -> None:
    follow(alice, bob)
    follow(bob, alice)
    follow(charlie, alice)
    make_private(alice)
    dave = UserFactory(username="dave")
    request_follow(dave, alice)
    services.block_create(blocker=alice, blocked=bob)
    services.block_create(blocker=alice, blocked=bob)
    assert Block.objects.count() == 1
    assert counts(alice, bob, charlie) == [(1, 0), (0, 0), (0, 1)]
    services.block_create(blocker=alice, blocked=dave)
    assert not FollowRequest.objects.exists()


def test_unblocking_restores_nothing_and_is_idempotent(alice: User, bob: User) -> None:
    follow(alice, bob)
    block(alice, bob)
    services.block_delete(blocker=alice, blocked=bob)
    services.block_delete(blocker=alice, blocked=bob)
    assert not Block.objects.exists()
    assert counts(alice, bob) == [(0, 0), (0, 0)]


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Follow, {"follower": "alice", "followee": "alice"}),
        (FollowRequest, {"requester": "alice", "target": "alice"}),
        (Block, {"blocker": "alice", "blocked": "alice"}),
        (Follow, {"follower": "alice", "followee": "bob"}),
        (FollowRequest, {"requester": "alice", "target": "bob"}),
        (Block, {"blocker": "alice", "blocked": "bob"}),
    ],
)
def test_the_database_refuses_self_and_duplicate_rows(
    alice: User, bob: User, model: type, fields: dict
) -> None:
    users = {"alice": alice, "bob": bob}
    values = {field: users[name] for field, name in fields.items()}
    if len(set(fields.values())) == 2:
        model.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**values)
