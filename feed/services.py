"""Every write to home timelines. Called from feed.tasks and feed.receivers, after the
write that caused them has committed; each is idempotent (unique (owner, post) and
`ignore_conflicts`), so a retried or duplicated task changes nothing."""

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from feed.models import FeedState, HighReachAuthor, TimelineEntry
from posts.models import Post
from social.models import Follow

HIGH_REACH_CACHE_KEY = "feed:high-reach-authors"
HIGH_REACH_CACHE_SECONDS = 24 * 3600


def _batches(values: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert(owner_ids: Iterable[int], *, post_id: int, author_id: int, created_at: datetime) -> int:
    inserted = 0
    for batch in _batches(owner_ids, settings.FEED_FANOUT_BATCH_SIZE):
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    owner_id=owner_id, post_id=post_id, author_id=author_id, created_at=created_at
                )
                for owner_id in batch
            ],
            ignore_conflicts=True,
        )
        inserted += len(batch)
    return inserted


def _inactive_cutoff() -> datetime:
    return timezone.now() - timedelta(days=settings.FEED_INACTIVE_DAYS)


def timeline_fan_out(*, post_id: int) -> int:
    """Put a new post into its author's timeline and their followers'; the number
    of entries written. An author with more than FEED_FANOUT_MAX_FOLLOWERS followers is
    recorded as high-reach instead (their posts are merged at read time). Followers who
    have not read their feed for FEED_INACTIVE_DAYS are skipped and their timeline marked
    stale (rebuilt on their next read). A post deleted meanwhile is a no-op."""
    post = Post.objects.filter(pk=post_id).values("author_id", "created_at").first()
    if post is None:
        return 0
    author_id, created_at = post["author_id"], post["created_at"]
    entry = {"post_id": post_id, "author_id": author_id, "created_at": created_at}
    written = _insert([author_id], **entry)
    followers_count = User.objects.filter(pk=author_id).values_list("followers_count", flat=True)
    if (followers_count.first() or 0) > settings.FEED_FANOUT_MAX_FOLLOWERS:
        _, created = HighReachAuthor.objects.get_or_create(user_id=author_id)
        if created:
            high_reach_author_ids_refresh()
        return written
    cutoff = _inactive_cutoff()
    followers = Follow.objects.filter(followee_id=author_id).values("follower_id")
    FeedState.objects.filter(user_id__in=followers, last_read_at__lt=cutoff, stale=False).update(
        stale=True
    )
    return written + _insert_followers(cutoff=cutoff, **entry)


def _insert_followers(
    *, author_id: int, post_id: int, created_at: datetime, cutoff: datetime, **_: object
) -> int:
    """One INSERT ... SELECT for every follower who reads their feed: the rows never
    travel through Python (about ten times the rate of bulk_create here). At most
    FEED_FANOUT_MAX_FOLLOWERS rows, since larger audiences are merged at read time.
    A suspended follower is written too: their timeline is whole if they come back."""
    entry, follow = TimelineEntry._meta.db_table, Follow._meta.db_table
    state = FeedState._meta.db_table
    statement = f"""
        INSERT INTO {entry} (owner_id, post_id, author_id, created_at)
        SELECT f.follower_id, %s, %s, %s FROM {follow} f
        WHERE f.followee_id = %s
        AND NOT EXISTS (
            SELECT 1 FROM {state} s WHERE s.user_id = f.follower_id AND s.last_read_at < %s
        )
        ON CONFLICT DO NOTHING"""  # noqa: S608 (table names from the models; values bound)
    field = TimelineEntry._meta.get_field("created_at")
    at = field.get_db_prep_value(created_at, connection)
    cut = field.get_db_prep_value(cutoff, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, [post_id, author_id, at, author_id, cut])
        return max(cursor.rowcount, 0)


