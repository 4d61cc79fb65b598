"""Reads of accounts that pages and the API render."""

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from accounts.models import DataExport, User

SEARCH_MAX_RESULTS = 50
# Longer search terms are refused (API) or cut (pages): no name is this long.
SEARCH_QUERY_MAX_LENGTH = 100
# A shorter term matches only the start of names: matching it anywhere cannot use the
# trigram indexes and hits most accounts (a scan and sort of the whole table).
SEARCH_CONTAINS_MIN_LENGTH = 3


def user_get(*, username: str) -> User:
    """The active user with this username (any letter case), or Http404."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404("No such user.")
    return user


def user_search(*, query: str) -> QuerySet[User]:
    """Active users whose username or full name matches, best match first: exact
    username, then username prefix, then name prefix, then anywhere.

    Ranked among a bounded set of candidates (settings.SEARCH_MAX_CANDIDATES each for
    prefix and anywhere matches, plus the exact one): a term most names contain would
    otherwise make every search rank the whole table (about 600 ms at 300,000 users)."""
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
    active = User.objects.filter(is_active=True)
    bound = settings.SEARCH_MAX_CANDIDATES
    prefix = Q(username__istartswith=query) | Q(full_name__istartswith=query)
    # Each candidate set is read through the name indexes and cut at the bound, then the
    # sets are joined: one query. (As `pk IN (...) OR pk IN (...)`, PostgreSQL would test
    # every row of the table instead.)
    sets = [active.filter(username__iexact=query), active.filter(prefix)]
    if len(query) >= SEARCH_CONTAINS_MIN_LENGTH:
        # Prefix matches may come again here; excluding them would make a term that
        # begins most names read all of them to find the few that do not.
        sets.append(active.filter(Q(username__icontains=query) | Q(full_name__icontains=query)))
    bounded = [
        User.objects.filter(pk__in=found.values("pk")[:bound]).values("pk") for found in sets
    ]
    matches = User.objects.filter(pk__in=bounded[0].union(*bounded[1:]))
    return matches.annotate(search_rank=rank).order_by("search_rank", "-followers_count", "id")


def data_export_latest_for(*, user: User) -> DataExport | None:
    """The user's most recent "download your data" export, if any."""
    return DataExport.objects.filter(user=user).order_by("-created_at", "-pk").first()


def data_export_get(*, user: User, export_id: int) -> DataExport:
    """One of the user's own exports, or Http404 (someone else's looks missing)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id, user=user).first()
    if export is None:
        raise Http404("No such export.")
    return export
