"""Photo posts, their media, and what people do with them: likes, comments, saves.

Invariants live in the database: one like and one save per user and post, one row per
hashtag name, media positions unique within a post, no empty comment. The counters on
Post (and User.posts_count) are denormalised and kept exact by posts.services with F()
updates in the same transaction as the rows they count.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

CAPTION_MAX_LENGTH = 2200
ALT_TEXT_MAX_LENGTH = 1000
COMMENT_MAX_LENGTH = 2200
HASHTAG_MAX_LENGTH = 100
MAX_MEDIA_PER_POST = 10


class Post(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    # CharField, not TextField: the database enforces the length too (varchar on PostgreSQL).
    caption = models.CharField(max_length=CAPTION_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    likes_count = models.PositiveIntegerField(default=0)
    comments_count = models.PositiveIntegerField(default=0)
    hashtags = models.ManyToManyField("Hashtag", through="PostHashtag", related_name="posts")
    # Set by moderation (posts.moderation.post_hide): the post is then shown only to its
    # author and staff, everywhere `visible_posts` decides.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["author", "-created_at"], name="posts_post_author_recent"),
            models.Index(fields=["-created_at"], name="posts_post_recent"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} by {self.author_id}"

    def get_absolute_url(self) -> str:
        return reverse("posts:detail", args=[self.pk])


class PostMedia(models.Model):
    """One photo of a post, with the storage keys of its renditions (`store_renditions`)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField()
    alt_text = models.CharField(max_length=ALT_TEXT_MAX_LENGTH, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    blurhash = models.CharField(max_length=100, blank=True)
    renditions = models.JSONField(default=dict)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "position"], name="posts_media_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Media {self.position} of post {self.post_id}"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="posts_like_once_per_user"),
        ]
        indexes = [models.Index(fields=["post", "-created_at"], name="posts_like_post_recent")]

    def __str__(self) -> str:
        return f"Like of post {self.post_id} by {self.user_id}"


class Save(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="posts_save_once_per_user"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="posts_save_user_recent")]

    def __str__(self) -> str:
        return f"Save of post {self.post_id} by {self.user_id}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    text = models.CharField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="posts_comment_not_empty"),
        ]
        indexes = [models.Index(fields=["post", "created_at"], name="posts_comment_post_oldest")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"


class Hashtag(models.Model):
    """A tag name, stored NFC-normalised and casefolded: #Café, #CAFÉ and #café are one."""

    name = models.CharField(max_length=HASHTAG_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"#{self.name}"


class PostHashtag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_hashtags")
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="post_hashtags")
    # Copied from the post so a tag page is one index range scan, newest first.
    post_created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "hashtag"], name="posts_posthashtag_unique"),
        ]
        indexes = [
            models.Index(
                fields=["hashtag", "-post_created_at"], name="posts_posthashtag_tag_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"Tag {self.hashtag_id} on post {self.post_id}"


class Mention(models.Model):
    """A user @mentioned in a post's caption."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentioned_in"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="posts_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"Mention of {self.user_id} in post {self.post_id}"


# --- Moderation -------------------------------------------------------------------------

REPORT_REASON_MAX_LENGTH = 1000
MODERATION_NOTE_MAX_LENGTH = 1000


class Report(models.Model):
    """A user's report of a post, a comment or an account, for staff to review.

    The target is `target_type` + `target_id` (a user's pk for accounts), which stays
    when the content is deleted; `post` / `comment` point at it while it exists, so the
    admin can show it inline. `reported_user` is the account the report is about (the
    reported user, or the post's or comment's author). `content` keeps the caption or
    comment text as it was when reported.
    """

    class TargetType(models.TextChoices):
        POST = "post", "Post"
        COMMENT = "comment", "Comment"
        USER = "user", "Account"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    target_type = models.CharField(max_length=7, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    content = models.CharField(max_length=CAPTION_MAX_LENGTH, blank=True)
    reason = models.CharField(max_length=REPORT_REASON_MAX_LENGTH)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=models.Q(status="open"),
                name="posts_report_one_open_per_reporter_target",
            ),
            # Only the target's own link may be set, and it is the target (it goes
            # back to NULL when the content is deleted; the report stays).
            models.CheckConstraint(
                condition=(
                    models.Q(target_type="post", comment__isnull=True)
                    & (models.Q(post__isnull=True) | models.Q(post=models.F("target_id")))
                )
                | (
                    models.Q(target_type="comment", post__isnull=True)
                    & (models.Q(comment__isnull=True) | models.Q(comment=models.F("target_id")))
                )
                | models.Q(
                    target_type="user",
                    post__isnull=True,
                    comment__isnull=True,
                    reported_user=models.F("target_id"),
                ),
                name="posts_report_target_matches_type",
            ),
            models.CheckConstraint(
                condition=~models.Q(reporter=models.F("reported_user")),
                name="posts_report_not_about_oneself",
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="posts_report_reason_not_empty"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_at__isnull=True)
                | (~models.Q(status="open") & models.Q(resolved_at__isnull=False)),
                name="posts_report_resolved_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="posts_report_queue"),
            models.Index(fields=["target_type", "target_id"], name="posts_report_target"),
            models.Index(fields=["reported_user", "status"], name="posts_report_reported_user"),
        ]
        permissions = [
            ("hide_post", "Can hide and unhide posts"),
            ("suspend_user", "Can suspend and unsuspend accounts"),
            ("resolve_report", "Can dismiss reports"),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} of {self.target_type} {self.target_id}"


class ModerationAction(models.Model):
    """The audit log: one row per moderation action, who took it and when. Written only
    by posts.moderation, never changed."""

    class Kind(models.TextChoices):
        HIDE_POST = "hide_post", "Hide post"
        UNHIDE_POST = "unhide_post", "Unhide post"
        DELETE_POST = "delete_post", "Delete post"
        DELETE_COMMENT = "delete_comment", "Delete comment"
        SUSPEND_USER = "suspend_user", "Suspend account"
        UNSUSPEND_USER = "unsuspend_user", "Unsuspend account"
        DISMISS_REPORT = "dismiss_report", "Dismiss report"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept when the moderator's account is deleted: the log still says who.
    moderator_username = models.CharField(max_length=150)
    action = models.CharField(max_length=14, choices=Kind.choices)
    target_type = models.CharField(max_length=7, choices=Report.TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    reports_resolved = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=MODERATION_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at"], name="posts_modaction_recent"),
            models.Index(fields=["target_type", "target_id"], name="posts_modaction_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target_type} {self.target_id}"
