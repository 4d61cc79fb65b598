"""Reads of posts that pages and the API render, and the one visibility rule.

Every read of a post, and every action on one (like, comment, save), starts from
`visible_posts(viewer)`: an invisible post answers exactly like a missing one (404).
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.fields import BooleanField
from django.http import Http404

from accounts.models import User
from posts.models import Comment, Like, Post, PostHashtag, Save

Viewer = User | AnonymousUser | None


def _authenticated(viewer: Viewer) -> User | None:
    return viewer if viewer is not None and viewer.is_authenticated else None  # type: ignore[return-value]


def visible_posts(viewer: Viewer) -> QuerySet[Post]:
    """Posts `viewer` (a user, or anonymous) may see: THE visibility rule.

    Today: the author's account is active, and it is public or the viewer's own. The
    social graph extends this one function (followers of a private account may see its
    posts; blocked users see each other's posts as missing), and every read and action
    follows. Bare filter, no joins selected and no annotations, so services can lock
    rows through it with `select_for_update(of=("self",))`.
    """
    posts = Post.objects.filter(author__is_active=True)
    user = _authenticated(viewer)
    if user is None:
        return posts.filter(author__is_private=False)
    return posts.filter(Q(author__is_private=False) | Q(author=user))


def _with_display_data(posts: QuerySet[Post], viewer: Viewer) -> QuerySet[Post]:
    """Everything a rendered post needs, in a fixed number of queries per page: the
    author joined, media and hashtags prefetched, the viewer's liked/saved flags."""
    user = _authenticated(viewer)
    if user is None:
        flags = {
            "viewer_liked": Value(False, output_field=BooleanField()),
            "viewer_saved": Value(False, output_field=BooleanField()),
        }
    else:
        flags = {
            "viewer_liked": Exists(Like.objects.filter(post=OuterRef("pk"), user=user)),
            "viewer_saved": Exists(Save.objects.filter(post=OuterRef("pk"), user=user)),
        }
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
        .annotate(**flags)
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


def like_list_for_post(*, post: Post) -> QuerySet[Like]:
    """Likes of a (visible) post with their users, newest first (paginate by -created_at).
    All of them, so the list agrees with `likes_count`."""
    return Like.objects.filter(post=post).select_related("user").order_by("-created_at", "-pk")


def comment_list_for_post(*, post: Post) -> QuerySet[Comment]:
    """Comments of a (visible) post, oldest first (paginate by created_at)."""
    return Comment.objects.filter(post=post).select_related("author").order_by("created_at", "pk")


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
