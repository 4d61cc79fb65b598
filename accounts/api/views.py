from django.contrib.auth import logout
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponseBase
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import selectors, services
from accounts.api import serializers as s
from accounts.authentication import JWTAuthentication
from accounts.export import export_download_response
from accounts.models import User
from instaclone.api import parse, throttle_scope


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = throttle_scope("register")

    @extend_schema(request=s.RegisterSerializer, responses={201: s.AuthResponseSerializer})
    def post(self, request: Request) -> Response:
        data = parse(s.RegisterSerializer, request.data)
        user = services.user_create(**data)
        body = {"user": s.OwnProfileSerializer(user).data, **token_pair_for(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    throttle_classes = throttle_scope("auth")


class RefreshView(TokenRefreshView):
    serializer_class = s.RefreshSerializer


class LogoutView(APIView):
    """The refresh token is the credential; a bad one answers 401 like any bad token."""

    permission_classes = [AllowAny]
    authentication_classes = [JWTAuthentication]

    @extend_schema(request=s.LogoutSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = parse(s.LogoutSerializer, request.data)
        try:
            RefreshToken(data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = throttle_scope("password_reset")

    @extend_schema(request=s.PasswordResetSerializer, responses={202: None})
    def post(self, request: Request) -> Response:
        data = parse(s.PasswordResetSerializer, request.data)
        services.password_reset_send(email=data["email"], request=request._request)
        return Response(
            {"detail": "If an account uses that address, we sent it a reset link."},
            status=status.HTTP_202_ACCEPTED,
        )


def _user_from_reset_link(uid: str, token: str) -> User:
    try:
        user_id = force_str(urlsafe_base64_decode(uid))
        user = User.objects.filter(pk=int(user_id), is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationError({"token": ["This reset link is invalid or has expired."]})
    return user


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = throttle_scope("password_reset")

    @extend_schema(request=s.PasswordResetConfirmSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = parse(s.PasswordResetConfirmSerializer, request.data)
        user = _user_from_reset_link(data["uid"], data["token"])
        s.validate_new_password(data["new_password"], user)
        services.user_set_password(user=user, password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    throttle_classes = throttle_scope("password_change")

    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = parse(s.PasswordChangeSerializer, request.data, context={"request": request})
        services.user_set_password(user=request.user, password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=s.OwnProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.OwnProfileSerializer(request.user).data)

    @extend_schema(request=s.ProfileUpdateSerializer, responses=s.OwnProfileSerializer)
    def patch(self, request: Request) -> Response:
        changes = parse(s.ProfileUpdateSerializer, request.data, partial=True)
        user = services.user_update_profile(user=request.user, **changes)
        return Response(s.OwnProfileSerializer(user).data)


class MeAvatarView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=s.AvatarUploadSerializer, responses=s.OwnProfileSerializer)
    def put(self, request: Request) -> Response:
        data = parse(s.AvatarUploadSerializer, request.data)
        user = services.user_set_avatar(user=request.user, upload=data["avatar"])
        return Response(s.OwnProfileSerializer(user).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        services.user_delete_avatar(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Download your data, deleting the account ---------------------------------------------


class MeExportView(APIView):
    @extend_schema(
        request=None,
        responses={202: s.DataExportSerializer},
        description="Ask for a ZIP of your data. It is built in the background: poll "
        "`GET me/export/` for its progress. While one is being built, asking again answers "
        "that one.",
    )
    def post(self, request: Request) -> Response:
        export = services.data_export_request(user=request.user)
        body = s.DataExportSerializer(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            200: s.DataExportSerializer,
            404: OpenApiResponse(description="You never asked for an export."),
        },
        description="Your latest export: status, progress, and `download_url` once ready. "
        "404 if you never asked for one.",
    )
    def get(self, request: Request) -> Response:
        export = selectors.data_export_latest_for(user=request.user)
        if export is None:
            raise NotFound("You have not asked for an export yet.")
        return Response(s.DataExportSerializer(export, context={"request": request}).data)


class MeExportDownloadView(APIView):
    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            302: OpenApiResponse(description="From S3: a short-lived signed link."),
            404: OpenApiResponse(description="Not yours, not ready, or expired."),
        },
        description="The ZIP as an attachment (or a redirect to a short-lived link to it). "
        "Your own exports only: anyone else's is 404.",
    )
    def get(self, request: Request, export_id: int) -> HttpResponseBase:
        export = selectors.data_export_get(user=request.user, export_id=export_id)
        return export_download_response(export)


class MeDeleteView(APIView):
    # The password check is a password guess like a password change: one limit for both.
    throttle_classes = throttle_scope("password_change")

    @extend_schema(
        request=s.AccountDeleteSerializer,
        responses={
            204: None,
            400: OpenApiResponse(description="Wrong password: nothing was deleted."),
        },
        description="Delete your account for good, confirmed with your password (400 if "
        "wrong: nothing is deleted). Your tokens stop working.",
    )
    def post(self, request: Request) -> Response:
        parse(s.AccountDeleteSerializer, request.data, context={"request": request})
        services.user_delete(user=request.user)
        # A browser calling with its session cookie is logged out too.
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
