"""Notifications: kinds, who is (never) notified, grouping, mark read, the API and page."""

from collections.abc import Callable

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.models import User
from posts import services as post_services
from posts.models import Post
from social import selectors, services
from social.context_processors import nav_counts
from social.models import Notification
from tests.factories import (
    CommentFactory,
    PostFactory,
    UserFactory,
    block,
    follow,
    make_private,
    request_follow,
)
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db


def kinds_for(user: User) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(recipient=user).order_by("created_at", "pk")
    return [(row.kind, row.actor.username) for row in rows]


@pytest.fixture
def alice_post(alice: User) -> Post:
    return PostFactory(author=alice, caption="Tea party")


def test_every_kind_is_notified(alice: User, bob: User, charlie: User, alice_post: Post) -> None:
    follow(bob, alice)
    post_services.like_create(user=bob, post=alice_post)
    comment = CommentFactory(post=alice_post, author=bob, text="Lovely!")
    PostFactory(author=charlie, caption="With @alice today")
    make_private(alice)
    request_follow(charlie, alice)
    assert kinds_for(alice) == [
        ("follow", "bob"),
        ("like", "bob"),
        ("comment", "bob"),
        ("mention", "charlie"),
        ("follow_request", "charlie"),
    ]
    row = Notification.objects.get(kind="comment")
    assert (row.post_id, row.comment_id) == (alice_post.pk, comment.pk)
    assert row.snapshot["comment_text"] == "Lovely!"
    assert row.snapshot["thumb"]["files"]


def test_nobody_is_notified_of_their_own_actions(alice: User, alice_post: Post) -> None:
    post_services.like_create(user=alice, post=alice_post)
    CommentFactory(post=alice_post, author=alice)
    PostFactory(author=alice, caption="me, @alice")
    assert not Notification.objects.exists()
    assert services.notification_create(recipient_id=alice.pk, actor=alice, kind="like") is None


def test_a_like_notifies_once_even_after_unlike_and_like_again(
    alice: User, bob: User, alice_post: Post
) -> None:
    for _ in range(3):
        post_services.like_create(user=bob, post=alice_post)
        post_services.like_delete(user=bob, post=alice_post)
    post_services.like_create(user=bob, post=alice_post)
    assert kinds_for(alice) == [("like", "bob")]


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_nobody_is_notified_across_a_block(alice: User, bob: User, blocker: str) -> None:
    block(*((alice, bob) if blocker == "alice" else (bob, alice)))
    result = services.notification_create(recipient_id=alice.pk, actor=bob, kind="follow")
    assert result is None
    PostFactory(author=bob, caption="hi @alice")
    assert not Notification.objects.exists()


def test_blocking_deletes_notifications_between_the_two(
    alice: User, bob: User, alice_post: Post
) -> None:
    post_services.like_create(user=bob, post=alice_post)
    block(alice, bob)
    assert not Notification.objects.exists()


def test_a_mention_in_a_post_the_mentioned_cannot_see_notifies_nobody(
    alice: User, bob: User
) -> None:
    make_private(bob)
    PostFactory(author=bob, caption="Secret with @alice")
    assert not Notification.objects.exists()


def test_deleting_a_comment_or_post_deletes_its_notifications(
    alice: User, bob: User, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=bob)
    post_services.like_create(user=bob, post=alice_post)
    post_services.comment_delete(comment=comment, actor=bob)
    assert kinds_for(alice) == [("like", "bob")]
    post_services.post_delete(post=alice_post, actor=alice)
    assert not Notification.objects.exists()


def test_withdrawing_a_request_deletes_its_notification(alice: User, bob: User) -> None:
    make_private(alice)
    request_follow(bob, alice)
    services.follow_delete(follower=bob, followee=alice)
    assert not Notification.objects.exists()


def test_likes_are_grouped_per_post(alice: User, alice_post: Post) -> None:
    likers = [UserFactory(username=f"fan{n}") for n in range(4)]
    for liker in likers:
        post_services.like_create(user=liker, post=alice_post)
    other_post = PostFactory(author=alice)
    post_services.like_create(user=likers[0], post=other_post)
    follow(likers[1], alice)

    rows = list(selectors.notification_list_for(user=alice))

    summary = [(row.kind, row.actor.username, row.others_count) for row in rows]
    assert summary == [("follow", "fan1", 0), ("like", "fan0", 0), ("like", "fan3", 3)]


def test_notifications_api_shape_and_grouping(
    alice_api: APIClient, alice: User, alice_post: Post
) -> None:
    for n in range(3):
        post_services.like_create(user=UserFactory(username=f"fan{n}"), post=alice_post)
    comment = CommentFactory(post=alice_post, author=UserFactory(username="critic"), text="Hm")
    body = alice_api.get("/api/v1/notifications/").json()
    assert set(body) == {"next", "previous", "results", "unread_count"}
    assert body["unread_count"] == 4
    newest, likes = body["results"]
    assert set(newest) == {
        "id", "kind", "actor", "post", "comment", "created_at", "read", "others_count"
    }  # fmt: skip
    assert newest["kind"] == "comment"
    assert newest["comment"] == {"id": comment.pk, "text": "Hm"}
    assert newest["post"]["id"] == alice_post.pk
    assert newest["post"]["thumb"]
    assert (likes["kind"], likes["actor"]["username"], likes["others_count"]) == ("like", "fan2", 2)
    assert likes["comment"] is None


