"""The social graph (follows, follow requests, blocks) and notifications.

Invariants live in the database: one follow, one pending request and one block per
ordered pair, nobody follows, requests or blocks themselves, nobody is notified of their
own action, and one notification per like or mention. User.followers_count and
following_count are kept exact by social.services with F() updates in the same
transaction as the Follow rows they count.

Social sits below posts (DESIGN.md, Layers), so a notification refers to a post or a
comment by plain ids, with a small snapshot (the post's thumbnail renditions, the
comment's text) taken by the caller at creation: listing notifications needs no join
with posts, and posts' delete services delete the notifications of what they delete.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Follow(models.Model):
    """`follower` follows `followee` (for a private followee: an approved request)."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_rows"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_rows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="social_follow_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="social_follow_not_self"
            ),
        ]
        indexes = [
            # A user's followers, newest first; and whom a user follows, newest first.
            models.Index(fields=["followee", "-created_at"], name="social_follow_followers"),
            models.Index(fields=["follower", "-created_at"], name="social_follow_following"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class FollowRequest(models.Model):
    """A pending request of `requester` to follow the private account `target`."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_follow_requests"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_requests"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "target"], name="social_followrequest_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(requester=models.F("target")),
                name="social_followrequest_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["target", "-created_at"], name="social_request_target_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.requester_id} asks to follow {self.target_id}"


class Block(models.Model):
    """`blocker` blocked `blocked`: they see each other as missing everywhere."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="social_block_not_self"
            ),
        ]
        # The unique constraint's index serves "did A block B"; this one serves the
        # reverse direction ("who blocked me"), checked on every visibility test.
        indexes = [models.Index(fields=["blocked", "blocker"], name="social_block_reverse")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOW = "follow"
        FOLLOW_REQUEST = "follow_request"
        LIKE = "like"
        COMMENT = "comment"
        MENTION = "mention"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Plain ids, not foreign keys: posts is above social. posts.services deletes the
    # notifications of a post or comment it deletes, in the same transaction.
    post_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    comment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Taken by the caller at creation: {"thumb": <stored renditions of the post's first
    # photo>, "comment_text": str}. Enough to render the notification without posts.
    snapshot = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(recipient=models.F("actor")),
                name="social_notification_not_own_action",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["follow", "follow_request", "like", "comment", "mention"]
                ),
                name="social_notification_kind_valid",
            ),
            # Unlike and like again, or an edited caption, notify nobody a second time.
            models.UniqueConstraint(
                fields=["recipient", "kind", "actor", "post_id"],
                condition=models.Q(kind__in=["like", "mention"]),
                name="social_notification_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "actor"],
                condition=models.Q(kind__in=["follow", "follow_request"]),
                name="social_notification_once_per_pair",
            ),
            models.UniqueConstraint(
                fields=["recipient", "comment_id"],
                condition=models.Q(kind="comment"),
                name="social_notification_once_per_comment",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="social_notif_recipient_recent"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read=False),
                name="social_notif_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} by {self.actor_id}"
