"""The social API: thin views over social.selectors (reads) and social.services (writes).

People are looked up through `user_get_visible`: a user who blocked the viewer, or whom
the viewer blocked, answers 404 exactly like a missing one. Block, unblock and the
owner's own lists (requests, followers to remove) look users up without that filter:
they are how a block is undone, and the owner's own graph.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserSummarySerializer
from accounts.selectors import SEARCH_MAX_RESULTS, SEARCH_QUERY_MAX_LENGTH
from instaclone.api import PageSizeCursorPagination, parse, throttle_scope
from social import selectors, services
from social.api import serializers as s
from social.models import Follow, FollowRequest, Notification


class NewestFirstPagination(PageSizeCursorPagination):
    ordering = ("-created_at", "-pk")


class NotificationPagination(NewestFirstPagination):
    """The contract's `unread_count` beside `results`."""

    def get_paginated_response(self, data: list) -> Response:
        response = super().get_paginated_response(data)
        user = self.request.user  # type: ignore[union-attr]
        response.data["unread_count"] = selectors.notification_unread_count(user=user)
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {"type": "integer"}
        return paginated


class PeopleListView(generics.ListAPIView):
    """A page of rows (follows, requests) listed as the people they name."""

    serializer_class = UserSummarySerializer
    pagination_class = NewestFirstPagination
    person = ""

    def get_serializer(self, *args: object, **kwargs: object) -> UserSummarySerializer:
        if args:
            rows = args[0]
            args = ([getattr(row, self.person) for row in rows], *args[1:])  # type: ignore[attr-defined]
        return super().get_serializer(*args, **kwargs)


# --- People -------------------------------------------------------------------------------


class UserDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.UserProfileSerializer)
    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_get_visible(viewer=request.user, username=username)
        return Response(s.UserProfileSerializer(user).data)


class UserSearchView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = UserSummarySerializer
    # Ranked by relevance, so a cursor over (rank, followers, id) would be brittle; search
    # answers one bounded page instead.
    pagination_class = None
    throttle_classes = throttle_scope("search", methods=["GET"], anonymous_only=True)

    @extend_schema(parameters=[OpenApiParameter("q", str, description="search term")])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = self.request.query_params.get("q", "")
        if len(query) > SEARCH_QUERY_MAX_LENGTH:
            message = f"Ensure this value has at most {SEARCH_QUERY_MAX_LENGTH} characters."
            raise ValidationError({"q": [message]})
        return selectors.user_search(viewer=self.request.user, query=query)[:SEARCH_MAX_RESULTS]

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data = {"next": None, "previous": None, "results": response.data}
        return response


class FollowerListView(PeopleListView):
    """The user's followers, newest first; empty for a private account the viewer does
    not follow; 404 for a user blocked either way."""

    permission_classes = [AllowAny]
    person = "follower"

    def get_queryset(self) -> QuerySet[Follow]:
        user = selectors.user_get_visible(
            viewer=self.request.user, username=self.kwargs["username"]
        )
        return selectors.follower_list(viewer=self.request.user, user=user)


class FollowingListView(PeopleListView):
    permission_classes = [AllowAny]
    person = "followee"

    def get_queryset(self) -> QuerySet[Follow]:
        user = selectors.user_get_visible(
            viewer=self.request.user, username=self.kwargs["username"]
        )
        return selectors.following_list(viewer=self.request.user, user=user)


# --- Graph writes -------------------------------------------------------------------------


class FollowView(APIView):
    """Follow, or request to follow a private account; both count against `follow`."""

    throttle_classes = throttle_scope("follow")

    @extend_schema(request=None, responses=s.FollowStatusSerializer)
    def post(self, request: Request, username: str) -> Response:
        target = selectors.user_get_visible(viewer=request.user, username=username)
        follow_status = services.follow_create(follower=request.user, followee=target)
        return Response({"status": str(follow_status)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, username: str) -> Response:
        target = selectors.user_get_active(username=username)
        services.follow_delete(follower=request.user, followee=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowerRemoveView(APIView):
    """An extension of the contract: `DELETE me/followers/{username}/` removes a follower."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, username: str) -> Response:
        follower = selectors.user_get_active(username=username)
        services.follower_remove(user=request.user, follower=follower)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowRequestListView(PeopleListView):
    permission_classes = [IsAuthenticated]
    person = "requester"

    def get_queryset(self) -> QuerySet[FollowRequest]:
        return selectors.follow_request_list_for(user=self.request.user)


class FollowRequestApproveView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, username: str) -> Response:
        requester = selectors.user_get_active(username=username)
        services.follow_request_approve(target=request.user, requester=requester)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowRequestRejectView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, username: str) -> Response:
        requester = selectors.user_get_active(username=username)
        services.follow_request_reject(target=request.user, requester=requester)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, username: str) -> Response:
        target = selectors.user_get_active(username=username)
        services.block_create(blocker=request.user, blocked=target)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, username: str) -> Response:
        target = selectors.user_get_active(username=username)
        services.block_delete(blocker=request.user, blocked=target)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Notifications ------------------------------------------------------------------------


class NotificationListView(generics.ListAPIView):
    """The viewer's notifications, newest first, likes grouped per post."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.NotificationSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_list_for(user=self.request.user)


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.MarkReadSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = parse(s.MarkReadSerializer, request.data)
        services.notification_mark_read(user=request.user, ids=data.get("ids"))
        return Response(status=status.HTTP_204_NO_CONTENT)
