"""Home timelines filled on write, and what the feed needs to know about their owners.

A `TimelineEntry` says "this post is in this owner's home feed". Entries are written after
the post's transaction commits (feed.services.timeline_fan_out, in a Celery task when a
broker is configured), backfilled when someone follows, pruned on unfollow and block, and
deleted with their post (cascade). Posts of very-high-follower accounts are not fanned
out: those authors are recorded in `HighReachAuthor` and their posts merged at read time.
The read path (feed.selectors) still intersects everything with posts.visible_posts, so a
stale entry can never show what the viewer may not see.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimelineEntry(models.Model):
    # A derived table written thousands of rows at a time by fan-out, so every index and
    # check costs: no foreign-key constraints in the database (their per-row triggers were
    # a third of a 5,000-follower fan-out) and one index serving both uniqueness and pages.
    # Deletes still cascade (Django's collector) through owner and post; an entry left
    # behind by a race (a post deleted while its fan-out ran) is never shown, since reads
    # intersect with posts.visible_posts, and it goes with its owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # Copied from the post: unfollow prunes (owner, author) within the owner's range
    # without a join, and pages never touch posts. No cascade of its own: an author's
    # entries are their posts' entries, which go with the posts.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # A post's created_at never changes, so this is "once per (owner, post)"; in
            # this order it is also the range a page reads, newest first (backwards).
            models.UniqueConstraint(
                fields=["owner", "created_at", "post"], name="feed_timeline_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.post_id} in {self.owner_id}'s feed"


class HighReachAuthor(models.Model):
    """An author whose posts were not fanned out (more than FEED_FANOUT_MAX_FOLLOWERS
    followers when they published). Sticky: their posts are merged into followers' feeds
    at read time from then on, so no post falls through the gap if the count drops."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"High-reach author {self.user_id}"


class FeedState(models.Model):
    """When the owner last read their feed. Fan-out skips owners who have not read it for
    FEED_INACTIVE_DAYS and marks their timeline stale; it is rebuilt on their next read.
    No row means a new, active owner."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_read_at = models.DateTimeField(default=timezone.now, db_index=True)
    stale = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Feed of {self.user_id}, read {self.last_read_at:%Y-%m-%d}"