def test_follow_notifications_have_no_post(alice_api: APIClient, alice: User, bob: User) -> None:
    follow(bob, alice)
    [row] = alice_api.get("/api/v1/notifications/").json()["results"]
    assert (row["kind"], row["post"], row["comment"], row["read"]) == ("follow", None, None, False)


def test_notifications_list_in_constant_queries(alice_api: APIClient, alice: User) -> None:
    post = PostFactory(author=alice)
    follow(UserFactory(), alice)

    def grow() -> None:
        for _ in range(3):
            fan = UserFactory()
            follow(fan, alice)
            post_services.like_create(user=fan, post=post)
            CommentFactory(post=post, author=fan)

    def view() -> None:
        assert alice_api.get("/api/v1/notifications/").status_code == 200

    assert_constant_queries(view, grow, at_most=3)


def test_mark_some_read_then_all(alice_api: APIClient, alice: User, alice_post: Post) -> None:
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        post_services.like_create(user=fan, post=alice_post)
    follow(fans[0], alice)
    rows = alice_api.get("/api/v1/notifications/").json()["results"]
    grouped_like = next(row for row in rows if row["kind"] == "like")

    response = alice_api.post("/api/v1/notifications/read/", {"ids": [grouped_like["id"]]})

    assert response.status_code == 204
    assert alice_api.get("/api/v1/notifications/").json()["unread_count"] == 1
    assert alice_api.post("/api/v1/notifications/read/", {}).status_code == 204
    assert alice_api.get("/api/v1/notifications/").json()["unread_count"] == 0


def test_nobody_marks_someone_elses_notifications(
    api_client_for: Callable, alice: User, bob: User
) -> None:
    follow(bob, alice)
    notification = Notification.objects.get()
    assert api_client_for(bob).post("/api/v1/notifications/read/", {"ids": [notification.pk]})
    notification.refresh_from_db()
    assert notification.read is False


@pytest.mark.parametrize(
    "ids",
    [
        list(range(1, 1001)),
        list(range(1, 502)),
        ["1"],
        [1.5],
        [True],
        ["x"],
        [None],
        [2**63],
        [-1],
        "1,2",
        {"a": 1},
    ],
    ids=lambda ids: repr(ids)[:20],
)
def test_bad_ids_are_400_and_change_nothing(
    alice_api: APIClient, alice: User, bob: User, ids: object
) -> None:
    follow(bob, alice)
    response = alice_api.post("/api/v1/notifications/read/", {"ids": ids}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()
    assert Notification.objects.get().read is False


def test_500_ids_are_fine(alice_api: APIClient, alice: User) -> None:
    response = alice_api.post("/api/v1/notifications/read/", {"ids": list(range(1, 501))})
    assert response.status_code == 204


def test_the_service_refuses_too_many_ids(alice: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.notification_mark_read(user=alice, ids=list(range(1000)))


def test_notifications_need_an_account(api_client: APIClient, db: None) -> None:
    assert api_client.get("/api/v1/notifications/").status_code == 401
    assert api_client.post("/api/v1/notifications/read/").status_code == 401


# --- Pages --------------------------------------------------------------------------------


def test_notifications_page_groups_and_marks_all_read(
    alice_client: Client, alice: User, alice_post: Post
) -> None:
    for n in range(4):
        post_services.like_create(user=UserFactory(username=f"fan{n}"), post=alice_post)
    html = alice_client.get("/notifications/").content.decode()
    assert "fan3</a> and 3 others" in html
    assert 'data-testid="unread-badge"' in html

    response = alice_client.post("/notifications/read/")

    assert response.status_code == 302
    assert selectors.notification_unread_count(user=alice) == 0
    assert 'data-testid="unread-badge"' not in alice_client.get("/notifications/").content.decode()


def test_notifications_page_in_constant_queries(alice_client: Client, alice: User) -> None:
    post = PostFactory(author=alice)

    def grow() -> None:
        for _ in range(3):
            fan = UserFactory()
            follow(fan, alice)
            CommentFactory(post=post, author=fan)

    def view() -> None:
        assert alice_client.get("/notifications/").status_code == 200

    assert_constant_queries(view, grow, at_most=6)


def test_the_nav_badge_comes_with_the_user_and_costs_nothing_when_anonymous(
    alice_client: Client, alice: User, bob: User
) -> None:
    PostFactory(author=alice)
    without_badge = count_queries(lambda: alice_client.get("/saved/"))
    follow(bob, alice)
    html = alice_client.get("/saved/").content.decode()
    assert 'data-testid="unread-badge"' in html
    assert count_queries(lambda: alice_client.get("/saved/")) == without_badge

    counts = nav_counts(RequestFactory().get("/"))  # anonymous: no request.user
    assert counts == {}
    request = RequestFactory().get("/")
    request.user = alice
    lazy = nav_counts(request)["nav_counts"]
    assert count_queries(lambda: (lazy.unread_notifications, lazy.follow_requests)) == 1
    assert (lazy.unread_notifications, lazy.follow_requests) == (1, 0)
