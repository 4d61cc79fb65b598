"""Shared plumbing of the JSON API: input parsing, errors, throttles, pagination."""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from instaclone import ratelimit
from instaclone.images import ImageRejected

logger = logging.getLogger(__name__)


def parse(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    partial: bool = False,
    context: dict | None = None,
) -> dict:
    """Validate request input with an input serializer; 400 with field messages if bad."""
    serializer = serializer_class(data=data, partial=partial, context=context or {})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _django_validation_detail(error: DjangoValidationError) -> dict | list:
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, plus the domain's own errors mapped to clear 4xx answers."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, ImageRejected):
        return Response({"detail": exc.message}, status=exc.status_code)
    elif isinstance(exc, ratelimit.RateLimited):
        return Response(
            {"detail": exc.message},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": "Request body is too large."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return drf_exception_handler(exc, context)


class ScopedThrottle(BaseThrottle):
    """Counts a view's requests against one scope of instaclone.ratelimit, the counters
    pages use too (per user, else client address). Past the limit RateLimited propagates
    to `exception_handler`: 429 with Retry-After. Only `methods` are counted; with
    `anonymous_only`, only anonymous visitors' requests."""

    scope = ""
    methods: frozenset[str] = frozenset(ratelimit.WRITE_METHODS)
    anonymous_only = False

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in self.methods and not (
            self.anonymous_only and request.user and request.user.is_authenticated
        ):
            ratelimit.limit(request, self.scope)
        return True

    def get_ident(self, request: Request) -> str:
        return ratelimit.client_address(request)


def throttle_scope(
    scope: str, *, methods: Iterable[str] = ratelimit.WRITE_METHODS, anonymous_only: bool = False
) -> list[type[ScopedThrottle]]:
    """`throttle_classes` for an API view counted against `scope` (see ScopedThrottle)."""
    attributes = {"scope": scope, "methods": frozenset(methods), "anonymous_only": anonymous_only}
    return [type(f"{scope.title()}Throttle", (ScopedThrottle,), attributes)]


class PageSizeCursorPagination(CursorPagination):
    """Cursor pagination with the contract's `?page_size=` (clamped to the maximum)."""

    page_size_query_param = "page_size"
    ordering = "-created_at"

    def get_page_size(self, request: Request) -> int:
        self.max_page_size = settings.API_MAX_PAGE_SIZE
        self.page_size = settings.API_PAGE_SIZE
        return super().get_page_size(request)
