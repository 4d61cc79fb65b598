"""posts.moderation: permissions, repeats, and the reach of a hidden post or a suspended
account into discovery and lists (the admin flow itself is in test_moderation_admin)."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django import Settings

from accounts.models import User
from posts import moderation
from posts import services as post_services
from posts.models import Like, ModerationAction, Post
from tests.conftest import bearer_client
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db: None) -> User:
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture(autouse=True)
def _no_discovery_cache(settings: Settings) -> None:
    settings.DISCOVERY_CACHE_SECONDS = 0


def test_every_action_needs_a_staff_account_with_its_permission(
    alice_post: Post, bob: User
) -> None:
    staff_without_role = UserFactory(username="intern", is_staff=True)
    comment = CommentFactory(post=alice_post, author=bob)
    filed = moderation.report_create(
        reporter=bob, target_type="post", target_id=alice_post.pk, reason="Spam"
    ).report

    for user in (bob, staff_without_role):
        with pytest.raises(PermissionDenied):
            moderation.post_hide(moderator=user, post=alice_post)
        with pytest.raises(PermissionDenied):
            moderation.comment_remove(moderator=user, comment=comment)
        with pytest.raises(PermissionDenied):
            moderation.user_suspend(moderator=user, user=alice_post.author)
        with pytest.raises(PermissionDenied):
            moderation.report_dismiss(moderator=user, report=filed)

    assert Post.objects.get(pk=alice_post.pk).hidden_at is None
    assert not ModerationAction.objects.exists()


def test_moderators_may_not_delete_posts_but_admins_may(moderator: User, alice_post: Post) -> None:
    boss = UserFactory(username="boss", is_staff=True)
    boss.groups.add(Group.objects.get(name="Admins"))

    with pytest.raises(PermissionDenied):
        moderation.post_remove(moderator=moderator, post=alice_post)
    moderation.post_remove(moderator=User.objects.get(pk=boss.pk), post=alice_post)

    assert not Post.objects.filter(pk=alice_post.pk).exists()
    assert ModerationAction.objects.get().action == "delete_post"


def test_a_report_acted_on_must_be_about_the_target(
    moderator: User, alice_post: Post, bob: User, charlie: User
) -> None:
    other = PostFactory(author=charlie)
    filed = moderation.report_create(
        reporter=bob, target_type="post", target_id=other.pk, reason="Spam"
    ).report

    with pytest.raises(ValidationError):
        moderation.post_hide(moderator=moderator, post=alice_post, report=filed)
    with pytest.raises(ValidationError):
        moderation.user_suspend(moderator=moderator, user=alice_post.author, report=filed)


def test_a_note_is_kept_in_the_log_and_a_too_long_one_refused(
    moderator: User, alice_post: Post
) -> None:
    with pytest.raises(ValidationError):
        moderation.post_hide(moderator=moderator, post=alice_post, note="x" * 1001)

    row = moderation.post_hide(moderator=moderator, post=alice_post, note=" Scam link ")

    assert row is not None
    assert row.note == "Scam link"


def test_deleting_a_comment_already_gone_only_resolves_its_reports(
    moderator: User, alice_post: Post, bob: User, charlie: User
) -> None:
    comment = CommentFactory(post=alice_post, author=charlie)
    filed = moderation.report_create(
        reporter=bob, target_type="comment", target_id=comment.pk, reason="Spam"
    ).report
    bearer_client(charlie).delete(f"/api/v1/comments/{comment.pk}/")

    row = moderation.comment_remove(moderator=moderator, comment=comment, report=filed)

    filed.refresh_from_db()
    assert filed.status == "actioned"
    assert row is not None
    assert row.reports_resolved == 1
    alice_post.refresh_from_db()
    assert alice_post.comments_count == 0


# --- Reach --------------------------------------------------------------------------------


def test_a_hidden_post_leaves_explore_and_trending_tags(
    moderator: User, alice: User, bob: User
) -> None:
    post = PostFactory(author=alice, caption="Miracle cure #detox")
    bob_api = bearer_client(bob)
    assert [p["id"] for p in bob_api.get("/api/v1/explore/").json()["results"]] == [post.pk]
    trending = bob_api.get("/api/v1/tags/trending/").json()["results"]
    assert [tag["name"] for tag in trending] == ["detox"]

    moderation.post_hide(moderator=moderator, post=post)

    assert bob_api.get("/api/v1/explore/").json()["results"] == []
    assert bob_api.get("/api/v1/tags/trending/").json()["results"] == []


def test_a_suspended_accounts_likes_leave_the_likers_list(
    moderator: User, alice_post: Post, bob: User, charlie: User
) -> None:
    Like.objects.create(post=alice_post, user=bob)
    Like.objects.create(post=alice_post, user=charlie)
    alice_api = bearer_client(alice_post.author)

    moderation.user_suspend(moderator=moderator, user=charlie)

    likers = alice_api.get(f"/api/v1/posts/{alice_post.pk}/likes/").json()["results"]
    assert [user["username"] for user in likers] == ["bob"]


def test_suspending_twice_logs_once(moderator: User, charlie: User) -> None:
    assert moderation.user_suspend(moderator=moderator, user=charlie) is not None
    assert moderation.user_suspend(moderator=moderator, user=charlie) is None
    assert ModerationAction.objects.count() == 1


def test_a_hidden_post_leaves_the_thumbnails_of_notifications_but_its_authors(
    moderator: User, bob: User
) -> None:
    author = UserFactory(username="author")
    post = PostFactory(author=author, caption="With @bob today")
    post_services.like_create(user=bob, post=post)

    def thumb_seen_by(user: User) -> str | None:
        answer = bearer_client(user).get("/api/v1/notifications/")
        assert answer.status_code == 200
        (notification,) = answer.json()["results"]
        return notification["post"]["thumb"]

    assert thumb_seen_by(bob)  # mentioned
    assert thumb_seen_by(author)  # liked

    moderation.post_hide(moderator=moderator, post=post)
    assert thumb_seen_by(bob) is None
    assert thumb_seen_by(author)  # the author still sees their hidden post

    moderation.post_unhide(moderator=moderator, post=post)
    restored, authors = thumb_seen_by(bob), thumb_seen_by(author)
    # The same picture: on S3 each answer signs its URL anew, with its own timestamp.
    assert restored is not None
    assert urlsplit(restored).path == urlsplit(authors).path
