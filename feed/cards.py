"""A feed page's posts, displayed from cached cards.

Most of a feed page's time was spent turning posts into JSON or HTML, the same for every
viewer and every reload. A card is that work for one post, kept in the cache under a key
that names everything it shows (`FeedRow.version`): the post's `updated_at` (caption, alt
texts), what it shows of its author, and its latest comments as this viewer sees them
(ids and their authors' versions, from `feed.selectors`). A change to any of these makes a
new key, so a card is never stale and nothing has to be deleted; cards expire
FEED_CARD_SECONDS after they are made.

What differs per viewer is not in the shared part. The API's card leaves out the counts
and the viewer's flags, added per request. An HTML card also depends on the viewer's
flags, the counts and which buttons the viewer gets, so those are part of its key (most
viewers share a variant); the CSRF token and "2 hours ago" are holes filled per request.

Per page: the cards this process holds (`LocalCards`), one cache read for the others, and
for those still missing two queries (`selectors.attach_display`) and one cache write.
"""

import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from feed import selectors
from feed.api.serializers import shared_post_data
from feed.selectors import FeedRow
from instaclone.context_processors import request_csrf_token
from instaclone.dates import ago
from posts.models import Post

# Stand-ins rendered into a cached HTML card where the request's values go, and into a
# page where its cards go.
CSRF_HOLE = f"csrf{secrets.token_hex(16)}"
AGO_HOLE = f"ago{secrets.token_hex(16)}"
_CARDS_HOLE = f"cards{secrets.token_hex(16)}"
_HOLES = re.compile(f"({CSRF_HOLE}|{AGO_HOLE})")
_HOLE_NAMES = {CSRF_HOLE: "csrf", AGO_HOLE: "ago"}
# Part of every card's key: a change to what a card is kept as makes new keys, so a
# process never reads a card kept by an older release.
CARD_FORMAT = 2
_JSON_BOOLEANS = {True: "true", False: "false"}


# Cards kept in each process, besides the shared cache.
LOCAL_CARDS = 2000


class LocalCards:
    """The cards this process read or made last, with when each expires. A card's key
    names everything it shows, so a copy is never stale, only old: it goes when its
    shared copy does (FEED_CARD_SECONDS after it was made, which keeps the signed media
    URLs in it valid). A page of cards read here costs no cache round trip and no
    unpickling; with Redis that was a hundred kilobytes a page."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._cards: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: list[str], now: float) -> dict[str, object]:
        found = {}
        with self._lock:
            for key in keys:
                entry = self._cards.get(key)
                if entry is not None and entry[0] > now:
                    self._cards.move_to_end(key)
                    found[key] = entry[1]
        return found

    def set_many(self, entries: dict[str, tuple[float, object]]) -> None:
        with self._lock:
            for key, entry in entries.items():
                self._cards[key] = entry
                self._cards.move_to_end(key)
            while len(self._cards) > self._size:
                self._cards.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._cards.clear()


local_cards = LocalCards(LOCAL_CARDS)


def _cached(
    rows: list[FeedRow], key: Callable[[FeedRow], str], make: Callable[[Post], object]
) -> list:
    """`make(row.post)` for each row: from this process's cards, else from the shared
    cache (where a card is stored with when it expires), else made and stored in both."""
    now = time.time()
    keys = [key(row) for row in rows]
    found = local_cards.get_many(keys, now)
    wanted = [name for name in keys if name not in found]
    if wanted:
        shared = {name: entry for name, entry in cache.get_many(wanted).items() if entry[0] > now}
        local_cards.set_many(shared)
        found.update((name, card) for name, (_, card) in shared.items())
        missing = [row for row, name in zip(rows, keys, strict=True) if name not in found]
        if missing:
            selectors.attach_display([row.post for row in missing])
            expires = now + settings.FEED_CARD_SECONDS
            made = {key(row): (expires, make(row.post)) for row in missing}
            cache.set_many(made, settings.FEED_CARD_SECONDS)
            local_cards.set_many(made)
            found.update((name, card) for name, (_, card) in made.items())
    return [found[name] for name in keys]


def _json(value: object) -> str:
    """`value` as DRF's JSONRenderer writes it (compact, not ASCII-escaped)."""
    return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _api_card(post: Post) -> tuple[bytes, str]:
    """What every viewer gets of `post` in the API: its item as UTF-8 JSON without the
    closing brace, then its path (the origin of its `url` is the request's)."""
    shared = shared_post_data(post)
    path = shared.pop("url")
    return _json(shared)[:-1].encode(), path


