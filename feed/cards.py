"""A feed page's posts, displayed from cached cards.

Most of a feed page's time was spent turning posts into JSON or HTML, the same for every
viewer and every reload. A card is that work for one post, kept in the cache under a key
that names everything it shows: the post's `updated_at` (caption, alt texts), its
author's `profile_changed_at`, and its latest comments as this viewer sees them (ids and
their authors' versions, from `feed.selectors`). A change to any of these makes a new key,
so a card is never stale and nothing has to be deleted; unused ones expire after
FEED_CARD_SECONDS.

What differs per viewer is not in the shared part. The API's card leaves out the counts
and the viewer's flags, added per request. An HTML card also depends on the viewer's
flags, the counts and which buttons the viewer gets, so those are part of its key (most
viewers share a variant); the CSRF token and "2 hours ago" are holes filled per request.

Per page: one cache read for all cards, and for the missing ones two queries
(`selectors.attach_display`) and one cache write.
"""

import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from feed import selectors
from feed.api.serializers import shared_post_data, viewer_post_data
from posts.models import Post

# Stand-ins rendered into a cached HTML card where the request's values go.
CSRF_HOLE = f"csrf{secrets.token_hex(16)}"
AGO_HOLE = f"ago{secrets.token_hex(16)}"


def _version(post: Post) -> str:
    """What the shared part of `post`'s card shows, as a short digest."""
    parts = [
        str(post.pk),
        post.updated_at.isoformat(),
        post.author.profile_changed_at.isoformat(),
        *(key.version for key in post.comment_keys),
    ]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def _cached(posts: list[Post], key: Callable[[Post], str], make: Callable[[Post], object]) -> list:
    """`make(post)` for each post, from the cache where it is there under `key(post)`."""
    keys = [key(post) for post in posts]
    found = cache.get_many(keys)
    missing = [post for post, name in zip(posts, keys, strict=True) if name not in found]
    if missing:
        selectors.attach_display(missing)
        made = {key(post): make(post) for post in missing}
        cache.set_many(made, settings.FEED_CARD_SECONDS)
        found.update(made)
    return [found[name] for name in keys]


def api_results(posts: list[Post], request: HttpRequest) -> list[dict]:
    """The API's `results` for these posts (`feed.api.serializers.post_data`'s shape)."""
    shared = _cached(posts, lambda post: f"feed:card:api:{_version(post)}", shared_post_data)
    return [viewer_post_data(post, card, request) for post, card in zip(posts, shared, strict=True)]


def _html_variant(post: Post, viewer_id: int | None, eager: bool) -> str:
    """What else an HTML card shows: the viewer's flags, the counts, which buttons."""
    flags = [post.viewer_liked, post.viewer_saved, eager, viewer_id is not None]
    flags.append(viewer_id == post.author_id)
    # The viewer may delete their own comments.
    flags += [key.author_id == viewer_id for key in post.comment_keys]
    bits = "".join("1" if flag else "0" for flag in flags)
    return f"{bits}:{post.likes_count}:{post.comments_count}"


def html_cards(posts: list[Post], request: HttpRequest) -> list[SafeString]:
    """The rendered `feed/_post_card.html` of each post for this request."""
    viewer = request.user
    viewer_id = viewer.pk if viewer.is_authenticated else None
    eager = {posts[0].pk} if posts else set()

    def key(post: Post) -> str:
        variant = _html_variant(post, viewer_id, post.pk in eager)
        return f"feed:card:html:{_version(post)}:{variant}"

    def render(post: Post) -> str:
        context = {
            "post": post,
            "user": viewer,
            "eager": post.pk in eager,
            "csrf_token": CSRF_HOLE,
            "ago": AGO_HOLE,
        }
        return render_to_string("feed/_post_card.html", context)

    token = get_token(request)
    return [
        mark_safe(  # noqa: S308 (rendered by the template, which escaped it)
            card.replace(CSRF_HOLE, token).replace(AGO_HOLE, timesince(post.created_at))
        )
        for post, card in zip(posts, _cached(posts, key, render), strict=True)
    ]
