"""Reads of the feed and of discovery (explore, trending tags, tag pages, suggestions,
hashtag search).

Every post listed here comes out of `posts.selectors.visible_posts(viewer)`: the stored
timeline and the discovery caches only choose candidate ids, the visibility rule decides.

A feed page is a fixed number of queries whatever the page size (5-50) or the number of
accounts followed: (1) the page's ids, from the viewer's timeline merged with the latest
posts of the high-reach accounts they follow (one UNION of index range scans), (2) those
posts with their author, the viewer's liked / saved flags, the mentioned usernames and
which two comments are their latest for this viewer (one index range per post), (3) their
media, (4) those comments. Hashtags come from the caption (the stored ones are parsed
from it). Plus one cache round trip; on the first read in FEED_SEEN_SECONDS, one UPDATE
recording the visit and one cache write. The pages (feed.cards) skip (3) and (4) for the
posts whose rendered card is cached.
"""

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Lower
from django.http import Http404
from django.utils import timezone

from accounts.models import DISPLAY_FIELDS, User
from accounts.selectors import SEARCH_CONTAINS_MIN_LENGTH, SEARCH_QUERY_MAX_LENGTH
from feed import services
from feed.cursors import Position, as_datetime, before, decode
from feed.models import TimelineEntry
from instaclone import compiled
from posts.models import Comment, Hashtag, Mention, Post, PostMedia
from posts.selectors import viewer_flags, visible_posts
from posts.text import normalise_hashtag, parse_hashtags
from social.models import Follow, FollowRequest
from social.selectors import Viewer, authenticated, block_between, follows

FEED_SEEN_SECONDS = 600
LATEST_COMMENTS = 2
# Above this many high-reach authors the merge is one branch with a subquery instead of
# one index range scan per author.
HIGH_REACH_BRANCHES_MAX = 64
EXPLORE_WINDOW = timedelta(days=7)
EXPLORE_CANDIDATES = 500
TRENDING_WINDOW = timedelta(days=7)
TRENDING_LIMIT = 10
SUGGESTIONS_LIMIT = 20
# Friends of friends are found through the viewer's most recent follows, not all of them:
# the cost stays bounded for someone who follows thousands.
SUGGESTION_SOURCES = 200
SEARCH_LIMIT = 20


@dataclass
class PostPage:
    posts: list  # of Post, or of FeedRow when selected with display=False
    next_cursor: str | None


@dataclass
class Suggestion:
    user: User
    reason: str
    mutual: int = 0


@dataclass
class SearchResults:
    users: list[User] = field(default_factory=list)
    hashtags: list[Hashtag] = field(default_factory=list)


# --- Display data ---------------------------------------------------------------------------


