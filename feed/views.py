"""The feed and discovery pages: thin views over feed.selectors.

Lists scroll with htmx: the last item of a page is a sentinel that loads the next cursor
page when revealed (answered with the items partial only), and a plain "More" link
without JavaScript.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.selectors import SEARCH_QUERY_MAX_LENGTH
from feed import cards, selectors
from instaclone.htmx import is_htmx
from instaclone.pagination import Page
from instaclone.ratelimit import rate_limit

GRID_PAGE_SIZE = 24
SUGGESTIONS_ON_PAGE = 8


def _is_htmx_next_page(request: HttpRequest) -> bool:
    return is_htmx(request) and bool(request.GET.get("cursor"))


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{request.path}?{query.urlencode()}"


def home(request: HttpRequest) -> HttpResponse:
    """The home feed; a welcome with accounts to follow while it is empty."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    page = selectors.feed_page_for(
        viewer=request.user,
        cursor=request.GET.get("cursor"),
        size=settings.API_PAGE_SIZE,
        display=False,
    )
    items = cards.html_items(page.posts, request)
    context = {"posts": page.posts, "next_url": _next_url(request, page.next_cursor)}
    if _is_htmx_next_page(request):
        return cards.render_with_cards(request, "feed/_feed_items.html", context, items)
    if not page.posts and not request.GET.get("cursor"):
        context["suggestions"] = selectors.suggested_users_for(
            viewer=request.user, limit=SUGGESTIONS_ON_PAGE
        )
    return cards.render_with_cards(request, "feed/home.html", context, items)


def _grid(request: HttpRequest, page: selectors.PostPage) -> Page:
    return Page(items=page.posts, next_url=_next_url(request, page.next_cursor))


def explore(request: HttpRequest) -> HttpResponse:
    page = selectors.explore_page_for(
        viewer=request.user, cursor=request.GET.get("cursor"), size=GRID_PAGE_SIZE, comments=False
    )
    context: dict = {"page": _grid(request, page)}
    if _is_htmx_next_page(request):
        return render(request, "posts/_grid_items.html", context)
    context["trending"] = selectors.trending_tags()
    if request.user.is_authenticated:
        context["suggestions"] = selectors.suggested_users_for(
            viewer=request.user, limit=SUGGESTIONS_ON_PAGE
        )
    return render(request, "feed/explore.html", context)


def tag(request: HttpRequest, tag: str) -> HttpResponse:
    hashtag = selectors.hashtag_get(name=tag)
    page = selectors.tag_page_for(
        viewer=request.user,
        hashtag=hashtag,
        cursor=request.GET.get("cursor"),
        size=GRID_PAGE_SIZE,
        comments=False,
    )
    context = {"page": _grid(request, page), "hashtag": hashtag}
    if _is_htmx_next_page(request):
        return render(request, "posts/_grid_items.html", context)
    return render(request, "feed/tag.html", context)


def tag_redirect(request: HttpRequest, tag: str) -> HttpResponse:
    """/tags/<tag>/ (the captions' links) is the tag page under /explore/."""
    url = reverse("feed:tag", args=[tag])
    if request.GET:
        url = f"{url}?{urlencode(request.GET)}"
    return redirect(url, permanent=True)


@rate_limit("search", methods=["GET"], anonymous_only=True)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:SEARCH_QUERY_MAX_LENGTH]
    results = selectors.search(viewer=request.user, query=query)
    return render(request, "feed/search.html", {"query": query.strip(), "results": results})
