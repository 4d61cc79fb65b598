"""The report-to-action flow in the Django admin, through the test client.

A staff moderator logs in to /admin/, sees the report queue with the reported content,
runs each action from the changelist, and the effect is checked where users meet it:
the API, the pages, the feed, logging in. Every action leaves an audit log row.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Comment, ModerationAction, Post, Report
from tests.conftest import bearer_client
from tests.factories import DEFAULT_PASSWORD, CommentFactory, PostFactory, UserFactory, follow
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

QUEUE = "/admin/posts/report/"
POSTS = "/admin/posts/post/"
ACCOUNTS = "/admin/accounts/user/"
AUDIT_LOG = "/admin/posts/moderationaction/"


@pytest.fixture(autouse=True)
def _feed_fans_out_at_once(settings: Settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True


def staff(username: str, *groups: str) -> User:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def admin_login(username: str) -> Client:
    """A browser session logged in through the admin's own login form."""
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def superuser_login() -> Client:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    return admin_login("root")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_login(client: Client, username: str) -> HttpResponse:
    return client.post("/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD})


def token_login(username: str) -> Response:
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": DEFAULT_PASSWORD}
    )


@pytest.fixture
def moderator(db: None) -> User:
    return staff("mod", "Moderators")


@pytest.fixture
def mod_client(moderator: User) -> Client:
    return admin_login("mod")


def run_action(client: Client, changelist: str, action: str, *objects: object):
    return client.post(
        changelist, {"action": action, "_selected_action": [obj.pk for obj in objects]}
    )


