"""Reads of posts that pages and the API render, and the one visibility rule.

Every read of a post, and every action on one (like, comment, save), starts from
`visible_posts(viewer)`: an invisible post answers exactly like a missing one (404).
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.fields import BooleanField
from django.http import Http404

from accounts.models import User
from posts.models import Comment, Like, Mention, Post, PostHashtag, Save
from social.models import Follow
from social.selectors import block_between

Viewer = User | AnonymousUser | None


def _authenticated(viewer: Viewer) -> User | None:
    return viewer if viewer is not None and viewer.is_authenticated else None  # type: ignore[return-value]


def visible_posts(viewer: Viewer) -> QuerySet[Post]:
    """Posts `viewer` (a user, or anonymous) may see: THE visibility rule.

    The author's account is active, and the post is the viewer's own, or there is no
    block between author and viewer in either direction and the author is public or the
    viewer is their approved follower (social.selectors writes the block and follow
    expressions), and the post is not hidden by moderation (staff still see hidden posts
    they could otherwise see). Every read and action follows. Bare filter, no joins
    selected and no annotations, so services can lock rows through it with
    `select_for_update(of=("self",))`.
    """
    posts = Post.objects.filter(author__is_active=True)
    user = _authenticated(viewer)
    if user is None:
        return posts.filter(author__is_private=False, hidden_at__isnull=True)
    others = ~block_between(user, "author_id") & (
        Q(author__is_private=False) | _follows_private_author(user)
    )
    if not user.is_staff:
        others &= Q(hidden_at__isnull=True)
    return posts.filter(Q(author=user) | others)


def _follows_private_author(user: User) -> Exists:
    """`user` follows the post's author, asked only of private authors. The author's
    privacy is repeated inside the EXISTS on purpose: it keeps PostgreSQL probing the follow
    index once per such post. Without it, the generic plan of a prepared statement hashes
    all of the viewer's follows instead, which for someone following 5,000 accounts read
    5,000 rows for every page (three times the page's other work)."""
    followed = Follow.objects.filter(follower=user, followee=OuterRef("author_id"))
    return Exists(
        followed.filter(ExpressionWrapper(OuterRef("author__is_private"), BooleanField()))
    )


def viewer_flags(viewer: Viewer) -> dict[str, Exists | Value]:
    """Annotations `viewer_liked` and `viewer_saved` for a queryset of posts: one EXISTS
    each per row, so a page of posts knows the viewer's own likes and saves in its query."""
    user = _authenticated(viewer)
    if user is None:
        no = Value(False, output_field=BooleanField())
        return {"viewer_liked": no, "viewer_saved": no}
    return {
        "viewer_liked": Exists(Like.objects.filter(post=OuterRef("pk"), user=user)),
        "viewer_saved": Exists(Save.objects.filter(post=OuterRef("pk"), user=user)),
    }


def _with_display_data(posts: QuerySet[Post], viewer: Viewer) -> QuerySet[Post]:
    """Everything a rendered post needs, in a fixed number of queries per page: the
    author joined, media and hashtags prefetched, the viewer's liked/saved flags."""
    return (
        posts.select_related("author")
        .prefetch_related(
            "media",
            Prefetch(
                "post_hashtags",
                # In caption order: rows are written in the order tags appear.
                queryset=PostHashtag.objects.select_related("hashtag").order_by("pk"),
            ),
        )
        .annotate(**viewer_flags(viewer))
    )


def post_get(*, viewer: Viewer, post_id: int) -> Post:
    """The post with display data, or Http404 if it is missing or not visible."""
    post = _with_display_data(visible_posts(viewer), viewer).filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def post_get_visible(*, viewer: Viewer, post_id: int) -> Post:
    """The bare post (no display data), or Http404 if it is missing or not visible."""
    post = visible_posts(viewer).filter(pk=post_id).first()
    if post is None:
        raise Http404("No such post.")
    return post


def post_list_for_author(*, viewer: Viewer, author: User) -> QuerySet[Post]:
    """`author`'s posts that `viewer` may see, newest first (paginate by -created_at)."""
    return _with_display_data(visible_posts(viewer).filter(author=author), viewer).order_by(
        "-created_at", "-pk"
    )


def post_list_saved_by(*, viewer: User) -> QuerySet[Post]:
    """Posts `viewer` saved and may still see, annotated with `saved_at`; newest save
    first (paginate by -saved_at)."""
    saved = visible_posts(viewer).filter(saves__user=viewer)
    # The annotation reuses the join of the filter above: one row per save of viewer's.
    return (
        _with_display_data(saved, viewer)
        .annotate(saved_at=F("saves__created_at"))
        .order_by("-saved_at", "-pk")
    )


def _people_visible_to(viewer: Viewer, person: str) -> Q:
    """Rows whose `person` is active (a suspended account's likes and comments vanish
    with it) and not blocked either way with the viewer (blocked users' likes and
    comments are not shown to each other)."""
    active = Q(**{f"{person}__is_active": True})
    user = _authenticated(viewer)
    if user is None:
        return active
    return active & ~block_between(user, f"{person}_id")


def like_list_for_post(*, post: Post, viewer: Viewer = None) -> QuerySet[Like]:
    """Likes of a (visible) post with their users, newest first (paginate by -created_at).
    All of them but those of suspended users and of users blocked either way with
    `viewer`, so the list agrees with `likes_count` otherwise."""
    return (
        Like.objects.filter(post=post)
        .filter(_people_visible_to(viewer, "user"))
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def comment_list_for_post(*, post: Post, viewer: Viewer = None) -> QuerySet[Comment]:
    """Comments of a (visible) post, oldest first (paginate by created_at), without those
    of suspended users and of users blocked either way with `viewer`."""
    return (
        Comment.objects.filter(post=post)
        .filter(_people_visible_to(viewer, "author"))
        .select_related("author")
        .order_by("created_at", "pk")
    )


def comment_get(*, viewer: Viewer, comment_id: int) -> Comment:
    """A comment on a post `viewer` may see, with its post, or Http404."""
    comment = (
        Comment.objects.filter(pk=comment_id, post__in=visible_posts(viewer))
        .select_related("post", "author")
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    return comment


def comment_get_shown(*, viewer: Viewer, comment_id: int) -> Comment:
    """A comment `viewer` is shown (see `comment_list_for_post`) on a post they may see,
    with its post and author, or Http404."""
    comment = (
        Comment.objects.filter(pk=comment_id, post__in=visible_posts(viewer))
        .filter(_people_visible_to(viewer, "author"))
        .select_related("post", "author")
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    return comment


def mentioned_usernames(*, post: Post) -> frozenset[str]:
    """Lower-case usernames stored as mentioned in the post (those the caption may link)."""
    names = Mention.objects.filter(post=post).values_list("user__username", flat=True)
    return frozenset(name.lower() for name in names)
