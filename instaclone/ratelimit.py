"""Rate limits shared by every face: pages, htmx actions, the API, and the login backend.

A limit is a named scope with a rate (`settings.RATE_LIMIT_RATES`, e.g. `"60/hour"`,
`"10/15min"`) counted per subject: the user when logged in, else the client address.
Counters live in the default cache (Redis in production), so every server process shares
them, and a page and the API count against one counter. A window starts at a subject's
first hit and ends `seconds` later (its keys expire then); past the limit, the face
answers 429 with `Retry-After` (the API through `instaclone.api.exception_handler`, pages
through `RateLimitMiddleware`). `RATE_LIMITS=off` turns every limit off.
"""

import hashlib
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from instaclone.htmx import is_htmx

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_UNIT_SECONDS |= {"h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """`"500/hour"`, `"20/min"`, `"10/15min"`, `"5/2h"`: a count per (a number of) units."""
    match = _RATE.match(text.lower())
    if not match or match[3] not in _UNIT_SECONDS:
        raise ImproperlyConfigured(f"Bad rate {text!r}: write it like 60/hour or 10/15min.")
    return Rate(limit=int(match[1]), seconds=int(match[2] or 1) * _UNIT_SECONDS[match[3]])


def rate_for(scope: str) -> Rate:
    return parse_rate(settings.RATE_LIMIT_RATES[scope])


def wait_text(seconds: int) -> str:
    """How long until a limit lifts: "45 seconds", "1 minute", "15 minutes"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class RateLimited(Exception):
    """A limit was crossed: answer 429 with `Retry-After: retry_after` and `message`
    (where `{wait}` becomes "N minutes")."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        template = message or "Too many requests. Please try again in {wait}."
        self.message = template.format(wait=wait_text(self.retry_after))
        super().__init__(self.message)


# --- Who is counted ---------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies, the
    address that many hops from the right of X-Forwarded-For. Only the right end is
    written by our proxies; whatever a client puts on the left is never read, so a forged
    header cannot change the address (and so cannot reset a limit)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.NUM_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops <= 0 or not forwarded:
        return remote
    candidate = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Garbage where a proxy's address should be: count it as the proxy's.
        return remote


def address_subject(request: HttpRequest) -> str:
    """What a per-address limit counts: the client address (its /64 for IPv6)."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"ip:{address or 'unknown'}"
    if parsed.version == 6:
        # One IPv6 client usually holds a whole /64; counting single addresses in it
        # would let it rotate past every limit.
        return f"ip:{ipaddress.ip_network(f'{parsed}/64', strict=False)}"
    return f"ip:{parsed}"


def subject(request: HttpRequest) -> str:
    """What a limit counts: the logged-in user, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return address_subject(request)


def name_subject(name: str) -> str:
    """A subject for a typed name (a login's username or email), hashed to a safe key."""
    digest = hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]
    return f"name:{digest}"


# --- Counters ---------------------------------------------------------------------------


def _keys(scope: str, who: str) -> tuple[str, str]:
    base = f"ratelimit:{scope}:{who}"
    return f"{base}:hits", f"{base}:ends"


def _retry_after(ends: float | None, rate: Rate) -> int:
    return math.ceil((ends or time.time() + rate.seconds) - time.time())


def _count(rate: Rate, hits_key: str, ends_key: str) -> int:
    # The window starts at the first hit; both keys expire when it ends.
    if cache.add(hits_key, 0, timeout=rate.seconds):
        cache.set(ends_key, time.time() + rate.seconds, timeout=rate.seconds)
    try:
        return cache.incr(hits_key)
    except ValueError:  # the window ended between add and incr
        cache.add(hits_key, 1, timeout=rate.seconds)
        return 1


def hit(scope: str, who: str, *, message: str = "") -> None:
    """Count one hit of `who` in `scope`; RateLimited when it goes past the limit."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    rate = rate_for(scope)
    hits_key, ends_key = _keys(scope, who)
    if _count(rate, hits_key, ends_key) > rate.limit:
        raise RateLimited(_retry_after(cache.get(ends_key), rate), message)


def count(scope: str, who: str) -> None:
    """Count one hit of `who` in `scope`, refusing nothing (see `check`)."""
    if settings.RATE_LIMITS_ENABLED:
        _count(rate_for(scope), *_keys(scope, who))


def check(scope: str, who: str, *, message: str = "") -> None:
    """RateLimited if `who` already used up `scope`'s limit; counts nothing."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    rate = rate_for(scope)
    hits_key, ends_key = _keys(scope, who)
    found = cache.get_many([hits_key, ends_key])
    if found.get(hits_key, 0) >= rate.limit:
        raise RateLimited(_retry_after(found.get(ends_key), rate), message)


def reset(scope: str, who: str) -> None:
    cache.delete_many(list(_keys(scope, who)))


def limit(request: HttpRequest, scope: str) -> None:
    """Count this request against `scope` for its subject (user, else address)."""
    hit(scope, subject(request))


# --- Pages ------------------------------------------------------------------------------


def rate_limit(
    scope: str, *, methods: Iterable[str] = WRITE_METHODS, anonymous_only: bool = False
) -> Callable:
    """Decorate a page view: its `methods` requests count against `scope` (only those of
    anonymous visitors with `anonymous_only`). Past the limit, RateLimitMiddleware answers."""
    counted = frozenset(methods)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in counted and not (anonymous_only and request.user.is_authenticated):
                limit(request, scope)
            return view(request, *args, **kwargs)

        return limited

    return decorator


def too_many_requests(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """The page answer: the friendly 429 page; for htmx (which does not swap a 4xx), a
    short text plus the message shown on the next page."""
    if is_htmx(request):
        messages.error(request, error.message)
        response = HttpResponse(error.message, status=429, content_type="text/plain")
    else:
        context = {"message": error.message, "wait": wait_text(error.retry_after)}
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


class RateLimitMiddleware:
    """Turns RateLimited raised by a page view (or the login backend under it, as in the
    admin's login) into a 429 answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_requests(request, exception)
        return None
