"""A double follow or a double approval at the same instant leaves one row, counts exact.

Real threads with their own connections: truly concurrent on PostgreSQL (DATABASE_URL set),
where they contend for the users' row locks; on the in-memory SQLite test database they
take turns (see tests/posts/test_post_concurrency.py for why).
"""

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.http import Http404

from accounts.models import User
from social import services
from social.models import Follow, FollowRequest
from tests.factories import UserFactory, make_private, request_follow

THREADS = 8


def at_once(action: Callable[[], object], times: int = THREADS) -> list[object]:
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    start = threading.Barrier(times)

    def run(_: int) -> object:
        try:
            start.wait()
            with turns:
                return action()
        except Exception as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as executor:
        return list(executor.map(run, range(times)))


def stored_counts(user: User) -> tuple[int, int]:
    user.refresh_from_db()
    return user.followers_count, user.following_count


@pytest.mark.django_db(transaction=True)
def test_a_double_follow_at_once_leaves_one_follow() -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    results = at_once(lambda: services.follow_create(follower=alice, followee=bob))

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Follow.objects.filter(follower=alice, followee=bob).count() == 1
    assert stored_counts(alice) == (0, 1)
    assert stored_counts(bob) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_a_double_approval_at_once_leaves_one_follow() -> None:
    alice, bob = UserFactory(username="alice"), make_private(UserFactory(username="bob"))
    request_follow(alice, bob)

    results = at_once(lambda: services.follow_request_approve(target=bob, requester=alice))

    assert [r for r in results if isinstance(r, Exception)] == []
    assert Follow.objects.filter(follower=alice, followee=bob).count() == 1
    assert not FollowRequest.objects.exists()
    assert stored_counts(alice) == (0, 1)
    assert stored_counts(bob) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_following_while_being_blocked_never_leaves_a_follow() -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    def act(index: int) -> object:
        if index == 0:
            return services.block_create(blocker=bob, blocked=alice)
        return services.follow_create(follower=alice, followee=bob)

    counter = iter(range(THREADS))
    lock = threading.Lock()

    def next_action() -> object:
        with lock:
            index = next(counter)
        return act(index)

    results = at_once(next_action)

    assert all(r is None or r == "following" or isinstance(r, Http404) for r in results)
    assert not Follow.objects.exists()
    assert stored_counts(alice) == (0, 0)
    assert stored_counts(bob) == (0, 0)
