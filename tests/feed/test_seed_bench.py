"""`manage.py seed_bench` builds the benchmark's network (small here, as in `bench feed`)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from feed import selectors
from posts.models import Comment, Like, Post

# VACUUM, on PostgreSQL, cannot run inside the transaction a plain django_db test is.
pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_bench_builds_a_network_the_feed_reads() -> None:
    call_command(
        "seed_bench",
        *("--users", "300", "--posts", "1500", "--follows", "3000"),
        *("--likes", "3000", "--comments", "600"),
        stdout=None,
    )
    assert User.objects.filter(username__startswith="u").count() == 300
    assert Post.objects.count() >= 1500
    assert Like.objects.count() > 0
    assert Comment.objects.count() > 0
    viewer = User.objects.get(username="bench_f100")
    assert viewer.following_count == 100
    page = selectors.feed_page_for(viewer=viewer)
    assert len(page.posts) == 20
    assert page.posts[0].author.username
