"""Input and output shapes of the posts API (the output ones also serve live payloads)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from instaclone.images import rendition_url
from posts.models import (
    ALT_TEXT_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    Comment,
    Post,
    PostMedia,
    Report,
)

MEDIA_URL_SIZES = ("thumb", "medium", "full")


# --- Output -----------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "properties": {size: {"type": "string"} for size in MEDIA_URL_SIZES},
    }
)
class MediaUrlsField(serializers.Field):
    def __init__(self, **kwargs: object) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, media: PostMedia) -> dict[str, str | None]:
        return {size: rendition_url(media.renditions, size) for size in MEDIA_URL_SIZES}


class MediaSerializer(serializers.ModelSerializer):
    urls = MediaUrlsField()

    class Meta:
        model = PostMedia
        fields = ["id", "width", "height", "alt_text", "blurhash", "urls"]
        read_only_fields = fields


class PostSerializer(serializers.ModelSerializer):
    """A post as selectors.post_get / post_list_* return it (display data loaded)."""

    url = serializers.SerializerMethodField()
    author = UserSummarySerializer(read_only=True)
    media = MediaSerializer(many=True, read_only=True)
    hashtags = serializers.SerializerMethodField()
    liked = serializers.BooleanField(source="viewer_liked", read_only=True)
    saved = serializers.BooleanField(source="viewer_saved", read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "url",
            "author",
            "caption",
            "media",
            "hashtags",
            "likes_count",
            "comments_count",
            "liked",
            "saved",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, post: Post) -> str:
        path = post.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_hashtags(self, post: Post) -> list[str]:
        return [row.hashtag.name for row in post.post_hashtags.all()]


class CommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "The post or comment id, or the reported user's username.",
    }
)
class ReportTargetField(serializers.Field):
    """A post's or comment's id; for a reported account, its username (the API names
    users by username)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, report: Report) -> int | str:
        if report.target_type == Report.TargetType.USER:
            return report.reported_user.username
        return report.target_id


class ReportSerializer(serializers.ModelSerializer):
    target_id = ReportTargetField()

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "status", "created_at"]
        read_only_fields = fields


class LikeStateSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    likes_count = serializers.IntegerField()


class SaveStateSerializer(serializers.Serializer):
    saved = serializers.BooleanField()


# --- Input ------------------------------------------------------------------------------


class PostCreateSerializer(serializers.Serializer):
    # Count and content are checked by posts.services.post_create and the image
    # pipeline, the one place that knows the limits; empty files get the pipeline's answer.
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=True, default=list
    )
    caption = serializers.CharField(
        max_length=CAPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    alt_text = serializers.ListField(
        child=serializers.CharField(
            max_length=ALT_TEXT_MAX_LENGTH, allow_blank=True, trim_whitespace=True
        ),
        required=False,
        default=list,
    )


class PostUpdateSerializer(serializers.Serializer):
    caption = serializers.CharField(max_length=CAPTION_MAX_LENGTH, allow_blank=True)
    alt_text = serializers.ListField(
        child=serializers.CharField(
            max_length=ALT_TEXT_MAX_LENGTH, allow_blank=True, trim_whitespace=True
        ),
        max_length=10_000,
    )


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 150}],
        "description": "The post or comment id, or the username of the account reported.",
    }
)
class ReportTargetInputField(serializers.CharField):
    """An id (a JSON number or digits) or a username; posts.moderation resolves it."""


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=Report.TargetType.values)
    target_id = ReportTargetInputField(max_length=150)
    reason = serializers.CharField(max_length=REPORT_REASON_MAX_LENGTH)
