"""Reads of accounts that pages and the API render."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from accounts.models import User

SEARCH_MAX_RESULTS = 50


def user_get(*, username: str) -> User:
    """The active user with this username (any letter case), or Http404."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def user_search(*, query: str) -> QuerySet[User]:
    """Active users whose username or full name matches, best match first: exact
    username, then username prefix, then name prefix, then anywhere."""
    query = query.strip().lstrip("@")
    if not query:
        return User.objects.none()
    rank = Case(
        When(username__iexact=query, then=Value(0)),
        When(username__istartswith=query, then=Value(1)),
        When(full_name__istartswith=query, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    matches = User.objects.filter(is_active=True).filter(
        Q(username__icontains=query) | Q(full_name__icontains=query)
    )
    return matches.annotate(search_rank=rank).order_by("search_rank", "-followers_count", "id")