def report(reporter: User, target_type: str, target_id: object, reason: str = "Spam") -> Report:
    response = bearer_client(reporter).post(
        "/api/v1/reports/",
        {"target_type": target_type, "target_id": target_id, "reason": reason},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Report.objects.get(pk=response.json()["id"])


@pytest.fixture
def followed_post(
    alice: User, bob: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> Iterator[Post]:
    """alice's public post with a hashtag, in bob's home feed (bob follows her)."""
    follow(bob, alice)
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory(author=alice, caption="Cheap pills at #pharmacy")
    return post


def feed_ids(user: User) -> list[int]:
    return [post["id"] for post in bearer_client(user).get("/api/v1/feed/").json()["results"]]


def assert_logged(
    action: str, *, moderator: User, target: tuple[str, int], report: Report | None = None
) -> ModerationAction:
    row = ModerationAction.objects.get(action=action)
    assert (row.moderator, row.moderator_username) == (moderator, moderator.username)
    assert (row.target_type, row.target_id) == target
    assert row.report == report
    assert timezone.now() - row.created_at < timedelta(minutes=1)
    return row


# --- The queue ----------------------------------------------------------------------------


def test_the_queue_lists_open_reports_first_with_the_reported_content(
    mod_client: Client, alice_post: Post, alice: User, bob: User, charlie: User
) -> None:
    comment = CommentFactory(post=alice_post, author=charlie, text="Nobody likes you")
    on_post = report(bob, "post", alice_post.pk, "Copied from my account")
    on_comment = report(alice, "comment", comment.pk, "Bullying")
    on_user = report(bob, "user", "charlie", "Harasses people")
    closed = report(charlie, "user", "bob", "Old complaint")
    Report.objects.filter(pk=closed.pk).update(status="dismissed", resolved_at=timezone.now())
    newest = report(alice, "user", "bob", "Newest")

    response = mod_client.get(QUEUE)

    assert response.status_code == 200
    listed = [row.pk for row in response.context["cl"].result_list]
    assert listed == [newest.pk, on_user.pk, on_comment.pk, on_post.pk, closed.pk]
    html = response.content.decode()
    assert "Sunset at the #Beach" in html  # the caption
    assert "thumb.webp" in html  # its photo
    assert "Nobody likes you" in html  # the comment's text
    assert 'href="/charlie/"' in html  # the reported account's profile
    assert "Copied from my account" in html  # the reason


def test_the_queue_filters_by_status_and_type(
    mod_client: Client, alice_post: Post, bob: User, charlie: User
) -> None:
    report(bob, "post", alice_post.pk)
    report(bob, "user", "charlie")

    users = mod_client.get(QUEUE, {"target_type": "user", "status": "open"})

    assert users.context["cl"].result_count == 1


def test_a_report_page_shows_the_content_in_full_and_what_was_done(
    mod_client: Client, moderator: User, alice_post: Post, bob: User
) -> None:
    filed = report(bob, "post", alice_post.pk)
    run_action(mod_client, QUEUE, "hide_posts", filed)

    response = mod_client.get(f"{QUEUE}{filed.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sunset at the #Beach with @bob" in html
    assert "Hide post" in html  # the audit row of the action, inline
    assert 'name="_save"' not in html  # read-only


def test_the_queue_runs_a_constant_number_of_queries(
    mod_client: Client, bob: User, charlie: User
) -> None:
    def grow() -> None:
        for author in UserFactory.create_batch(3):
            post = PostFactory(author=author, photos=2)
            comment = CommentFactory(post=post, author=author)
            report(bob, "post", post.pk)
            report(bob, "comment", comment.pk)
            report(charlie, "user", author.username)

    grow()
    assert_constant_queries(lambda: mod_client.get(QUEUE), grow, at_most=10)


def test_deleted_content_stays_in_the_queue_as_it_was_reported(
    mod_client: Client, alice_client: Client, alice_post: Post, bob: User
) -> None:
    filed = report(bob, "post", alice_post.pk)
    alice_client.post(f"/p/{alice_post.pk}/delete/")

    html = mod_client.get(QUEUE).content.decode()

    filed.refresh_from_db()
    assert filed.post is None
    assert "Deleted post" in html
    assert "Sunset at the #Beach" in html


# --- Hide post ----------------------------------------------------------------------------


def test_hiding_a_reported_post_hides_it_from_everyone_but_author_and_staff(
    mod_client: Client,
    moderator: User,
    followed_post: Post,
    alice: User,
    bob: User,
    charlie: User,
    client: Client,
) -> None:
    post = followed_post
    first = report(bob, "post", post.pk, "Spam")
    second = report(charlie, "post", post.pk, "Scam")
    bob_client = logged_in(bob)
    assert post.pk in feed_ids(bob)
    assert f"/p/{post.pk}/" in bob_client.get("/alice/").content.decode()

    response = run_action(mod_client, QUEUE, "hide_posts", first)

    assert response.status_code == 302
    bob_api = bearer_client(bob)
    assert bob_api.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert APIClient().get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert bob_client.get(f"/p/{post.pk}/").status_code == 404
    assert client.get(f"/p/{post.pk}/").status_code == 404
    assert post.pk not in feed_ids(bob)
    assert f"/p/{post.pk}/" not in bob_client.get("/alice/").content.decode()
    assert bob_api.get("/api/v1/users/alice/posts/").json()["results"] == []
    assert bob_api.get("/api/v1/tags/pharmacy/posts/").json()["results"] == []
    assert post.pk not in [p["id"] for p in bob_api.get("/api/v1/explore/").json()["results"]]
    assert bob_api.post(f"/api/v1/posts/{post.pk}/like/").status_code == 404
    # Its author and staff still see it, marked as hidden.
    own = logged_in(alice).get(f"/p/{post.pk}/")
    assert own.status_code == 200
    assert 'data-testid="hidden-notice"' in own.content.decode()
    assert mod_client.get(f"/p/{post.pk}/").status_code == 200
    # Both reports on it are resolved by the one action, which is logged.
    for filed in (first, second):
        filed.refresh_from_db()
        assert (filed.status, filed.resolved_by) == ("actioned", moderator)
        assert filed.resolved_at is not None
    row = assert_logged("hide_post", moderator=moderator, target=("post", post.pk), report=first)
    assert (row.target_user, row.reports_resolved) == (alice, 2)


def test_posts_are_hidden_and_shown_again_from_the_post_admin(
    mod_client: Client, moderator: User, followed_post: Post, bob: User
) -> None:
    hidden = run_action(mod_client, POSTS, "hide_posts", followed_post)
    assert hidden.status_code == 302
    assert followed_post.pk not in feed_ids(bob)
    listed = mod_client.get(POSTS, {"hidden_at__isnull": "False"})
    assert [row.pk for row in listed.context["cl"].result_list] == [followed_post.pk]

    shown = run_action(mod_client, POSTS, "unhide_posts", followed_post)

    assert shown.status_code == 302
    assert followed_post.pk in feed_ids(bob)
    assert bearer_client(bob).get(f"/api/v1/posts/{followed_post.pk}/").status_code == 200
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide_post",
        "unhide_post",
    ]


def test_hiding_twice_changes_and_logs_nothing_more(
    mod_client: Client, followed_post: Post
) -> None:
    run_action(mod_client, POSTS, "hide_posts", followed_post)
    hidden_at = Post.objects.get(pk=followed_post.pk).hidden_at

    run_action(mod_client, POSTS, "hide_posts", followed_post)

    assert Post.objects.get(pk=followed_post.pk).hidden_at == hidden_at
    assert ModerationAction.objects.count() == 1


# --- Delete comment -----------------------------------------------------------------------


def test_deleting_a_reported_comment_keeps_the_count_right_and_is_logged(
    mod_client: Client, moderator: User, alice_post: Post, bob: User, charlie: User
) -> None:
    kept = CommentFactory(post=alice_post, author=bob, text="Lovely")
    comment = CommentFactory(post=alice_post, author=charlie, text="Buy followers")
    filed = report(bob, "comment", comment.pk)

    response = run_action(mod_client, QUEUE, "delete_comments", filed)

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    listed = bearer_client(bob).get(f"/api/v1/posts/{alice_post.pk}/comments/").json()
    assert [c["id"] for c in listed["results"]] == [kept.pk]
    post = bearer_client(bob).get(f"/api/v1/posts/{alice_post.pk}/").json()
    assert post["comments_count"] == 1
    filed.refresh_from_db()
    assert (filed.status, filed.comment, filed.content) == ("actioned", None, "Buy followers")
    row = assert_logged(
        "delete_comment", moderator=moderator, target=("comment", comment.pk), report=filed
    )
    assert row.target_user == charlie


# --- Suspend account ----------------------------------------------------------------------


def test_suspending_an_account_locks_it_out_and_its_content_disappears(
    mod_client: Client,
    moderator: User,
    followed_post: Post,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    charlie_post = PostFactory(author=charlie, caption="Charlie's spam")
    comment = CommentFactory(post=followed_post, author=charlie, text="Visit my spam site")
    tokens = token_login("charlie")
    assert tokens.status_code == 200
    access, refresh = tokens.json()["access"], tokens.json()["refresh"]
    charlie_browser = Client()
    page_login(charlie_browser, "charlie")
    assert charlie_browser.get("/").status_code == 200
    bob_client = logged_in(bob)
    assert "Visit my spam site" in bob_client.get("/").content.decode()
    # Reported twice: the comment (by bob) and the account (by alice).
    on_comment = report(bob, "comment", comment.pk)
    on_account = report(alice, "user", "charlie")

    response = run_action(mod_client, QUEUE, "suspend_accounts", on_comment)

    assert response.status_code == 302
    charlie.refresh_from_db()
    assert not charlie.is_active
    # Locked out everywhere: the page login, the API login, the JWT and refresh token
    # already issued, the open browser session.
    charlie_api = APIClient()
    charlie_api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert charlie_api.get("/api/v1/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}).status_code == 401
    assert token_login("charlie").status_code == 401
    assert page_login(Client(), "charlie").status_code == 400
    assert charlie_browser.get("/").status_code == 302
    # Their content is gone for everyone else.
    bob_api = bearer_client(bob)
    assert bob_api.get(f"/api/v1/posts/{charlie_post.pk}/").status_code == 404
    assert bob_api.get("/api/v1/users/charlie/").status_code == 404
    assert bob_client.get("/charlie/").status_code == 404
    comments = bob_api.get(f"/api/v1/posts/{followed_post.pk}/comments/").json()["results"]
    assert comments == []
    assert "Visit my spam site" not in bob_client.get(f"/p/{followed_post.pk}/").content.decode()
    assert "Visit my spam site" not in bob_client.get("/").content.decode()
    # Every open report about them is resolved, and the suspension is logged.
    for filed in (on_comment, on_account):
        filed.refresh_from_db()
        assert (filed.status, filed.resolved_by) == ("actioned", moderator)
    row = assert_logged(
        "suspend_user", moderator=moderator, target=("user", charlie.pk), report=on_comment
    )
    assert row.reports_resolved == 2


def test_an_unsuspended_account_logs_in_again_but_old_sessions_stay_ended(
    mod_client: Client, moderator: User, charlie: User
) -> None:
    old_browser = Client()
    page_login(old_browser, "charlie")
    old_refresh = token_login("charlie").json()["refresh"]
    run_action(mod_client, ACCOUNTS, "suspend_accounts", charlie)

    response = run_action(mod_client, ACCOUNTS, "unsuspend_accounts", charlie)

    assert response.status_code == 302
    charlie.refresh_from_db()
    assert charlie.is_active
    assert old_browser.get("/").status_code == 302
    assert (
        APIClient().post("/api/v1/auth/token/refresh/", {"refresh": old_refresh}).status_code == 401
    )
    assert token_login("charlie").status_code == 200
    assert [row.action for row in ModerationAction.objects.order_by("pk")] == [
        "suspend_user",
        "unsuspend_user",
    ]


def test_a_moderator_cannot_suspend_themselves_or_other_staff(
    mod_client: Client, moderator: User
) -> None:
    colleague = staff("colleague", "Moderators")

    own = run_action(mod_client, ACCOUNTS, "suspend_accounts", moderator)
    other = run_action(mod_client, ACCOUNTS, "suspend_accounts", colleague)

    assert own.status_code == 302
    assert other.status_code == 403
    moderator.refresh_from_db()
    colleague.refresh_from_db()
    assert moderator.is_active
    assert colleague.is_active
    assert not ModerationAction.objects.exists()


def test_suspension_is_not_edited_in_the_user_form_but_through_the_logged_actions(
    db: None, charlie: User
) -> None:
    root = superuser_login()

    form = root.get(f"{ACCOUNTS}{charlie.pk}/change/")

    assert form.status_code == 200
    assert 'name="is_active"' not in form.content.decode()


# --- Dismiss ------------------------------------------------------------------------------


def test_dismissing_closes_every_open_report_on_the_target_and_changes_nothing_else(
    mod_client: Client, moderator: User, alice_post: Post, bob: User, charlie: User
) -> None:
    first = report(bob, "post", alice_post.pk)
    second = report(charlie, "post", alice_post.pk)
    other = report(bob, "user", "alice")

    response = run_action(mod_client, QUEUE, "dismiss_reports", first)

    assert response.status_code == 302
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "dismissed", second.pk: "dismissed", other.pk: "open"}
    assert bearer_client(bob).get(f"/api/v1/posts/{alice_post.pk}/").status_code == 200
    row = assert_logged(
        "dismiss_report", moderator=moderator, target=("post", alice_post.pk), report=first
    )
    assert row.reports_resolved == 2


# --- Roles and permissions ----------------------------------------------------------------


def test_staff_without_a_role_cannot_open_the_queue(db: None) -> None:
    staff("intern")
    intern = admin_login("intern")

    assert intern.get(QUEUE).status_code == 403
    assert intern.get(AUDIT_LOG).status_code == 403


def test_moderators_view_accounts_but_cannot_edit_or_delete_them(
    mod_client: Client, charlie: User
) -> None:
    change_url = f"{ACCOUNTS}{charlie.pk}/change/"

    assert mod_client.get(ACCOUNTS).status_code == 200
    assert mod_client.get(change_url).status_code == 200
    assert mod_client.post(change_url, {"username": "renamed"}).status_code == 403
    assert mod_client.get(f"{ACCOUNTS}{charlie.pk}/delete/").status_code == 403
    assert mod_client.post(f"{ACCOUNTS}{charlie.pk}/delete/").status_code == 403
    assert mod_client.get(f"{ACCOUNTS}add/").status_code == 403
    assert mod_client.get("/admin/auth/group/").status_code == 403
    charlie.refresh_from_db()
    assert charlie.username == "charlie"


def test_moderators_hide_posts_but_cannot_delete_them(mod_client: Client, alice_post: Post) -> None:
    changelist = mod_client.get(POSTS)
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]

    assert "hide_posts" in actions
    assert "delete_selected" not in actions
    assert mod_client.get(f"{POSTS}{alice_post.pk}/delete/").status_code == 403
    assert Post.objects.filter(pk=alice_post.pk).exists()


def test_the_admins_role_may_edit_and_delete_accounts(db: None, charlie: User) -> None:
    staff("boss", "Admins")
    boss = admin_login("boss")

    assert boss.get(f"{ACCOUNTS}{charlie.pk}/delete/").status_code == 200
    assert boss.get(POSTS).status_code == 200


def test_the_audit_log_is_read_only_even_for_superusers(
    mod_client: Client, followed_post: Post
) -> None:
    run_action(mod_client, POSTS, "hide_posts", followed_post)
    row = ModerationAction.objects.get()
    root = superuser_login()

    assert mod_client.get(AUDIT_LOG).status_code == 200
    assert root.get(f"{AUDIT_LOG}{row.pk}/change/").status_code == 200
    assert root.post(f"{AUDIT_LOG}{row.pk}/change/", {"note": "edited"}).status_code == 403
    assert root.get(f"{AUDIT_LOG}{row.pk}/delete/").status_code == 403
    assert root.get(f"{AUDIT_LOG}add/").status_code == 403
    row.refresh_from_db()
    assert row.note == ""


def test_the_audit_log_runs_a_constant_number_of_queries(mod_client: Client, alice: User) -> None:
    def grow() -> None:
        for _ in range(3):
            post = PostFactory(author=alice)
            filed = report(UserFactory(), "post", post.pk)
            run_action(mod_client, QUEUE, "hide_posts", filed)

    grow()
    assert_constant_queries(lambda: mod_client.get(AUDIT_LOG), grow, at_most=9)


def test_a_staff_jwt_does_not_open_the_admin(db: None) -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    api = bearer_client(root)
    assert api.get("/api/v1/me/").status_code == 200  # the token itself is good

    for path in ("/admin/", QUEUE):
        response = api.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_suspended_moderator_is_out_of_the_admin(
    db: None, mod_client: Client, moderator: User
) -> None:
    run_action(superuser_login(), ACCOUNTS, "suspend_accounts", moderator)

    assert mod_client.get(QUEUE).status_code == 302
    refused = Client().post("/admin/login/", {"username": "mod", "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200  # the form again, with its error
    assert refused.context["form"].errors
    assert not refused.wsgi_request.user.is_authenticated
