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
