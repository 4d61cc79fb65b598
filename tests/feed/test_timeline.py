"""Timelines filled on write: fan-out after commit, backfill, prune, hybrid merge, rebuild."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from accounts.models import User
from feed import selectors, services
from feed.models import FeedState, HighReachAuthor, TimelineEntry
from posts.models import Post
from posts.services import post_delete
from social import services as social_services
from social.models import Follow
from tests.factories import PostFactory, UserFactory, block, follow, make_private

pytestmark = pytest.mark.django_db


def feed_ids(viewer: User, size: int = 50) -> list[int]:
    return [post.pk for post in selectors.feed_page_for(viewer=viewer, size=size).posts]


def test_fan_out_waits_for_the_commit(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(bob, alice)
    with committed() as callbacks:
        post = PostFactory(author=alice)
        assert not TimelineEntry.objects.filter(post=post).exists()
    assert callbacks
    owners = set(TimelineEntry.objects.filter(post=post).values_list("owner_id", flat=True))
    assert owners == {alice.pk, bob.pk}


def test_follower_sees_post_and_stranger_does_not(
    alice: User, bob: User, charlie: User, committed: Callable
) -> None:
    with committed():
        follow(bob, alice)
        post = PostFactory(author=alice)
    assert feed_ids(bob) == [post.pk]
    assert feed_ids(alice) == [post.pk]
    assert feed_ids(charlie) == []


def test_feed_is_newest_first_with_own_posts(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(alice, bob)
        first = PostFactory(author=bob)
        second = PostFactory(author=alice)
        third = PostFactory(author=bob)
    assert feed_ids(alice) == [third.pk, second.pk, first.pk]


def test_follow_backfills_recent_posts(
    alice: User, bob: User, settings: Settings, committed: Callable
) -> None:
    settings.FEED_BACKFILL_POSTS = 2
    with committed():
        _, newer, newest = (PostFactory(author=bob) for _ in range(3))
    with committed():
        follow(alice, bob)
    assert feed_ids(alice) == [newest.pk, newer.pk]


def test_unfollow_prunes(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(alice, bob)
        PostFactory(author=bob)
        social_services.follow_delete(follower=alice, followee=bob)
    assert feed_ids(alice) == []
    assert not TimelineEntry.objects.filter(owner=alice, author=bob).exists()


def test_block_prunes_both_ways(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(alice, bob)
        follow(bob, alice)
        PostFactory(author=bob)
        PostFactory(author=alice)
        block(alice, bob)
    assert not TimelineEntry.objects.filter(owner=alice, author=bob).exists()
    assert not TimelineEntry.objects.filter(owner=bob, author=alice).exists()


def test_deleted_post_leaves_every_timeline(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(bob, alice)
        post = PostFactory(author=alice)
        post_delete(post=post, actor=alice)
    assert not TimelineEntry.objects.exists()
    assert feed_ids(bob) == []


def test_private_author_post_reaches_approved_followers_only(
    alice: User, bob: User, charlie: User, committed: Callable
) -> None:
    make_private(alice)
    with committed():
        follow(bob, alice)  # approved
        social_services.follow_create(follower=charlie, followee=alice)  # pending
        post = PostFactory(author=alice)
    assert feed_ids(bob) == [post.pk]
    assert feed_ids(charlie) == []


def test_stale_entry_never_shows_what_visibility_forbids(
    alice: User, bob: User, committed: Callable
) -> None:
    """An entry left behind (a prune that never ran) is still filtered by visible_posts."""
    with committed():
        follow(bob, alice)
        post = PostFactory(author=alice)
    make_private(alice)
    Follow.objects.filter(follower=bob, followee=alice).delete()  # no signal, no prune
    assert TimelineEntry.objects.filter(owner=bob, post=post).exists()
    assert feed_ids(bob) == []
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert feed_ids(alice) == []


def test_high_reach_author_is_merged_at_read_time(
    alice: User, bob: User, charlie: User, settings: Settings, committed: Callable
) -> None:
    settings.FEED_FANOUT_MAX_FOLLOWERS = 1
    with committed():
        follow(bob, alice)
        follow(charlie, alice)  # alice now has 2 followers > 1
        follow(bob, charlie)
    with committed():
        own = PostFactory(author=bob)
        celebrity = PostFactory(author=alice)
        friend = PostFactory(author=charlie)
    assert HighReachAuthor.objects.filter(user=alice).exists()
    assert set(TimelineEntry.objects.filter(post=celebrity).values_list("owner_id", flat=True)) == {
        alice.pk
    }
    assert feed_ids(bob) == [friend.pk, celebrity.pk, own.pk]
    assert feed_ids(charlie) == [friend.pk, celebrity.pk]
    stranger = UserFactory()
    assert feed_ids(stranger) == []


def test_high_reach_posts_are_not_duplicated(
    alice: User, bob: User, settings: Settings, committed: Callable
) -> None:
    with committed():
        follow(bob, alice)
        before = PostFactory(author=alice)  # fanned out
    settings.FEED_FANOUT_MAX_FOLLOWERS = 0
    with committed():
        after = PostFactory(author=alice)  # merged
    assert feed_ids(bob) == [after.pk, before.pk]


def test_inactive_follower_is_skipped_then_rebuilt(
    alice: User, bob: User, committed: Callable
) -> None:
    with committed():
        follow(bob, alice)
    FeedState.objects.create(user=bob, last_read_at=timezone.now() - timedelta(days=8))
    with committed():
        post = PostFactory(author=alice)
    assert not TimelineEntry.objects.filter(owner=bob, post=post).exists()
    assert FeedState.objects.get(user=bob).stale
    assert feed_ids(bob) == [post.pk]
    state = FeedState.objects.get(user=bob)
    assert not state.stale
    assert state.last_read_at > timezone.now() - timedelta(minutes=1)


def test_fan_out_is_idempotent(alice: User, bob: User, committed: Callable) -> None:
    with committed():
        follow(bob, alice)
        post = PostFactory(author=alice)
    services.timeline_fan_out(post_id=post.pk)
    assert TimelineEntry.objects.filter(post=post).count() == 2
    assert services.timeline_fan_out(post_id=10**9) == 0


def test_suspended_follower_finds_a_whole_timeline_when_reinstated(
    alice: User, bob: User, committed: Callable
) -> None:
    with committed():
        follow(bob, alice)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    with committed():
        post = PostFactory(author=alice)
    User.objects.filter(pk=bob.pk).update(is_active=True)
    bob.refresh_from_db()

    assert feed_ids(bob) == [post.pk]


def test_entries_of_a_deleted_post_leave_with_it_though_the_database_has_no_cascade(
    alice: User, bob: User, committed: Callable
) -> None:
    with committed():
        follow(bob, alice)
        kept, deleted = PostFactory(author=alice), PostFactory(author=alice)
    Post.objects.filter(pk=deleted.pk).delete()

    assert set(TimelineEntry.objects.values_list("post_id", flat=True)) == {kept.pk}


@pytest.mark.parametrize("branches_max", [64, 1], ids=["branch-per-author", "one-branch"])
def test_high_reach_posts_page_by_cursor_in_either_query_shape(
    alice: User,
    bob: User,
    charlie: User,
    settings: Settings,
    committed: Callable,
    monkeypatch: pytest.MonkeyPatch,
    branches_max: int,
) -> None:
    # Above HIGH_REACH_BRANCHES_MAX high-reach authors the merge is one branch instead of
    # one per author: both must page the same way.
    monkeypatch.setattr(selectors, "HIGH_REACH_BRANCHES_MAX", branches_max)
    settings.FEED_FANOUT_MAX_FOLLOWERS = 0
    unfollowed = UserFactory()
    with committed():
        follow(bob, alice)
        follow(bob, charlie)
        posts = [PostFactory(author=author) for author in (alice, charlie, unfollowed) * 2]
        own = PostFactory(author=bob)
    expected = [own.pk, *(post.pk for post in reversed(posts) if post.author != unfollowed)]

    walked, cursor = [], None
    while True:
        page = selectors.feed_page_for(viewer=bob, cursor=cursor, size=2)
        walked += [post.pk for post in page.posts]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert walked == expected