class _JoinedNames(Aggregate):
    """Comma-joined strings: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _latest_comments(viewer: Viewer) -> QuerySet[Comment]:
    # A suspended account's comments vanish with it, as in posts.selectors' lists.
    comments = Comment.objects.filter(author__is_active=True).order_by("-created_at", "-pk")
    user = authenticated(viewer)
    if user is not None:
        comments = comments.filter(~block_between(user, "author_id"))
    return comments


# A page's posts are read by three statements compiled once per shape (instaclone.compiled):
# the posts (visible_posts, with author, flags and mentions), their media, and their latest
# comments. Built through the ORM every time, they were most of a feed page's time.
DB = "default"
_POST_FIELDS = tuple(field.attname for field in Post._meta.concrete_fields)
# What a feed shows of an author (the rest is deferred: reading a column costs its
# converter on every row, and an account row has twenty). In the model's order, which is
# the order Model.from_db takes a subset of columns in.
_USER_FIELDS = tuple(
    field.attname
    for field in User._meta.concrete_fields
    if field.attname in {"id", "profile_changed_at", *DISPLAY_FIELDS}
)
# The author's columns but their id, which is the row's own author_id: selecting it twice
# would give two columns one name.
_AUTHOR_COLUMNS = tuple(f"author__{name}" for name in _USER_FIELDS if name != "id")
# A post row's author: what a card shows, the avatar as its stored JSON text (parsed only
# when a card is rendered; as text it also versions the card).
_ROW_AUTHOR_FIELDS = tuple(name for name in _USER_FIELDS if name in DISPLAY_FIELDS)
_ROW_AUTHOR_COLUMNS = tuple(
    f"author_{name}_text" if name == "avatar" else f"author__{name}" for name in _ROW_AUTHOR_FIELDS
)
# A post row's times as text (PostgreSQL's ISO output, SQLite's stored value): a page of
# cards cached reads only one, and converting a timestamp column costs on every row.
_TIMES_AS_TEXT = ("created_at", "updated_at")
_POST_ROW_COLUMNS = tuple(
    f"{name}_text" if name in _TIMES_AS_TEXT else name for name in _POST_FIELDS
)
_MEDIA_FIELDS = tuple(field.attname for field in PostMedia._meta.concrete_fields)
_COMMENT_FIELDS = tuple(field.attname for field in Comment._meta.concrete_fields)


class _JoinedValues(Subquery):
    """The single column of a subquery's rows, comma-joined: one aggregate over the
    subquery as it is (its LIMIT applies first), where an aggregate in the subquery itself
    would need it nested once more."""

    template = "(SELECT STRING_AGG(joined.value, ',') FROM (%(subquery)s) AS joined)"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        template = "(SELECT GROUP_CONCAT(joined.value, ',') FROM (%(subquery)s) AS joined)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _latest_comment_keys(viewer: Viewer) -> Subquery:
    """Per post, the latest comments `viewer` sees (at most LATEST_COMMENTS) as
    "id/author id/author's profile_changed_at", comma-joined in no order: what they show
    is fixed by these, so they also version the post's cached card (feed.cards)."""
    key = Concat(
        Cast("pk", CharField()),
        Value("/"),
        Cast("author_id", CharField()),
        Value("/"),
        Cast("author__profile_changed_at", CharField()),
        output_field=CharField(),
    )
    latest = (
        _latest_comments(viewer).filter(post=OuterRef("pk")).annotate(value=key).values("value")
    )
    return _JoinedValues(latest[:LATEST_COMMENTS])


def _post_rows(viewer: Viewer, ids: list[int], *, comments: bool) -> QuerySet:
    mentioned = (
        Mention.objects.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(names=_JoinedNames(Lower("user__username")))
        .values("names")
    )
    posts = visible_posts(viewer).filter(pk__in=ids)
    comment_keys = _latest_comment_keys(viewer) if comments else Value("", CharField())
    return posts.annotate(
        **viewer_flags(viewer),
        **{f"{name}_text": Cast(name, TextField()) for name in _TIMES_AS_TEXT},
        author_avatar_text=Cast("author__avatar", TextField()),
        mentioned_names=Subquery(mentioned, output_field=CharField()),
        comment_keys=comment_keys,
    ).values_list(
        *_POST_ROW_COLUMNS,
        *_ROW_AUTHOR_COLUMNS,
        "viewer_liked",
        "viewer_saved",
        "mentioned_names",
        "comment_keys",
    )


def _media_rows(viewer: Viewer, ids: list[int]) -> QuerySet:
    return PostMedia.objects.filter(post_id__in=ids).values_list(*_MEDIA_FIELDS)


def _comment_rows(viewer: Viewer, ids: list[int]) -> QuerySet:
    return Comment.objects.filter(pk__in=ids).values_list(*_COMMENT_FIELDS, *_AUTHOR_COLUMNS)


def _with_author(model: type, fields: tuple[str, ...], row: list) -> Any:
    """A `model` instance and its author, from a row of its fields then the author's (what
    select_related would have made)."""
    instance = model.from_db(DB, fields, row[: len(fields)])
    author_values = iter(row[len(fields) : len(fields) + len(_AUTHOR_COLUMNS)])
    author = User.from_db(
        DB,
        _USER_FIELDS,
        [instance.author_id if name == "id" else next(author_values) for name in _USER_FIELDS],
    )
    model.author.field.set_cached_value(instance, author)
    return instance


def _attach_media(posts: list[Post]) -> None:
    ids = [post.pk for post in posts]
    by_post: dict[int, list[PostMedia]] = defaultdict(list)
    for row in compiled.rows("feed.media", _media_rows, viewer=None, ids=ids):
        media = PostMedia.from_db(DB, _MEDIA_FIELDS, row)
        by_post[media.post_id].append(media)
    for post in posts:
        items = by_post.get(post.pk, [])
        for media in items:
            PostMedia.post.field.set_cached_value(media, post)
        # What prefetch_related("media") leaves: `post.media.all()` answers from it.
        prefetched = PostMedia.objects.order_by("position")
        prefetched._result_cache = items
        prefetched._prefetch_done = True
        post._prefetched_objects_cache = {"media": prefetched}


