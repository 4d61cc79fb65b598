from functools import cached_property

from django.http import HttpRequest

from social import selectors


class LazyNavCounts:
    """The navigation's badges, queried (once, in one query) only if a template uses them."""

    def __init__(self, user: object) -> None:
        self._user = user

    @cached_property
    def _counts(self) -> selectors.NavCounts:
        return selectors.nav_counts(user=self._user)  # type: ignore[arg-type]

    @property
    def unread_notifications(self) -> int:
        return self._counts.unread_notifications

    @property
    def follow_requests(self) -> int:
        return self._counts.follow_requests


def nav_counts(request: HttpRequest) -> dict[str, object]:
    """`nav_counts` for signed-in users: one query when rendered, none for anonymous."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_counts": LazyNavCounts(user)}
