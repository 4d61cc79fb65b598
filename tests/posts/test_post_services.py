"""posts.services: invariants, counters, caption entities and the events they send."""

from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from posts import services, signals
from posts.models import Comment, Hashtag, Like, Mention, Post, PostHashtag, Save
from tests.factories import PostFactory, UserFactory, small_image_file


@pytest.fixture
def sent() -> Iterator[list[tuple[str, dict]]]:
    """(signal name, kwargs) of every posts signal sent during the test."""
    log: list[tuple[str, dict]] = []
    names = {
        getattr(signals, name): name
        for name in (
            "post_created",
            "post_deleted",
            "post_counts_changed",
            "post_liked",
            "comment_created",
            "comment_deleted",
            "users_mentioned",
        )
    }

    def receiver(sender: object, signal: object, **kwargs: object) -> None:
        log.append((names[signal], kwargs))

    for signal in names:
        signal.connect(receiver, weak=False)
    yield log
    for signal in names:
        signal.disconnect(receiver)


def test_post_create_counts_and_tags(alice: User, bob: User) -> None:
    post = services.post_create(
        author=alice,
        images=[small_image_file(), small_image_file()],
        caption="#Sea and #sea and #SKY @bob @nobody @alice",
        alt_texts=["a", "b"],
    )

    alice.refresh_from_db()
    assert alice.posts_count == 1
    assert list(post.media.values_list("position", "alt_text")) == [(0, "a"), (1, "b")]
    assert list(
        PostHashtag.objects.filter(post=post).order_by("pk").values_list("hashtag__name", flat=True)
    ) == ["sea", "sky"]
    assert set(Mention.objects.filter(post=post).values_list("user__username", flat=True)) == {
        "bob",
        "alice",
    }


def test_mentioned_users_are_announced_once_after_commit(
    alice: User, bob: User, charlie: User, sent: list, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = PostFactory(author=alice, caption="with @bob and @alice")
        assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    mentioned = [kwargs for name, kwargs in sent if name == "users_mentioned"]
    assert [[u.username for u in m["users"]] for m in mentioned] == [["bob"]]

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(post=post, editor=alice, caption="still @bob, now @charlie too")
    mentioned = [kwargs for name, kwargs in sent if name == "users_mentioned"]
    assert [[u.username for u in m["users"]] for m in mentioned] == [["charlie"]]


def test_editing_the_caption_replaces_tags_and_mentions(alice: User, bob: User) -> None:
    post = PostFactory(author=alice, caption="#one @bob")

    services.post_update(post=post, editor=alice, caption="#two")

    assert list(post.hashtags.values_list("name", flat=True)) == ["two"]
    assert not Mention.objects.filter(post=post).exists()
    assert Hashtag.objects.filter(name="one").exists()


def test_only_the_author_may_edit(alice: User, bob: User) -> None:
    post = PostFactory(author=alice, caption="mine")

    with pytest.raises(PermissionDenied):
        services.post_update(post=post, editor=bob, caption="yours")
    with pytest.raises(PermissionDenied):
        services.post_delete(post=post, actor=bob)

    post.refresh_from_db()
    assert post.caption == "mine"


def test_the_database_refuses_a_second_like_or_save(alice: User, bob: User) -> None:
    post = PostFactory(author=alice)
    Like.objects.create(user=bob, post=post)
    Save.objects.create(user=bob, post=post)

    with pytest.raises(IntegrityError), transaction.atomic():
        Like.objects.create(user=bob, post=post)
    with pytest.raises(IntegrityError), transaction.atomic():
        Save.objects.create(user=bob, post=post)


def test_the_database_refuses_an_empty_comment(alice: User) -> None:
    post = PostFactory(author=alice)

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(post=post, author=alice, text="")


def test_comment_validation(alice: User) -> None:
    post = PostFactory(author=alice)

    with pytest.raises(ValidationError):
        services.comment_create(author=alice, post=post, text="   ")


def test_like_and_comment_events(
    alice: User, bob: User, sent: list, django_capture_on_commit_callbacks: Callable
) -> None:
    post = PostFactory(author=alice, caption="")
    with django_capture_on_commit_callbacks(execute=True):
        services.like_create(user=bob, post=post)
        comment = services.comment_create(author=bob, post=post, text="nice")
        services.comment_delete(comment=comment, actor=alice)
        services.like_delete(user=bob, post=post)

    assert [name for name, _ in sent] == [
        "post_counts_changed",
        "post_liked",
        "post_counts_changed",
        "comment_created",
        "post_counts_changed",
        "comment_deleted",
        "post_counts_changed",
    ]
    counts = [
        (k["likes_count"], k["comments_count"]) for n, k in sent if n == "post_counts_changed"
    ]
    assert counts == [(1, 0), (1, 1), (1, 0), (0, 0)]


def test_a_failing_receiver_does_not_undo_the_write(
    alice: User, bob: User, django_capture_on_commit_callbacks: Callable
) -> None:
    post = PostFactory(author=alice)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("notifications are down")

    signals.post_liked.connect(broken, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            state = services.like_create(user=bob, post=post)
    finally:
        signals.post_liked.disconnect(broken)

    assert state == services.LikeState(liked=True, likes_count=1)
    assert Like.objects.filter(post=post, user=bob).exists()


def test_deleting_a_post_deletes_its_rows(alice: User, bob: User) -> None:
    post = PostFactory(author=alice, caption="#gone @bob")
    services.like_create(user=bob, post=post)
    services.save_create(user=bob, post=post)
    services.comment_create(author=bob, post=post, text="hi")

    services.post_delete(post=post, actor=alice)

    assert not Post.objects.exists()
    for model in (Like, Save, Comment, PostHashtag, Mention):
        assert not model.objects.exists(), model
    assert User.objects.get(pk=alice.pk).posts_count == 0


def test_posts_count_follows_creates_and_deletes(alice: User) -> None:
    posts = [PostFactory(author=alice) for _ in range(3)]
    services.post_delete(post=posts[0], actor=alice)

    assert User.objects.get(pk=alice.pk).posts_count == 2


def test_factories_make_users_for_posts(db: None) -> None:
    post = PostFactory(photos=2)

    assert post.media.count() == 2
    assert UserFactory._meta.model.objects.get(pk=post.author_id).posts_count == 1