def api_results(rows: list[FeedRow], request: HttpRequest) -> bytes:
    """The API's `results` for these rows as UTF-8 JSON, in the shape of
    posts.api.serializers.PostSerializer plus `latest_comments`: the cached shared part of
    each item, then its absolute `url`, the counts and the viewer's flags."""
    origin = request.build_absolute_uri("/")[:-1]
    cards = _cached(rows, lambda row: f"feed:card:{CARD_FORMAT}:json:{row.version}", _api_card)
    items = [
        head
        + (
            # json.dumps with its defaults is C's encoder; a URL needs no other.
            f',"url":{json.dumps(origin + path)},"likes_count":{row.likes_count},'
            f'"comments_count":{row.comments_count},"liked":{_JSON_BOOLEANS[row.viewer_liked]},'
            f'"saved":{_JSON_BOOLEANS[row.viewer_saved]}}}'
        ).encode()
        for row, (head, path) in zip(rows, cards, strict=True)
    ]
    return b"[" + b",".join(items) + b"]"


def api_page(rows: list[FeedRow], request: HttpRequest, next_url: str | None) -> bytes:
    """A page of the API's post lists as UTF-8 JSON: `next`, `previous` and `results`."""
    head = f'{{"next":{_json(next_url)},"previous":null,"results":'.encode()
    return head + api_results(rows, request) + b"}"


def _html_variant(row: FeedRow, viewer_id: int | None, eager: bool) -> str:
    """What else an HTML card shows: the viewer's flags, the counts, which buttons (as
    bits: a string of them per card cost a tenth of the page's cards)."""
    bits = row.viewer_liked | row.viewer_saved << 1 | eager << 2 | (viewer_id is not None) << 3
    bits |= (viewer_id == row.author_id) << 4
    # The viewer may delete their own comments.
    for place, author_id in enumerate(row.comment_author_ids, 5):
        bits |= (author_id == viewer_id) << place
    return f"{bits:x}:{row.likes_count}:{row.comments_count}"


def _card_parts(card: str) -> tuple[bytes | str, ...]:
    """A rendered card as it is kept: its text as UTF-8 between the holes, and in the
    odd places the name of each hole ("csrf" or "ago"). The holes themselves differ from
    process to process, so they are never stored."""
    parts = _HOLES.split(card)
    return tuple(
        _HOLE_NAMES[part] if index % 2 else part.encode() for index, part in enumerate(parts)
    )


def html_items(rows: list[FeedRow], request: HttpRequest) -> bytes:
    """The rendered `feed/_post_card.html` of each row's post for this request, each an
    item of the page's list, as UTF-8 (see render_with_cards)."""
    viewer = request.user
    viewer_id = viewer.pk if viewer.is_authenticated else None
    eager = {rows[0].pk} if rows else set()

    def key(row: FeedRow) -> str:
        variant = _html_variant(row, viewer_id, row.pk in eager)
        return f"feed:card:{CARD_FORMAT}:html:{row.version}:{variant}"

    def make(post: Post) -> tuple[bytes | str, ...]:
        context = {
            "post": post,
            "user": viewer,
            "eager": post.pk in eager,
            "csrf_token": CSRF_HOLE,
            "ago": AGO_HOLE,
        }
        return _card_parts(render_to_string("feed/_post_card.html", context))

    token, now = request_csrf_token(request).encode(), timezone.now()
    chunks: list[bytes] = []
    for row, parts in zip(rows, _cached(rows, key, make), strict=True):
        values = {"csrf": token, "ago": ago(row.created_at, now).encode()}
        chunks.append(b"<li>")
        chunks += [values[part] if index % 2 else part for index, part in enumerate(parts)]
        chunks.append(b"</li>\n")
    return b"".join(chunks)


def render_with_cards(
    request: HttpRequest, template_name: str, context: dict, items: bytes
) -> HttpResponse:
    """The page `template_name` renders, with `items` (from html_items) where it shows
    `{{ cards }}`. Only the page around them is rendered and encoded: encoding the cards
    again on every request cost as much as rendering the page, and more once a character
    beyond Latin-1 (an emoji in a caption) makes a Python string of all of them two or
    four bytes a character."""
    response = render(request, template_name, {**context, "cards": _CARDS_HOLE})
    head, hole, tail = response.content.partition(_CARDS_HOLE.encode())
    if hole:
        response.content = b"".join((head, items, tail))
    return response
