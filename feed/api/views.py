"""The feed and discovery API: thin views over feed.selectors."""

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from feed import cards, selectors
from feed.api import serializers as s

CURSOR = OpenApiParameter("cursor", str, description="from the previous page's `next`")
PAGE_SIZE = OpenApiParameter("page_size", int, description="default 20, at most 50")


def _page_size(request: Request) -> int:
    try:
        size = int(request.query_params.get("page_size", settings.API_PAGE_SIZE))
    except ValueError:
        return settings.API_PAGE_SIZE
    return min(max(size, 1), settings.API_MAX_PAGE_SIZE)


def _list(results: list, next_url: str | None = None) -> Response:
    return Response({"next": next_url, "previous": None, "results": results})


def _posts_response(request: Request, page: selectors.PostPage) -> HttpResponse:
    """A page of posts selected with `display=False`: their cards do the rest, as UTF-8
    JSON (a page assembled from cached parts is not decoded to be encoded again)."""
    next_url = None
    if page.next_cursor:
        next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
    body = cards.api_page(page.posts, request, next_url)
    return HttpResponse(body, content_type="application/json")


def _paginated(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


FEED_PAGE = _paginated("FeedPage", s.FeedPostSerializer)


class FeedView(APIView):
    @extend_schema(parameters=[CURSOR, PAGE_SIZE], responses=FEED_PAGE)
    def get(self, request: Request) -> HttpResponse:
        page = selectors.feed_page_for(
            viewer=request.user,
            cursor=request.query_params.get("cursor"),
            size=_page_size(request),
            display=False,
        )
        return _posts_response(request, page)


class ExploreView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CURSOR, PAGE_SIZE], responses=_paginated("ExplorePage", s.FeedPostSerializer)
    )
    def get(self, request: Request) -> HttpResponse:
        page = selectors.explore_page_for(
            viewer=request.user,
            cursor=request.query_params.get("cursor"),
            size=_page_size(request),
            display=False,
        )
        return _posts_response(request, page)


class TrendingTagsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=_paginated("TrendingTags", s.TrendingTagSerializer))
    def get(self, request: Request) -> Response:
        return _list(selectors.trending_tags())


class TagPostsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CURSOR, PAGE_SIZE], responses=_paginated("TagPage", s.FeedPostSerializer)
    )
    def get(self, request: Request, name: str) -> HttpResponse:
        hashtag = selectors.hashtag_get(name=name)
        page = selectors.tag_page_for(
            viewer=request.user,
            hashtag=hashtag,
            cursor=request.query_params.get("cursor"),
            size=_page_size(request),
            display=False,
        )
        return _posts_response(request, page)


class SuggestedUsersView(APIView):
    @extend_schema(responses=_paginated("SuggestedUsers", s.SuggestedUserSerializer))
    def get(self, request: Request) -> Response:
        suggestions = selectors.suggested_users_for(viewer=request.user)
        return _list([{**s.user_data(item.user), "reason": item.reason} for item in suggestions])
