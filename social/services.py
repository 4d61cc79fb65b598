"""Every write to the social graph and to notifications.

Graph changes between two people (follow, request, approval, block) first lock both
users' rows, in primary-key order: that serialises every change to one pair (so a
double follow or a double approval leaves one row), orders them against a concurrent
block, and the F() updates of the counters would lock those rows anyway. Each service
is atomic and safe to repeat; the second call of a double click changes nothing.
"""

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.dispatch import Signal
from django.http import Http404

from accounts.models import User
from instaclone import events
from instaclone.counts import decremented
from social.models import Block, Follow, FollowRequest, Notification
from social.selectors import (
    NO_SUCH_USER,
    block_between,
    blocked_either_way,
    notification_unread_count,
)

logger = logging.getLogger(__name__)

MAX_MARK_READ_IDS = 500
COMMENT_SNAPSHOT_LENGTH = 300


class FollowStatus(StrEnum):
    FOLLOWING = "following"
    REQUESTED = "requested"


# --- Domain events ------------------------------------------------------------------------
# Sent with `send_robust` once the write commits, for apps above social (the feed fills
# and prunes timelines with them); sender=Follow, keyword arguments:
# - `follow_created`: `follower_id`, `followee_id` (a follow began: public follow, approval)
# - `follow_deleted`: `follower_id`, `followee_id` (unfollow, follower removed, block)
# - `block_created`: `blocker_id`, `blocked_id`
follow_created = Signal()
follow_deleted = Signal()
block_created = Signal()


def _send_on_commit(signal: Signal, **kwargs: Any) -> None:
    def send() -> None:
        for receiver, result in signal.send_robust(sender=Follow, **kwargs):
            if isinstance(result, Exception):
                logger.error("Receiver %r of a social signal failed", receiver, exc_info=result)

    transaction.on_commit(send)


# --- Helpers ------------------------------------------------------------------------------


def _lock_users(*user_ids: int) -> dict[int, User]:
    """Lock these users' rows for the rest of the transaction, in pk order (no deadlock
    between two transactions locking the same pair)."""
    users = User.objects.select_for_update().filter(pk__in=set(user_ids)).order_by("pk")
    return {user.pk: user for user in users}


def _follow_insert(*, follower_id: int, followee_id: int) -> bool:
    """Add a follow and count it; False (nothing changes) if it already exists."""
    try:
        with transaction.atomic():
            Follow.objects.create(follower_id=follower_id, followee_id=followee_id)
    except IntegrityError:
        return False
    User.objects.filter(pk=follower_id).update(following_count=F("following_count") + 1)
    User.objects.filter(pk=followee_id).update(followers_count=F("followers_count") + 1)
    _send_on_commit(follow_created, follower_id=follower_id, followee_id=followee_id)
    return True


