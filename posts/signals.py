"""Domain events of posts, sent only after the write commits.

Apps above posts (notifications, feeds, live updates) subscribe here instead of being
imported by posts (see DESIGN.md, Layers). Every signal is sent with `send_robust` from a
`transaction.on_commit` callback: a failing receiver is logged and never undoes the write.

Receivers get `sender=Post` and these keyword arguments:

- `post_created`: `post`.
- `post_deleted`: `post_id`, `author_id`.
- `post_counts_changed`: `post_id`, `likes_count`, `comments_count` (on like, unlike,
  comment and comment deletion; the API contract's `post.counts` websocket message).
- `post_liked`: `post`, `user` (only when a like was actually added).
- `comment_created`: `comment` (author and post loaded).
- `comment_deleted`: `post_id`, `comment_id`.
- `users_mentioned`: `post`, `users`: the users a caption newly @mentions, once per user
  and post (an edit that keeps a mention does not send it again), author excluded. This is
  the hook for mention notifications.
"""

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

post_created = Signal()
post_deleted = Signal()
post_counts_changed = Signal()
post_liked = Signal()
comment_created = Signal()
comment_deleted = Signal()
users_mentioned = Signal()


def send_on_commit(signal: Signal, **kwargs: Any) -> None:
    """Send `signal` (sender=Post) once the current transaction commits; log failures."""
    from posts.models import Post

    def send() -> None:
        for receiver, result in signal.send_robust(sender=Post, **kwargs):
            if isinstance(result, Exception):
                logger.error("Receiver %r of a posts signal failed", receiver, exc_info=result)

    transaction.on_commit(send)
