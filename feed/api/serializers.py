"""Output shapes of the feed API.

Feed-like lists are built as plain dicts (`shared_post_data`, completed per request by
feed.cards), not through nested DRF serializers: a 20-post page serialised field by field
costs more than its queries. The shape is posts.api.serializers.PostSerializer's (tests
compare them), plus `latest_comments`. The serializer classes below document it in the
OpenAPI schema.
"""

from datetime import datetime

from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer, avatar_urls
from accounts.models import User
from instaclone.images import rendition_url
from posts.api.serializers import MEDIA_URL_SIZES, CommentSerializer, PostSerializer
from posts.models import Comment, Post

_datetime_field = serializers.DateTimeField()


def _time(value: datetime) -> str:
    return _datetime_field.to_representation(value)


def user_data(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "avatar": avatar_urls(user)}


def comment_data(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "author": user_data(comment.author),
        "text": comment.text,
        "created_at": _time(comment.created_at),
    }


def shared_post_data(post: Post) -> dict:
    """What every viewer gets of a post as feed.selectors returns it (display data
    loaded): its API item but the counts, the viewer's flags and the origin of `url`."""
    return {
        "id": post.pk,
        "url": post.get_absolute_url(),
        "author": user_data(post.author),
        "caption": post.caption,
        "media": [
            {
                "id": media.pk,
                "width": media.width,
                "height": media.height,
                "alt_text": media.alt_text,
                "blurhash": media.blurhash,
                "urls": {size: rendition_url(media.renditions, size) for size in MEDIA_URL_SIZES},
            }
            for media in post.media.all()
        ],
        "hashtags": post.hashtag_names,
        "created_at": _time(post.created_at),
        "updated_at": _time(post.updated_at),
        "latest_comments": [comment_data(comment) for comment in post.latest_comments],
    }


# --- Schema only ---------------------------------------------------------------------------


class FeedPostSerializer(PostSerializer):
    latest_comments = CommentSerializer(many=True, read_only=True)

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "latest_comments"]
        read_only_fields = fields


class TrendingTagSerializer(serializers.Serializer):
    name = serializers.CharField()
    posts_count = serializers.IntegerField()


class SuggestedUserSerializer(UserSummarySerializer):
    reason = serializers.CharField()

    class Meta(UserSummarySerializer.Meta):
        fields = [*UserSummarySerializer.Meta.fields, "reason"]
        read_only_fields = fields