def _follow_remove(*, follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if not deleted:
        return False
    User.objects.filter(pk=follower_id).update(following_count=decremented("following_count"))
    User.objects.filter(pk=followee_id).update(followers_count=decremented("followers_count"))
    _send_on_commit(follow_deleted, follower_id=follower_id, followee_id=followee_id)
    return True


def _request_remove(*, requester_id: int, target_id: int) -> bool:
    deleted, _ = FollowRequest.objects.filter(
        requester_id=requester_id, target_id=target_id
    ).delete()
    if deleted:
        _notifications_delete(
            Notification.objects.filter(
                recipient_id=target_id, actor_id=requester_id, kind=Notification.Kind.FOLLOW_REQUEST
            )
        )
    return bool(deleted)


def _access_changed(*user_ids: int) -> None:
    """After the commit, these users' open sockets re-check what they may watch."""
    for user_id in user_ids:
        events.publish(events.user_group(user_id), {"type": "access.changed"})


def _notification_event(notification_id: int, recipient_id: int) -> dict | None:
    """The live `notification`: the API's notification shape and the unread count."""
    from social.api.serializers import NotificationSerializer
    from social.selectors import notification_list_for, notification_unread_count

    recipient = User(pk=recipient_id)
    listed = notification_list_for(user=recipient).filter(pk=notification_id).first()
    if listed is None:
        return None
    return {
        "type": "notification",
        "notification": NotificationSerializer(listed).data,
        "unread_count": notification_unread_count(user=recipient),
    }


def _refuse_self(user: User, other: User, action: str) -> None:
    if user.pk == other.pk:
        raise ValidationError(f"You cannot {action} yourself.")


# --- Follows ------------------------------------------------------------------------------


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> FollowStatus:
    """`follower` follows `followee`: at once for a public account, by a pending request
    for a private one. Idempotent (answers the current state). ValidationError for
    yourself; Http404 for an inactive account or when either blocked the other (blocked
    users see each other as missing). Notifies the followee (follow or follow_request)."""
    _refuse_self(follower, followee, "follow")
    target = _lock_users(follower.pk, followee.pk).get(followee.pk)
    if target is None or not target.is_active or blocked_either_way(user_a=follower, user_b=target):
        raise Http404(NO_SUCH_USER)
    if Follow.objects.filter(follower=follower, followee=target).exists():
        return FollowStatus.FOLLOWING
    if target.is_private:
        _, created = FollowRequest.objects.get_or_create(requester=follower, target=target)
        if created:
            notification_create(
                recipient_id=target.pk, actor=follower, kind=Notification.Kind.FOLLOW_REQUEST
            )
        return FollowStatus.REQUESTED
    # A request left from when the account was private is answered by the follow.
    _request_remove(requester_id=follower.pk, target_id=target.pk)
    if _follow_insert(follower_id=follower.pk, followee_id=target.pk):
        notification_create(recipient_id=target.pk, actor=follower, kind=Notification.Kind.FOLLOW)
    return FollowStatus.FOLLOWING


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> None:
    """Unfollow, or withdraw a pending request (and its notification). Idempotent."""
    _lock_users(follower.pk, followee.pk)
    if _follow_remove(follower_id=follower.pk, followee_id=followee.pk):
        _access_changed(follower.pk)
    _request_remove(requester_id=follower.pk, target_id=followee.pk)


@transaction.atomic
def follower_remove(*, user: User, follower: User) -> None:
    """`user` removes `follower` from their followers (Instagram's "remove follower");
    the follower is not told. Idempotent."""
    _lock_users(user.pk, follower.pk)
    if _follow_remove(follower_id=follower.pk, followee_id=user.pk):
        _access_changed(follower.pk)


@transaction.atomic
def follow_request_approve(*, target: User, requester: User) -> None:
    """The target of a pending request approves it: `requester` now follows `target`.
    Approving again is a no-op; Http404 when there is no such request to `target`
    (someone else's request, or none)."""
    _lock_users(target.pk, requester.pk)
    if not _request_remove(requester_id=requester.pk, target_id=target.pk):
        if Follow.objects.filter(follower=requester, followee=target).exists():
            return
        raise Http404("No such follow request.")
    _follow_insert(follower_id=requester.pk, followee_id=target.pk)


@transaction.atomic
def follow_request_reject(*, target: User, requester: User) -> None:
    """The target of a pending request declines it; Http404 when there is none."""
    _lock_users(target.pk, requester.pk)
    if not _request_remove(requester_id=requester.pk, target_id=target.pk):
        raise Http404("No such follow request.")


@transaction.atomic
def follow_request_approve_all(*, target: User) -> int:
    """Approve every pending request to `target` (it became public); the number approved.

    Called by social.receivers when an account's is_private is saved false, whichever
    face saved it (profile page, API, admin)."""
    requester_ids = list(
        FollowRequest.objects.filter(target=target).values_list("requester_id", flat=True)
    )
    if not requester_ids:
        return 0
    locked = _lock_users(target.pk, *requester_ids)
    approved = 0
    for requester_id in requester_ids:
        if requester_id in locked and _request_remove(
            requester_id=requester_id, target_id=target.pk
        ):
            approved += _follow_insert(follower_id=requester_id, followee_id=target.pk)
    return approved


# --- Blocks -------------------------------------------------------------------------------


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> None:
    """`blocker` blocks `blocked`: follows and requests both ways end (counts kept exact)
    and notifications between them are deleted, in this transaction. Idempotent.
    ValidationError for yourself."""
    _refuse_self(blocker, blocked, "block")
    _lock_users(blocker.pk, blocked.pk)
    _, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    if created:
        _send_on_commit(block_created, blocker_id=blocker.pk, blocked_id=blocked.pk)
    for one, other in ((blocker, blocked), (blocked, blocker)):
        _follow_remove(follower_id=one.pk, followee_id=other.pk)
        _request_remove(requester_id=one.pk, target_id=other.pk)
    Notification.objects.filter(
        Q(recipient=blocker, actor=blocked) | Q(recipient=blocked, actor=blocker)
    ).delete()
    _access_changed(blocker.pk, blocked.pk)


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> None:
    """Unblock. Idempotent; follows ended by the block are not restored."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


# --- Notifications ------------------------------------------------------------------------


@transaction.atomic
def notification_create(
    *,
    recipient_id: int,
    actor: User,
    kind: str,
    post_id: int | None = None,
    comment_id: int | None = None,
    snapshot: dict | None = None,
) -> Notification | None:
    """Tell the recipient that `actor` did `kind` (on post `post_id`, comment
    `comment_id`, with the caller's `snapshot` of them). None, and nothing stored, for
    your own action, an inactive recipient, or a block either way between the two. A like,
    mention, follow or follow request notifies once (the database's unique constraints:
    like, unlike and like again notifies once). Call it inside the caller's transaction."""
    if recipient_id == actor.pk or not actor.is_active:
        return None
    reachable = User.objects.filter(pk=recipient_id, is_active=True).filter(~block_between(actor))
    if not reachable.exists():
        return None
    defaults = {"snapshot": snapshot or {}}
    if kind == Notification.Kind.COMMENT:
        lookup = {"comment_id": comment_id}
        defaults |= {"actor": actor, "post_id": post_id}
    else:
        lookup = {"actor": actor, "post_id": post_id}
        defaults["comment_id"] = comment_id
    notification, created = Notification.objects.get_or_create(
        recipient_id=recipient_id, kind=kind, **lookup, defaults=defaults
    )
    if created:
        events.publish(
            events.user_group(recipient_id),
            lambda: _notification_event(notification.pk, recipient_id),
        )
    return notification


def notification_thumb_set(*, post_id: int, thumb: dict | None, keep_for: int) -> int:
    """Show the post's thumbnail (`thumb`, its stored renditions) in the notifications
    about it again, or withdraw it (None) from them, except from `keep_for`'s (the author,
    who still sees a post moderation hid). The number of notifications changed. Few rows
    change: the author's notifications (likes, comments) are kept as they are, and others
    receive notifications about a post only when mentioned."""
    changed = 0
    notifications = Notification.objects.filter(post_id=post_id).exclude(recipient_id=keep_for)
    for notification in notifications.only("pk", "snapshot"):
        snapshot = dict(notification.snapshot)
        if thumb is None:
            if snapshot.pop("thumb", None) is None:
                continue
        elif snapshot.get("thumb") == thumb:
            continue
        else:
            snapshot["thumb"] = thumb
        Notification.objects.filter(pk=notification.pk).update(snapshot=snapshot)
        changed += 1
    return changed


def notification_delete_for_post(*, post_id: int) -> None:
    """Delete the notifications about a post (called when it is deleted)."""
    _notifications_delete(Notification.objects.filter(post_id=post_id))


def notification_delete_for_comment(*, comment_id: int) -> None:
    """Delete the notifications about a comment (called when it is deleted)."""
    _notifications_delete(Notification.objects.filter(comment_id=comment_id))


def _notifications_delete(notifications: QuerySet[Notification]) -> None:
    """Delete `notifications`; recipients who had unread ones among them get their new
    unread count live, so an open page's badge goes down too."""
    recipients = set(notifications.filter(read=False).values_list("recipient_id", flat=True))
    notifications.delete()
    _unread_count_changed(*recipients)


def _unread_count_changed(*recipient_ids: int) -> None:
    for recipient_id in recipient_ids:
        events.publish(
            events.user_group(recipient_id),
            lambda recipient_id=recipient_id: {
                "type": "notifications.unread",
                "unread_count": notification_unread_count(user=User(pk=recipient_id)),
            },
        )


def _validate_ids(ids: Sequence[object]) -> list[int]:
    if len(ids) > MAX_MARK_READ_IDS:
        raise ValidationError({"ids": [f"At most {MAX_MARK_READ_IDS} ids at a time."]})
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in ids):
        raise ValidationError({"ids": ["Ids are integers."]})
    return list(ids)  # type: ignore[arg-type]


@transaction.atomic
def notification_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark `user`'s notifications read: those with these ids (others' ids are ignored),
    or all of them when `ids` is None; the number marked. A grouped like marks its whole
    group. ValidationError for more than 500 ids or non-integers; nothing changes then."""
    unread = Notification.objects.filter(recipient=user, read=False)
    if ids is not None:
        ids = _validate_ids(ids)
        grouped_posts = Notification.objects.filter(
            recipient=user, kind=Notification.Kind.LIKE, pk__in=ids
        ).values("post_id")
        unread = unread.filter(
            Q(pk__in=ids) | Q(kind=Notification.Kind.LIKE, post_id__in=grouped_posts)
        )
    marked = unread.update(read=True)
    if marked:
        # The user's other open pages lower their badge too.
        _unread_count_changed(user.pk)
    return marked
