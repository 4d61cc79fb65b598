"""Cursor pagination for HTML pages, reusing DRF's cursor encoding so pages and the API
page the same way (no OFFSET, stable under inserts)."""

from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


@dataclass(frozen=True)
class Page:
    items: list[Model]
    next_url: str | None


def cursor_page(
    request: HttpRequest, queryset: QuerySet, *, ordering: tuple[str, ...], size: int
) -> Page:
    """One page of `queryset` in `ordering`, from the request's `?cursor=`; a bad cursor
    answers 404 like DRF does."""
    paginator = CursorPagination()
    paginator.ordering = ordering
    paginator.page_size = size
    try:
        items = paginator.paginate_queryset(queryset, Request(request))
    except NotFound as error:
        raise Http404("Invalid cursor.") from error
    return Page(items=list(items or []), next_url=paginator.get_next_link())