def _attach_comments(posts: list[Post]) -> None:
    """The comments named by each post's `comment_keys`, oldest first."""
    ids = [key.comment_id for post in posts for key in post.comment_keys]
    by_post: dict[int, list[Comment]] = defaultdict(list)
    if ids:
        for row in compiled.rows("feed.comments", _comment_rows, viewer=None, ids=ids):
            comment = _with_author(Comment, _COMMENT_FIELDS, row)
            by_post[comment.post_id].append(comment)
    for post in posts:
        comments = by_post.get(post.pk, [])
        comments.sort(key=lambda comment: (comment.created_at, comment.pk))
        post.latest_comments = comments


def attach_display(posts: list[Post]) -> None:
    """Load what the page shows of these posts (from `_posts_in_order(display=False)`)
    beyond their row: media, the latest comments, the hashtags and mentions of the
    caption. Two queries whatever the count."""
    if posts:
        _attach_media(posts)
        _attach_comments(posts)
    for post in posts:
        post.mentioned = frozenset(filter(None, (post.mentioned_names or "").split(",")))
        post.hashtag_names = parse_hashtags(post.caption)


class CommentKey(NamedTuple):
    """One of a post's latest comments, as `_latest_comment_keys` names it."""

    comment_id: int
    author_id: int
    version: str  # the whole "id/author id/author's profile_changed_at"


def _comment_versions(joined: str | None) -> list[str]:
    """The keys `_latest_comment_keys` joined, sorted (it joins them in no order)."""
    return sorted(filter(None, (joined or "").split(",")))


def _key_parts(version: str) -> tuple[int, int]:
    """(comment id, author id) of one of those keys."""
    comment_id, author_id, _ = version.split("/", 2)
    return int(comment_id), int(author_id)


_POST_INDEX = {name: index for index, name in enumerate(_POST_FIELDS)}
_ID, _AUTHOR_ID, _LIKES_COUNT, _COMMENTS_COUNT, _UPDATED_AT = (
    _POST_INDEX[name] for name in ("id", "author_id", "likes_count", "comments_count", "updated_at")
)
_ROW_AUTHOR = slice(len(_POST_FIELDS), len(_POST_FIELDS) + len(_ROW_AUTHOR_FIELDS))
_AVATAR_FIELD = User._meta.get_field("avatar")
_ROW_USER_FIELDS = tuple(name for name in _USER_FIELDS if name in {"id", *_ROW_AUTHOR_FIELDS})


class FeedRow:
    """One post of a page as a card needs it, from its row: what the card is keyed by
    (`version`) and completed with per request (counts, the viewer's flags, the age). The
    model instances, which cost more to build than the row to read, are made by `post`
    only for a card that must be rendered; the latest comments' keys are parsed only when
    asked for (the API's cards never need them)."""

    __slots__ = (
        "_comment_keys",
        "_post",
        "_row",
        "_versions",
        "author_id",
        "comments_count",
        "likes_count",
        "pk",
        "version",
        "viewer_liked",
        "viewer_saved",
    )

    def __init__(self, row: list) -> None:
        self._row = row
        self._post: Post | None = None
        self._comment_keys: tuple[CommentKey, ...] | None = None
        self.pk: int = row[_ID]
        self.author_id: int = row[_AUTHOR_ID]
        self.likes_count: int = row[_LIKES_COUNT]
        self.comments_count: int = row[_COMMENTS_COUNT]
        self.viewer_liked, self.viewer_saved, _, keys = row[-4:]
        # Everything the shared part of the card shows: the post's updated_at (its caption
        # and alt texts), what it shows of the author, its latest comments as this viewer
        # sees them (ids, and their authors' versions).
        self._versions = _comment_versions(keys)
        parts = [str(self.pk), row[_UPDATED_AT], *row[_ROW_AUTHOR], *self._versions]
        self.version = hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()

    @property
    def comment_author_ids(self) -> list[int]:
        """The authors of the latest comments, in an order fixed by `version`."""
        return [_key_parts(version)[1] for version in self._versions]

    @property
    def comment_keys(self) -> tuple[CommentKey, ...]:
        if self._comment_keys is None:
            keys = (CommentKey(*_key_parts(version), version) for version in self._versions)
            self._comment_keys = tuple(sorted(keys))
        return self._comment_keys

    @property
    def created_at(self) -> datetime:
        return as_datetime(self._row[_POST_INDEX["created_at"]])

    @property
    def post(self) -> Post:
        """The post with its author, the viewer's flags and `comment_keys` (the latest
        comments themselves are loaded by `attach_display`)."""
        if self._post is None:
            self._post = self._make_post()
        return self._post

    def _make_post(self) -> Post:
        row = self._row
        values = row[: len(_POST_FIELDS)]
        for name in _TIMES_AS_TEXT:
            values[_POST_INDEX[name]] = as_datetime(values[_POST_INDEX[name]])
        post = Post.from_db(DB, _POST_FIELDS, values)
        shown = dict(zip(_ROW_AUTHOR_FIELDS, row[len(_POST_FIELDS) :], strict=False))
        shown["avatar"] = _AVATAR_FIELD.from_db_value(shown["avatar"], None, connection)
        shown["id"] = self.author_id
        author = User.from_db(DB, _ROW_USER_FIELDS, [shown[name] for name in _ROW_USER_FIELDS])
        Post.author.field.set_cached_value(post, author)
        post.viewer_liked, post.viewer_saved, post.mentioned_names = row[-4:-1]
        post.comment_keys = self.comment_keys
        post.latest_comments = []
        return post


