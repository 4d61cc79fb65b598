"""Reads of the social graph and notifications, and the people half of the visibility rule.

Who may see whom: an active account, with no block between it and the viewer in either
direction. A private account's posts, followers and following are for the account
itself and its approved followers; its header (name, avatar, bio, counts) is for anyone
not blocked. posts.selectors.visible_posts builds the posts half from the expressions
here (`block_between`, `follows`), so the rule is written once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts import selectors as account_selectors
from accounts.models import User, user_fields
from instaclone import compiled
from social.models import Block, Follow, FollowRequest, Notification

Viewer = User | AnonymousUser | None

NO_SUCH_USER = "No such user."


def authenticated(viewer: Viewer) -> User | None:
    return viewer if viewer is not None and viewer.is_authenticated else None  # type: ignore[return-value]


# --- Expressions other selectors filter with ----------------------------------------------


def block_between(viewer: User, user_ref: str = "pk") -> Exists:
    """True where `viewer` blocked the user at OuterRef(`user_ref`), or was blocked by them."""
    other = OuterRef(user_ref)
    return Exists(
        Block.objects.filter(Q(blocker=viewer, blocked=other) | Q(blocker=other, blocked=viewer))
    )


def follows(viewer: User, user_ref: str = "pk") -> Exists:
    """True where `viewer` follows (is an approved follower of) the user at OuterRef."""
    return Exists(Follow.objects.filter(follower=viewer, followee=OuterRef(user_ref)))


def users_visible_to(viewer: Viewer, users: QuerySet[User] | None = None) -> QuerySet[User]:
    """`users` (default: all) that are active and not blocked either way with `viewer`."""
    users = (users if users is not None else User.objects.all()).filter(is_active=True)
    user = authenticated(viewer)
    return users if user is None else users.filter(~block_between(user))


def blocked_either_way(*, user_a: User, user_b: User) -> bool:
    return Block.objects.filter(
        Q(blocker=user_a, blocked=user_b) | Q(blocker=user_b, blocked=user_a)
    ).exists()


# --- People --------------------------------------------------------------------------------


def _false() -> Value:
    return Value(False, output_field=BooleanField())


def _with_relationship(users: QuerySet[User], viewer: User | None) -> QuerySet[User]:
    """Annotate the viewer's relationship to each user: is_following, follows_you,
    follow_requested, viewer_blocks."""
    if viewer is None:
        return users.annotate(
            is_following=_false(),
            follows_you=_false(),
            follow_requested=_false(),
            viewer_blocks=_false(),
        )
    return users.annotate(
        is_following=follows(viewer),
        follows_you=Exists(Follow.objects.filter(follower=OuterRef("pk"), followee=viewer)),
        follow_requested=Exists(
            FollowRequest.objects.filter(requester=viewer, target=OuterRef("pk"))
        ),
        viewer_blocks=Exists(Block.objects.filter(blocker=viewer, blocked=OuterRef("pk"))),
    )


def user_get_visible(*, viewer: Viewer, username: str) -> User:
    """The active user with this username (any case) whom `viewer` may see, annotated with
    the viewer's relationship (see `_with_relationship`); Http404 when missing, inactive,
    or when either of them blocked the other. One query."""
    user = (
        _with_relationship(users_visible_to(viewer), authenticated(viewer))
        .filter(username__iexact=username)
        .first()
    )
    if user is None:
        raise Http404(NO_SUCH_USER)
    return user


def profile_get(*, viewer: Viewer, username: str) -> User:
    """Like `user_get_visible`, except that a user the viewer blocked is returned (with
    `viewer_blocks` true) so the profile page can offer to unblock. One query."""
    user = authenticated(viewer)
    users = User.objects.filter(is_active=True, username__iexact=username)
    if user is not None:
        users = users.filter(~Exists(Block.objects.filter(blocker=OuterRef("pk"), blocked=user)))
    found = _with_relationship(users, user).first()
    if found is None:
        raise Http404(NO_SUCH_USER)
    return found


def user_get_active(*, username: str) -> User:
    """Any active user by name, blocks ignored: the target of block and unblock."""
    return account_selectors.user_get(username=username)


def can_see_connections(*, viewer: Viewer, user: User) -> bool:
    """May `viewer` see `user`'s posts, followers and following? `user` must come from
    `user_get_visible` / `profile_get` (relationship annotated, blocks already ruled out)."""
    viewer_user = authenticated(viewer)
    if getattr(user, "viewer_blocks", False):
        return False
    if not user.is_private:
        return True
    if viewer_user is None:
        return False
    return viewer_user.pk == user.pk or bool(getattr(user, "is_following", False))


def _people_rows(rows: QuerySet, viewer: Viewer, person: str) -> QuerySet:
    """Rows (follows, requests, likes...) whose `person` is active and not blocked either
    way with the viewer, the person joined and annotated with the viewer's relationship."""
    user = authenticated(viewer)
    rows = rows.filter(**{f"{person}__is_active": True}).select_related(person)
    if user is None:
        return rows
    ref = f"{person}_id"
    return rows.filter(~block_between(user, ref)).annotate(
        person_followed=follows(user, ref),
        person_requested=Exists(FollowRequest.objects.filter(requester=user, target=OuterRef(ref))),
    )


