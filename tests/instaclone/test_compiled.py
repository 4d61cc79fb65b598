"""instaclone.compiled: a statement compiled once for placeholder values answers, for every
viewer and set of ids, exactly what the ORM answers for that queryset built anew."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from instaclone import compiled
from posts.models import Comment, Post
from posts.selectors import viewer_flags, visible_posts
from tests.factories import CommentFactory, PostFactory, UserFactory, block, follow, make_private

pytestmark = pytest.mark.django_db


def visible_with_flags(viewer, ids: list[int]) -> QuerySet:
    return (
        visible_posts(viewer)
        .filter(pk__in=ids)
        .annotate(**viewer_flags(viewer))
        .order_by("pk")
        .values_list("pk", "author__username", "created_at", "viewer_liked", "viewer_saved")
    )


def latest_comment_per_post(viewer, ids: list[int]) -> QuerySet:
    # A window filter: Django wraps the statement in a subquery of its own.
    newest = Window(RowNumber(), partition_by=F("post_id"), order_by=F("created_at").desc())
    return (
        Comment.objects.filter(post_id__in=ids, post__in=visible_posts(viewer))
        .annotate(rank=newest)
        .filter(rank=1)
        .order_by("post_id")
        .values_list("post_id", "text", "created_at", "author__username")
    )


@pytest.fixture
def world() -> dict:
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    make_private(carol)
    follow(bob, carol)
    block(alice, bob)
    staff = UserFactory(username="staff", is_staff=True)
    posts = [PostFactory(author=author) for author in (alice, bob, carol, alice)]
    for post in posts:
        CommentFactory(post=post, author=post.author)
        if post.author == alice:
            CommentFactory(post=post, author=carol)
    return {"viewers": [None, AnonymousUser(), alice, bob, carol, staff], "posts": posts}


@pytest.mark.parametrize("build", [visible_with_flags, latest_comment_per_post])
def test_compiled_rows_match_the_orm_for_every_viewer_and_id_set(
    world: dict, build: Callable
) -> None:
    ids = [post.pk for post in world["posts"]]
    for viewer in world["viewers"]:
        for subset in (ids, ids[:2], ids[2:3], [ids[3], ids[0]]):
            expected = [list(row) for row in build(viewer, subset)]

            got = compiled.rows(build.__name__, build, viewer=viewer, ids=subset)

            assert got == expected, (viewer, subset)


def test_a_viewer_the_orm_inlines_is_refused() -> None:
    def inlined(viewer: User, ids: list[int]) -> QuerySet:
        # The viewer's id as part of a string: not a bound parameter the statement can take.
        return Post.objects.filter(caption=f"by {viewer.pk}").values_list("pk")

    with pytest.raises(ValueError, match="placeholder"):
        compiled.rows("inlined", inlined, viewer=UserFactory(), ids=[])