def _posts_in_order(
    ids: Sequence[int], viewer: Viewer, *, comments: bool = True, display: bool = True
) -> list[Any]:
    """The visible ones of these posts, in the order of `ids`, with their author and the
    viewer's flags, as Post instances with their media and latest comments; with
    `display=False` as FeedRows instead (their cards' pages call `attach_display` on the
    `post` of those a cache did not have)."""
    if not ids:
        return []
    build = partial(_post_rows, comments=comments)
    found: dict[int, FeedRow] = {}
    for row in compiled.rows(("feed.posts", comments), build, viewer=viewer, ids=ids):
        item = FeedRow(row)
        found[item.pk] = item
    rows = [found[pk] for pk in ids if pk in found]
    if not display:
        return rows
    posts = [row.post for row in rows]
    attach_display(posts)
    return posts


# --- Home feed ------------------------------------------------------------------------------


# The page's id query is written as SQL, not built with the ORM: building and compiling a
# UNION of up to 65 querysets cost 6 ms a page, ten times what PostgreSQL spends running it.
# It only chooses candidates; `_posts_in_order` applies the visibility rule to them.


def _newest_first(
    select: str, where: list[str], params: list, position: Position | None, time: str, pk: str
) -> tuple[str, list]:
    """One branch: rows of `select` matching `where`, after `position`, newest first (the
    cursor condition as in feed.cursors.before: its first term bounds the index range)."""
    if position is not None:
        at = _db_datetime(position.created_at)
        where = [*where, f"{time} <= %s AND ({time} < %s OR {pk} < %s)"]
        params = [*params, at, at, position.post_id]
    sql = f"{select} WHERE {' AND '.join(where)} ORDER BY {time} DESC, {pk} DESC LIMIT %s"
    return sql, params


def _db_datetime(value: datetime) -> object:
    return TimelineEntry._meta.get_field("created_at").get_db_prep_value(value, connection)


def _page_branches(
    viewer: User, high_reach: frozenset[int], position: Position | None, limit: int
) -> list[tuple[str, list]]:
    timeline, post, follow = (model._meta.db_table for model in (TimelineEntry, Post, Follow))
    branches = [
        _newest_first(
            f"SELECT post_id, created_at FROM {timeline}",  # noqa: S608 (model tables)
            ["owner_id = %s"],
            [viewer.pk],
            position,
            "created_at",
            "post_id",
        )
    ]
    authors = sorted(high_reach - {viewer.pk})
    select = f"SELECT id, created_at FROM {post}"  # noqa: S608 (model table)
    followed = f"SELECT followee_id FROM {follow} WHERE follower_id = %s"  # noqa: S608
    if len(authors) > HIGH_REACH_BRANCHES_MAX:
        marks = ", ".join(["%s"] * len(authors))
        where = [f"author_id IN ({followed} AND followee_id IN ({marks}))"]
        branches.append(
            _newest_first(select, where, [viewer.pk, *authors], position, "created_at", "id")
        )
        return [(sql, [*params, limit]) for sql, params in branches]
    # Per author: an uncorrelated EXISTS (evaluated once) and one range of the
    # (author, -created_at) index; authors the viewer does not follow cost nothing.
    for author_id in authors:
        where = ["author_id = %s", f"EXISTS ({followed} AND followee_id = %s)"]
        params = [author_id, viewer.pk, author_id]
        branches.append(_newest_first(select, where, params, position, "created_at", "id"))
    return [(sql, [*params, limit]) for sql, params in branches]


