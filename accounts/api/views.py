from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.api import serializers as s
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
    throttle_classes = throttle_scope("auth")

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
