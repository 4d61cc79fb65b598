from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as BaseRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import services
from accounts.models import BIO_MAX_LENGTH, FULL_NAME_MAX_LENGTH, DataExport, User
from accounts.validators import validate_http_url
from instaclone.images import rendition_url


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"small": {"type": "string"}, "medium": {"type": "string"}},
    }
)
class AvatarField(serializers.Field):
    """`null` or {"small": url, "medium": url}."""

    def __init__(self, **kwargs: object) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, user: User) -> dict[str, str] | None:
        return avatar_urls(user)


def avatar_urls(user: User) -> dict[str, str] | None:
    if not user.avatar:
        return None
    return {size: rendition_url(user.avatar, size) for size in ("small", "medium")}


class UserSummarySerializer(serializers.ModelSerializer):
    avatar = AvatarField()

    class Meta:
        model = User
        fields = ["username", "full_name", "avatar"]
        read_only_fields = fields


class ProfileSerializer(serializers.ModelSerializer):
    avatar = AvatarField()

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "bio",
            "website",
            "avatar",
            "is_private",
            "followers_count",
            "following_count",
            "posts_count",
        ]
        read_only_fields = fields


class OwnProfileSerializer(ProfileSerializer):
    class Meta(ProfileSerializer.Meta):
        fields = [*ProfileSerializer.Meta.fields, "email"]
        read_only_fields = fields


class ProfileUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(
        max_length=FULL_NAME_MAX_LENGTH, allow_blank=True, required=False
    )
    bio = serializers.CharField(max_length=BIO_MAX_LENGTH, allow_blank=True, required=False)
    website = serializers.URLField(
        max_length=200, allow_blank=True, required=False, validators=[validate_http_url]
    )
    is_private = serializers.BooleanField(required=False)


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(allow_empty_file=True)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=30)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=4096)


class AuthResponseSerializer(serializers.Serializer):
    user = OwnProfileSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(BaseRefreshSerializer):
    """simplejwt's refresh, plus what it leaves out: a refresh token of a deleted user,
    or one minted before the last password change, is refused with 401 (not a 500)."""

    def validate(self, attrs: dict) -> dict:
        token = RefreshToken(attrs["refresh"])
        user = User.objects.filter(pk=token.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise AuthenticationFailed("No active account found for the given token.")
        if token.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password
        ):
            raise AuthenticationFailed("The password was changed; log in again.")
        return super().validate(attrs)


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(trim_whitespace=False, max_length=4096)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, max_length=4096)
    new_password = serializers.CharField(trim_whitespace=False, max_length=4096)

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("Your old password was entered incorrectly.")
        return value

    def validate(self, attrs: dict) -> dict:
        validate_new_password(attrs["new_password"], self.context["request"].user)
        return attrs


def validate_new_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise serializers.ValidationError({"new_password": error.messages}) from error


class DataExportSerializer(serializers.ModelSerializer):
    """A "download your data" export. `download_url` is set once it is ready (and until
    it expires); it needs the owner's credentials like every other endpoint."""

    status = serializers.ChoiceField(
        source="state", choices=["pending", "running", "ready", "failed", "expired"]
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DataExport
        fields = [
            "id",
            "status",
            "progress",
            "created_at",
            "finished_at",
            "expires_at",
            "file_size",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export: DataExport) -> str | None:
        if not export.is_downloadable:
            return None
        path = reverse("api-me-export-download", args=[export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, max_length=4096)

    def validate_password(self, value: str) -> str:
        services.user_confirm_deletion(user=self.context["request"].user, password=value)
        return value
