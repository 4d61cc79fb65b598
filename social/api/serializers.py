"""Input and output shapes of the social API (the output ones also serve live payloads)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import ProfileSerializer, UserSummarySerializer
from instaclone.images import rendition_url
from social.models import Notification
from social.services import MAX_MARK_READ_IDS

# Ids are bigints: a larger number is not an id, and must not reach the database.
MAX_ID = 2**63 - 1


# --- Output -------------------------------------------------------------------------------


class UserProfileSerializer(ProfileSerializer):
    """A profile as another user sees it: the contract's `users/{username}/`. The user
    comes from social.selectors.user_get_visible (relationship annotated)."""

    is_following = serializers.BooleanField(read_only=True)
    follows_you = serializers.BooleanField(read_only=True)
    follow_requested = serializers.BooleanField(read_only=True)

    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "is_following", "follows_you", "follow_requested"]
        read_only_fields = fields


class FollowStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["following", "requested"])


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "thumb": {"type": "string", "nullable": True}},
    }
)
class NotificationPostField(serializers.Field):
    def __init__(self, **kwargs: object) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, notification: Notification) -> dict | None:
        if notification.post_id is None:
            return None
        thumb = notification.snapshot.get("thumb")
        url = rendition_url({"thumb": thumb}, "thumb") if thumb else None
        return {"id": notification.post_id, "thumb": url}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
    }
)
class NotificationCommentField(serializers.Field):
    def __init__(self, **kwargs: object) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, notification: Notification) -> dict | None:
        if notification.comment_id is None:
            return None
        return {
            "id": notification.comment_id,
            "text": notification.snapshot.get("comment_text", ""),
        }


class NotificationSerializer(serializers.ModelSerializer):
    """A notification as social.selectors.notification_list_for returns it. `others_count`
    (an extension of the contract) counts the other likes grouped into this one."""

    actor = UserSummarySerializer(read_only=True)
    post = NotificationPostField()
    comment = NotificationCommentField()
    others_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "post", "comment", "created_at", "read", "others_count"]
        read_only_fields = fields


# --- Input --------------------------------------------------------------------------------


class StrictIdField(serializers.IntegerField):
    """An id: a JSON integer (not a numeric string, float or boolean) in bigint range."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: object) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=StrictIdField(), required=False, max_length=MAX_MARK_READ_IDS)
