"""How pages tell htmx requests from full page loads."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True when htmx sent the request: the view answers with a partial, not a page."""
    return request.headers.get("HX-Request") == "true"