def timeline_backfill(*, owner_id: int, author_id: int) -> int:
    """`owner` just followed `author`: their FEED_BACKFILL_POSTS latest posts enter the
    owner's timeline (none for a high-reach author: merged at read time anyway)."""
    if HighReachAuthor.objects.filter(user_id=author_id).exists():
        return 0
    if not Follow.objects.filter(follower_id=owner_id, followee_id=author_id).exists():
        return 0  # unfollowed before the task ran
    posts = (
        Post.objects.filter(author_id=author_id)
        .order_by("-created_at", "-pk")
        .values_list("pk", "created_at")[: settings.FEED_BACKFILL_POSTS]
    )
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(owner_id=owner_id, post_id=pk, author_id=author_id, created_at=created)
            for pk, created in posts
        ],
        ignore_conflicts=True,
    )
    return len(posts)


def timeline_prune(*, owner_id: int, author_id: int) -> int:
    """Remove `author`'s posts from `owner`'s timeline (unfollow, block); the number removed."""
    deleted, _ = TimelineEntry.objects.filter(author_id=author_id, owner_id=owner_id).delete()
    return deleted


@transaction.atomic
def timeline_rebuild(*, owner_id: int) -> int:
    """Refill a stale timeline: the owner's own and followees' latest posts
    (FEED_BACKFILL_POSTS each), then mark it fresh. The number of entries written."""
    TimelineEntry.objects.filter(owner_id=owner_id).delete()
    written = 0
    author_ids = [
        owner_id,
        *Follow.objects.filter(follower_id=owner_id).values_list("followee_id", flat=True),
    ]
    high_reach = set(
        HighReachAuthor.objects.filter(user_id__in=author_ids).values_list("user_id", flat=True)
    )
    for author_id in author_ids:
        if author_id in high_reach and author_id != owner_id:
            continue
        posts = (
            Post.objects.filter(author_id=author_id)
            .order_by("-created_at", "-pk")
            .values_list("pk", "created_at")[: settings.FEED_BACKFILL_POSTS]
        )
        entries = [
            TimelineEntry(owner_id=owner_id, post_id=pk, author_id=author_id, created_at=created)
            for pk, created in posts
        ]
        TimelineEntry.objects.bulk_create(entries, ignore_conflicts=True)
        written += len(entries)
    FeedState.objects.filter(user_id=owner_id).update(stale=False, last_read_at=timezone.now())
    return written


def feed_state_touch(*, user_id: int) -> bool:
    """Record that `user` reads their feed now; rebuild it first if fan-out skipped them
    while they were away. True when it was rebuilt. One UPDATE on the usual path; a
    SELECT and an INSERT more on a user's very first read."""
    now = timezone.now()
    if FeedState.objects.filter(user_id=user_id, stale=False).update(last_read_at=now):
        return False
    stale = FeedState.objects.filter(user_id=user_id).values_list("stale", flat=True).first()
    if stale is None:
        FeedState.objects.bulk_create([FeedState(user_id=user_id)], ignore_conflicts=True)
        return False
    timeline_rebuild(owner_id=user_id)
    return True


def feed_open(*, user_id: int, seen_seconds: int) -> frozenset[int]:
    """`user` opens their feed: the ids of the high-reach authors (whose posts are merged
    at read time). At most two cache round trips; on the first read in `seen_seconds`
    also records the visit (`feed_state_touch`, which may rebuild a stale timeline)."""
    seen_key = f"feed:seen:{user_id}"
    found = cache.get_many([seen_key, HIGH_REACH_CACHE_KEY])
    missing: dict[str, object] = {}
    if seen_key not in found:
        feed_state_touch(user_id=user_id)
        missing[seen_key] = True
    high_reach = found.get(HIGH_REACH_CACHE_KEY)
    if high_reach is None:
        high_reach = high_reach_author_ids_refresh()
    if missing:
        cache.set_many(missing, seen_seconds)
    return high_reach


def high_reach_author_ids_refresh() -> frozenset[int]:
    """Load the (small) set of high-reach authors into the cache, where it stays until the
    next author joins it (`timeline_fan_out` refreshes it then)."""
    high_reach = frozenset(HighReachAuthor.objects.values_list("user_id", flat=True))
    cache.set(HIGH_REACH_CACHE_KEY, high_reach, HIGH_REACH_CACHE_SECONDS)
    return high_reach
