"""The posts API: thin views over posts.selectors (reads) and posts.services (writes)."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserSummarySerializer
from instaclone.api import PageSizeCursorPagination, parse, throttle_scope
from posts import moderation, selectors, services
from posts.api import serializers as s
from posts.models import Like, Post
from social import selectors as social_selectors


class NewestFirstPagination(PageSizeCursorPagination):
    ordering = ("-created_at", "-pk")


class OldestFirstPagination(PageSizeCursorPagination):
    ordering = ("created_at", "pk")


class NewestSaveFirstPagination(PageSizeCursorPagination):
    ordering = ("-saved_at", "-pk")


def _post_response(request: Request, post_id: int, status_code: int = 200) -> Response:
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return Response(s.PostSerializer(post, context={"request": request}).data, status=status_code)


class PostCreateView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = throttle_scope("post_create")

    @extend_schema(request=s.PostCreateSerializer, responses={201: s.PostSerializer})
    def post(self, request: Request) -> Response:
        data = parse(s.PostCreateSerializer, request.data)
        post = services.post_create(
            author=request.user,
            images=data["images"],
            caption=data["caption"],
            alt_texts=data["alt_text"],
        )
        return _post_response(request, post.pk, status.HTTP_201_CREATED)


class PostDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=s.PostSerializer)
    def get(self, request: Request, post_id: int) -> Response:
        return _post_response(request, post_id)

    @extend_schema(request=s.PostUpdateSerializer, responses=s.PostSerializer)
    def patch(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        # A stranger learns 403 before anything about their input.
        services.post_check_editor(post=post, editor=request.user)
        changes = parse(s.PostUpdateSerializer, request.data, partial=True)
        services.post_update(
            post=post,
            editor=request.user,
            caption=changes.get("caption"),
            alt_texts=changes.get("alt_text"),
        )
        return _post_response(request, post_id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        services.post_delete(post=post, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserPostListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.PostSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self) -> QuerySet[Post]:
        author = social_selectors.user_get_visible(
            viewer=self.request.user, username=self.kwargs["username"]
        )
        return selectors.post_list_for_author(viewer=self.request.user, author=author)


class LikeView(APIView):
    throttle_classes = throttle_scope("like")

    @extend_schema(request=None, responses=s.LikeStateSerializer)
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        state = services.like_create(user=request.user, post=post)
        return Response(s.LikeStateSerializer(state).data)

    @extend_schema(request=None, responses=s.LikeStateSerializer)
    def delete(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        state = services.like_delete(user=request.user, post=post)
        return Response(s.LikeStateSerializer(state).data)


class LikeListView(generics.ListAPIView):
    """Users who liked the post, most recent like first."""

    permission_classes = [AllowAny]
    serializer_class = UserSummarySerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self) -> QuerySet[Like]:
        post = selectors.post_get_visible(viewer=self.request.user, post_id=self.kwargs["post_id"])
        return selectors.like_list_for_post(post=post, viewer=self.request.user)

    def get_serializer(self, *args: object, **kwargs: object) -> UserSummarySerializer:
        # Pages hold likes; what is listed is who liked.
        if args:
            likes = args[0]
            args = ([like.user for like in likes], *args[1:])  # type: ignore[attr-defined]
        return super().get_serializer(*args, **kwargs)


class CommentListView(generics.ListAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = s.CommentSerializer
    pagination_class = OldestFirstPagination
    throttle_classes = throttle_scope("comment_create")

    def get_queryset(self):
        post = selectors.post_get_visible(viewer=self.request.user, post_id=self.kwargs["post_id"])
        return selectors.comment_list_for_post(post=post, viewer=self.request.user)

    @extend_schema(request=s.CommentCreateSerializer, responses={201: s.CommentSerializer})
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        data = parse(s.CommentCreateSerializer, request.data)
        comment = services.comment_create(author=request.user, post=post, text=data["text"])
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, comment_id: int) -> Response:
        comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
        services.comment_delete(comment=comment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SaveView(APIView):
    @extend_schema(request=None, responses=s.SaveStateSerializer)
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        saved = services.save_create(user=request.user, post=post)
        return Response({"saved": saved})

    @extend_schema(request=None, responses=s.SaveStateSerializer)
    def delete(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get_visible(viewer=request.user, post_id=post_id)
        saved = services.save_delete(user=request.user, post=post)
        return Response({"saved": saved})


class ReportCreateView(APIView):
    throttle_classes = throttle_scope("report")

    @extend_schema(
        request=s.ReportCreateSerializer,
        responses={
            201: OpenApiResponse(s.ReportSerializer, description="The new report."),
            200: OpenApiResponse(
                s.ReportSerializer,
                description=(
                    "Already reported: the reporter's open report of the same target is "
                    "returned unchanged (the new reason is not stored)."
                ),
            ),
            400: OpenApiResponse(
                description="Bad input: unknown type, empty or too long reason, or one's "
                "own post, comment or account."
            ),
            404: OpenApiResponse(description="No such target, or not visible to you."),
        },
    )
    def post(self, request: Request) -> Response:
        """Report a post, a comment or an account to the moderators."""
        data = parse(s.ReportCreateSerializer, request.data)
        result = moderation.report_create(
            reporter=request.user,
            target_type=data["target_type"],
            target_id=data["target_id"],
            reason=data["reason"],
        )
        return Response(
            s.ReportSerializer(result.report).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class SavedListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.PostSerializer
    pagination_class = NewestSaveFirstPagination

    def get_queryset(self) -> QuerySet[Post]:
        return selectors.post_list_saved_by(viewer=self.request.user)