def follower_list(*, viewer: Viewer, user: User) -> QuerySet[Follow]:
    """Follows of `user` (each row's `follower` is the person), newest first (paginate by
    -created_at, -pk); empty when `viewer` may not see `user`'s connections."""
    if not can_see_connections(viewer=viewer, user=user):
        return Follow.objects.none()
    rows = Follow.objects.filter(followee=user)
    return _people_rows(rows, viewer, "follower").order_by("-created_at", "-pk")


def following_list(*, viewer: Viewer, user: User) -> QuerySet[Follow]:
    """Follows by `user` (each row's `followee` is the person), newest first."""
    if not can_see_connections(viewer=viewer, user=user):
        return Follow.objects.none()
    rows = Follow.objects.filter(follower=user)
    return _people_rows(rows, viewer, "followee").order_by("-created_at", "-pk")


def follow_request_list_for(*, user: User) -> QuerySet[FollowRequest]:
    """Pending requests to follow `user`, newest first (paginate by -created_at, -pk)."""
    rows = FollowRequest.objects.filter(target=user, requester__is_active=True)
    return rows.select_related("requester").order_by("-created_at", "-pk")


def user_search(*, viewer: Viewer, query: str) -> QuerySet[User]:
    """accounts' ranked search, without users blocked either way with the viewer."""
    return users_visible_to(viewer, account_selectors.user_search(query=query))


# --- Notifications ------------------------------------------------------------------------


def _visible_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, actor__is_active=True)


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    """`user`'s notifications, newest first (paginate by -created_at, -pk), likes grouped
    per post: only the newest like of a post is listed, annotated with `others_count`,
    the number of other likes ("alice and 3 others liked your post"). Others are 0.
    A fixed number of queries: the grouping is two correlated subqueries."""
    same_post_likes = _visible_notifications(user).filter(
        kind=Notification.Kind.LIKE, post_id=OuterRef("post_id")
    )
    newer_like = same_post_likes.filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    others = (
        same_post_likes.exclude(pk=OuterRef("pk"))
        .order_by()
        .values("post_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        _visible_notifications(user)
        .filter(~Q(kind=Notification.Kind.LIKE) | ~Exists(newer_like))
        .annotate(
            others_count=Coalesce(
                Subquery(others, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def notification_unread_count(*, user: User) -> int:
    return _visible_notifications(user).filter(read=False).count()


@dataclass(frozen=True)
class NavCounts:
    unread_notifications: int
    follow_requests: int


def nav_count_annotations(user: User | OuterRef) -> dict[str, Coalesce]:
    """`unread` and `requests`, the navigation's badges of `user` (an account, or a
    reference to one in an outer query) as annotations."""
    unread = (
        _visible_notifications(user)  # type: ignore[arg-type]
        .filter(read=False)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    requests = (
        follow_request_list_for(user=user)  # type: ignore[arg-type]
        .order_by()
        .values("target")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return {
        "unread": Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
        "requests": Coalesce(Subquery(requests, output_field=IntegerField()), Value(0)),
    }


def _nav_count_row(user: User, ids: list[int]) -> QuerySet:
    return (
        User.objects.filter(pk=user.pk)
        .annotate(**nav_count_annotations(user))
        .values_list("unread", "requests")
    )


def nav_counts(*, user: User) -> NavCounts:
    """The navigation's badges: those read with the user (`user_with_nav_counts`), else
    in one query (compiled once, see instaclone.compiled)."""
    counts = getattr(user, "prefetched_nav_counts", None)
    if counts is not None:
        return counts
    rows = compiled.rows("social.nav_counts", _nav_count_row, viewer=user, ids=[])
    unread, requests = rows[0] if rows else (0, 0)
    return NavCounts(unread_notifications=unread, follow_requests=requests)


def _user_with_nav_count_row(user: User, ids: list[int]) -> QuerySet:
    return _nav_count_row(user, ids).values_list(*user_fields(), "unread", "requests")


def user_from_nav_row(values: Sequence[Any]) -> User:
    """An account with its badges (`prefetched_nav_counts`) from a row of its columns
    (accounts.models.user_fields) followed by `unread` and `requests`."""
    *columns, unread, requests = values
    user = User.from_db(DEFAULT_DB_ALIAS, user_fields(), columns)
    user.prefetched_nav_counts = NavCounts(unread_notifications=unread, follow_requests=requests)
    return user


def user_with_nav_counts(*, user_id: int) -> User | None:
    """The account `user_id` (None if there is none) with its navigation badges
    (`prefetched_nav_counts`), in one statement: what a signed-in page reads first.
    The counts are as of this read; every action that changes them answers with a
    redirect or a fragment without the navigation, so a page never shows them stale."""
    stand_in = User(pk=user_id)
    rows = compiled.rows(
        "social.user_with_nav_counts", _user_with_nav_count_row, viewer=stand_in, ids=[]
    )
    return user_from_nav_row(rows[0]) if rows else None
