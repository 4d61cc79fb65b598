"""Counts stay exact and nothing answers 500 when many people act on one post at once.

Real threads with their own database connections: on PostgreSQL (DATABASE_URL set, as in
CI's second pass) they contend for the post's row lock; on SQLite writers queue behind
BEGIN IMMEDIATE. Either way every count must come out exact.

The SQLite test database lives in memory with a shared cache, which reports "table is
locked" at once instead of waiting like a database file does; there the threads take
turns (a file database queues them itself). PostgreSQL is where the race is real.
"""

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connection
from django.http import Http404

from accounts.models import User
from posts import services
from posts.models import Comment, Like, Post
from tests.factories import PostFactory, UserFactory

T = TypeVar("T")
THREADS = 50


def concurrency_limit() -> threading.Semaphore | contextlib.nullcontext:
    """How many threads may hold a connection at once. A server never runs more request
    threads than its pool has connections (WEB_THREADS <= DB_POOL_MAX_SIZE); past that,
    threads would queue for the pool, not race each other, and time out on a slow box."""
    if connection.vendor == "sqlite":
        return threading.Lock()
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        # One connection stays with the test's own thread.
        return threading.Semaphore(max(pool["max_size"] - 1, 1))
    return contextlib.nullcontext()


def in_threads(action: Callable[[T], object], items: list[T]) -> list[object]:
    """Run `action` on every item in its own thread; return results or raised exceptions."""

    turns = concurrency_limit()

    def run(item: T) -> object:
        try:
            with turns:
                return action(item)
        except Exception as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as executor:
        return list(executor.map(run, items))


@pytest.mark.django_db(transaction=True)
def test_likes_count_is_exact_when_50_like_and_25_unlike_at_once() -> None:
    post = PostFactory(author=UserFactory(username="alice"))
    users = [UserFactory() for _ in range(50)]

    # Every user likes twice at once: the second like of each must change nothing.
    results = in_threads(lambda user: services.like_create(user=user, post=post), users * 2)

    assert [r for r in results if isinstance(r, Exception)] == []
    post.refresh_from_db()
    assert post.likes_count == Like.objects.filter(post=post).count() == 50

    results = in_threads(lambda user: services.like_delete(user=user, post=post), users[:25] * 2)

    assert [r for r in results if isinstance(r, Exception)] == []
    post.refresh_from_db()
    assert post.likes_count == Like.objects.filter(post=post).count() == 25


@pytest.mark.django_db(transaction=True)
def test_likes_and_comments_racing_a_delete_get_404_never_an_error() -> None:
    author = UserFactory(username="alice")
    post = PostFactory(author=author)
    users = [UserFactory() for _ in range(20)]

    def act(index: int) -> object:
        if index == 10:
            return services.post_delete(post=post, actor=author)
        user = users[index % len(users)]
        if index % 2:
            return services.like_create(user=user, post=post)
        return services.comment_create(author=user, post=post, text="hello")

    results = in_threads(act, list(range(21)))

    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(error, Http404) for error in errors), errors
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Like.objects.exists()
    assert not Comment.objects.exists()
    assert User.objects.get(pk=author.pk).posts_count == 0