def _union_page(branches: list[tuple[str, list]], limit: int) -> list[tuple[int, str]]:
    """(post id, created_at as text) rows of several newest-first branches, each already limited,
    merged newest first without duplicates: one statement of index range scans."""
    parts, params = [], []
    for number, (sql, branch_params) in enumerate(branches):
        parts.append(f"SELECT * FROM ({sql}) AS branch_{number}")  # noqa: S608 (see above)
        params.extend(branch_params)
    merged = " UNION ".join(parts) + " ORDER BY 2 DESC, 1 DESC LIMIT %s"
    # The times as text: only the last one is read (for the cursor), and a timestamp column
    # costs a conversion per row.
    statement = (
        "SELECT page.post_id, CAST(page.created_at AS TEXT) "  # noqa: S608 (see above)
        f"FROM ({merged}) AS page ORDER BY page.created_at DESC, page.post_id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, limit])
        return cursor.fetchall()


def feed_page_for(
    *, viewer: User, cursor: str | None = None, size: int = 20, display: bool = True
) -> PostPage:
    """A page of `viewer`'s home feed (their posts and those of everyone they follow),
    newest first, after `cursor` (Http404 if malformed). Records the visit (and rebuilds
    a timeline left stale while the viewer was away). `display` as for `_posts_in_order`."""
    position = decode(cursor)
    high_reach = services.feed_open(user_id=viewer.pk, seen_seconds=FEED_SEEN_SECONDS)
    rows = _union_page(_page_branches(viewer, high_reach, position, size + 1), size + 1)
    next_cursor = None
    if len(rows) > size:
        last_id, last_at = rows[size - 1]
        next_cursor = Position(as_datetime(last_at), last_id).encode()
    ids = [post_id for post_id, _ in rows[:size]]
    return PostPage(posts=_posts_in_order(ids, viewer, display=display), next_cursor=next_cursor)


def feed_queries_live(*, viewer: User, size: int = 20) -> list[int]:
    """The first page's ids computed from the follow graph instead of the timeline (the
    fan-out-on-read design): for the benchmark's comparison and for tests."""
    authors = Follow.objects.filter(follower=viewer).values("followee_id")
    posts = visible_posts(viewer).filter(Q(author=viewer) | Q(author_id__in=authors))
    return list(posts.order_by("-created_at", "-pk").values_list("pk", flat=True)[:size])


# --- Explore --------------------------------------------------------------------------------


def _engagement_score(likes: int, comments: int, age_hours: float) -> float:
    # Hacker News style decay: engagement counts, but a day-old post needs far more of it.
    return (likes + 2 * comments + 1) / math.pow(age_hours + 2, 1.5)


def _explore_ranking() -> list[tuple[int, int]]:
    """(post id, author id) of recent public posts, best first; shared by every viewer
    and cached DISCOVERY_CACHE_SECONDS."""
    key = "feed:explore-ranking"
    ranking = cache.get(key)
    if ranking is not None:
        return ranking
    now = timezone.now()
    candidates = (
        Post.objects.filter(
            created_at__gte=now - EXPLORE_WINDOW,
            author__is_active=True,
            author__is_private=False,
            hidden_at__isnull=True,
        )
        .order_by("-likes_count", "-comments_count", "-pk")
        .values_list("pk", "author_id", "likes_count", "comments_count", "created_at")[
            :EXPLORE_CANDIDATES
        ]
    )
    scored = sorted(
        candidates,
        key=lambda row: _engagement_score(
            row[2], row[3], max((now - row[4]).total_seconds(), 0) / 3600
        ),
        reverse=True,
    )
    ranking = [(row[0], row[1]) for row in scored]
    cache.set(key, ranking, settings.DISCOVERY_CACHE_SECONDS)
    return ranking


def _explore_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise Http404("Invalid cursor.")
    return int(cursor)


def explore_page_for(
    *,
    viewer: Viewer,
    cursor: str | None = None,
    size: int = 20,
    comments: bool = True,
    display: bool = True,
) -> PostPage:
    """Popular recent posts of public accounts that `viewer` does not follow and has not
    blocked (nor been blocked by), ranked by engagement with time decay. May lag writes
    by DISCOVERY_CACHE_SECONDS. The cursor is a position in the (bounded, cached) ranking."""
    offset = _explore_offset(cursor)
    ranking = _explore_ranking()
    user = authenticated(viewer)
    if user is not None:
        author_ids = {author_id for _, author_id in ranking}
        excluded = set(
            User.objects.filter(pk__in=author_ids)
            .filter(Q(pk=user.pk) | follows(user) | block_between(user))
            .values_list("pk", flat=True)
        )
        ranking = [row for row in ranking if row[1] not in excluded]
    chosen = [post_id for post_id, _ in ranking[offset : offset + size]]
    more = offset + size < len(ranking)
    return PostPage(
        posts=_posts_in_order(chosen, viewer, comments=comments, display=display),
        next_cursor=str(offset + size) if more else None,
    )


# --- Hashtags ------------------------------------------------------------------------------


def trending_tags(*, limit: int = TRENDING_LIMIT) -> list[dict]:
    """[{name, posts_count}] of the tags most used in the last 7 days by public accounts
    (a private account's tags are not advertised). Cached DISCOVERY_CACHE_SECONDS."""
    key = f"feed:trending:{limit}"
    tags = cache.get(key)
    if tags is None:
        rows = (
            Hashtag.objects.filter(
                post_hashtags__post_created_at__gte=timezone.now() - TRENDING_WINDOW,
                post_hashtags__post__author__is_private=False,
                post_hashtags__post__author__is_active=True,
                post_hashtags__post__hidden_at__isnull=True,
            )
            .annotate(posts_count=Count("post_hashtags"))
            .order_by("-posts_count", "name")
            .values("name", "posts_count")[:limit]
        )
        tags = [dict(row) for row in rows]
        cache.set(key, tags, settings.DISCOVERY_CACHE_SECONDS)
    return tags


def hashtag_get(*, name: str) -> Hashtag:
    hashtag = Hashtag.objects.filter(name=normalise_hashtag(name.lstrip("#"))).first()
    if hashtag is None:
        raise Http404("No such hashtag.")
    return hashtag


def tag_page_for(
    *, viewer: Viewer, hashtag: Hashtag, cursor: str | None = None, size: int = 20,
    comments: bool = True, display: bool = True,
) -> PostPage:  # fmt: skip
    """Posts with `hashtag` that `viewer` may see, newest first (the tag's own index)."""
    position = decode(cursor)
    tagged = visible_posts(viewer).filter(
        Q(post_hashtags__hashtag=hashtag) & before(position, "post_hashtags__post_created_at", "pk")
    )
    rows = list(
        tagged.order_by("-post_hashtags__post_created_at", "-pk").values_list(
            "pk", "post_hashtags__post_created_at"
        )[: size + 1]
    )
    next_cursor = None
    if len(rows) > size:
        last_id, last_at = rows[size - 1]
        next_cursor = Position(last_at, last_id).encode()
    ids = [post_id for post_id, _ in rows[:size]]
    posts = _posts_in_order(ids, viewer, comments=comments, display=display)
    return PostPage(posts=posts, next_cursor=next_cursor)


def hashtag_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Hashtag]:
    """Tags matching `query`, best first: exact, then prefix, then anywhere; more used
    first. Annotated with `posts_count`."""
    term = normalise_hashtag(query.strip().lstrip("#"))
    if not term:
        return []
    # As for people (accounts.selectors.user_search): a short term matches the start of
    # tags only, and posts are counted for a bounded set of candidates, never all matches.
    bound = settings.SEARCH_MAX_CANDIDATES
    tags = Hashtag.objects.all()
    ids = set(tags.filter(name=term).values_list("pk", flat=True))
    ids.update(tags.filter(name__startswith=term).values_list("pk", flat=True)[:bound])
    if len(term) >= SEARCH_CONTAINS_MIN_LENGTH:
        ids.update(tags.filter(name__contains=term).values_list("pk", flat=True)[:bound])
    candidates = Q(pk__in=ids)
    kind = Case(
        When(name=term, then=Value(0)),
        When(name__startswith=term, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    matches = Hashtag.objects.filter(candidates).annotate(
        posts_count=Count("post_hashtags"), match_kind=kind
    )
    return list(matches.order_by("match_kind", "-posts_count", "name")[:limit])


# --- People ------------------------------------------------------------------------------


def _not_candidates(user: User) -> Q:
    """People never suggested to `user`: themselves, those they follow or asked to
    follow, those blocked either way, inactive accounts."""
    return (
        Q(pk=user.pk)
        | Q(is_active=False)
        | follows(user)
        | Exists(FollowRequest.objects.filter(requester=user, target=OuterRef("pk")))
        | block_between(user)
    )


def _reasons(sources: QuerySet, counts: dict[int, int]) -> dict[int, str]:
    first_names: dict[int, str] = {}
    rows = (
        Follow.objects.filter(follower_id__in=sources, followee_id__in=list(counts))
        .order_by("follower__username")
        .values_list("followee_id", "follower__username")
    )
    for followee_id, username in rows:
        first_names.setdefault(followee_id, username)
    reasons = {}
    for user_id, count in counts.items():
        name = first_names.get(user_id, "people you follow")
        reasons[user_id] = f"followed by {name}" + (f" + {count - 1} more" if count > 1 else "")
    return reasons


def suggested_users_for(*, viewer: User, limit: int = SUGGESTIONS_LIMIT) -> list[Suggestion]:
    """Accounts `viewer` may want to follow: friends of friends first (followed by people
    the viewer follows, most such people first, with the reason "followed by alice + 2
    more"), then popular accounts. Cached per viewer DISCOVERY_CACHE_SECONDS."""
    key = f"feed:suggested:{viewer.pk}:{limit}"
    cached: list[tuple[int, str, int]] | None = cache.get(key)
    if cached is None:
        cached = _suggestions(viewer, limit)
        cache.set(key, cached, settings.DISCOVERY_CACHE_SECONDS)
    users = User.objects.in_bulk([user_id for user_id, _, _ in cached])
    return [
        Suggestion(user=users[user_id], reason=reason, mutual=mutual)
        for user_id, reason, mutual in cached
        if user_id in users
    ]


def _suggestions(viewer: User, limit: int) -> list[tuple[int, str, int]]:
    sources = (
        Follow.objects.filter(follower=viewer)
        .order_by("-created_at")
        .values("followee_id")[:SUGGESTION_SOURCES]
    )
    candidates = User.objects.exclude(_not_candidates(viewer))
    friends_of_friends = (
        Follow.objects.filter(follower_id__in=sources, followee__in=candidates)
        .order_by()
        .values("followee_id")
        .annotate(mutual=Count("pk"))
        .order_by("-mutual", "followee_id")[:limit]
    )
    counts = {row["followee_id"]: row["mutual"] for row in friends_of_friends}
    reasons = _reasons(sources, counts) if counts else {}
    chosen = [(user_id, reasons[user_id], counts[user_id]) for user_id in counts]
    if len(chosen) < limit:
        popular = (
            candidates.exclude(pk__in=list(counts))
            .order_by("-followers_count", "pk")
            .values_list("pk", "followers_count")[: limit - len(chosen)]
        )
        chosen += [(pk, _popular_reason(followers), 0) for pk, followers in popular]
    return chosen


def _popular_reason(followers: int) -> str:
    return "popular" if followers < 2 else f"popular: {followers:,} followers"


# --- Search ---------------------------------------------------------------------------------


def search(*, viewer: Viewer, query: str) -> SearchResults:
    """Users (social's ranked search, which uses the trigram indexes on PostgreSQL) and
    hashtags matching `query`, best match first."""
    from social.selectors import user_search

    query = query.strip()[:SEARCH_QUERY_MAX_LENGTH]
    if not query:
        return SearchResults()
    hashtags = [] if query.startswith("@") else hashtag_search(query=query)
    users = (
        []
        if query.startswith("#")
        else list(user_search(viewer=viewer, query=query)[:SEARCH_LIMIT])
    )
    return SearchResults(users=users, hashtags=hashtags)
