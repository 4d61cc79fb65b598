"""The feed subscribes to the domain events of posts and social (sent after commit)."""

from typing import Any

from posts import signals as post_signals
from social import services as social_services


def _post_created(sender: type, post: Any, **kwargs: Any) -> None:
    from feed import tasks

    tasks.enqueue(tasks.fan_out_post, post.pk)


def _follow_created(sender: type, follower_id: int, followee_id: int, **kwargs: Any) -> None:
    from feed import tasks

    tasks.enqueue(tasks.backfill, follower_id, followee_id)


def _follow_deleted(sender: type, follower_id: int, followee_id: int, **kwargs: Any) -> None:
    from feed import services

    # Inline: an unfollowed account's posts must leave the feed before the next read.
    services.timeline_prune(owner_id=follower_id, author_id=followee_id)


def _block_created(sender: type, blocker_id: int, blocked_id: int, **kwargs: Any) -> None:
    from feed import services

    services.timeline_prune(owner_id=blocker_id, author_id=blocked_id)
    services.timeline_prune(owner_id=blocked_id, author_id=blocker_id)


def connect() -> None:
    post_signals.post_created.connect(_post_created, dispatch_uid="feed_post_created")
    social_services.follow_created.connect(_follow_created, dispatch_uid="feed_follow_created")
    social_services.follow_deleted.connect(_follow_deleted, dispatch_uid="feed_follow_deleted")
    social_services.block_created.connect(_block_created, dispatch_uid="feed_block_created")
