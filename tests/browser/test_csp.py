"""The Content-Security-Policy breaks nothing: every main page, with its scripts, htmx, the
live socket, photo previews, placeholders, Swagger UI and the admin, in a real Chromium that
enforces the policy, without a single violation."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import ConsoleMessage, FilePayload, Page, expect

from accounts.models import User
from tests.conftest import image_bytes
from tests.factories import DEFAULT_PASSWORD, CommentFactory, PostFactory, UserFactory, follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports each violation as a `securitypolicyviolation` event and a console error;
# this records the events of every page (init scripts are not subject to the page's policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations() -> list[str]:
    return []


@pytest.fixture
def watched_page(
    new_page: Callable[[str], Page], violations: list[str]
) -> Iterator[Callable[[], Page]]:
    """Opens desktop pages that record every policy violation; the test fails on any."""

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            violations.append(f"{message.page.url if message.page else '?'}: {text}")

    def open_page() -> Page:
        page = new_page("desktop")
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", on_console)
        return page

    yield open_page
    assert violations == []


@pytest.fixture
def alice_and_friends(settings: object) -> User:
    """alice follows bob, who posted a two-photo carousel mentioning her; she commented."""
    # The feed's fan-out runs here, not on a worker that this suite does not start.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    follow(alice, bob)
    post = PostFactory(author=bob, photos=2, caption="Two sunsets #beach for @alice")
    CommentFactory(post=post, author=alice, text="Gorgeous")
    return alice


def test_signed_in_pages_run_without_policy_violations(
    watched_page: Callable[[], Page],
    log_in_as: Callable[[Page, object], None],
    alice_and_friends: User,
    violations: list[str],
) -> None:
    page = watched_page()
    log_in_as(page, alice_and_friends)

    # Home feed: htmx, the live socket (connect-src), photo placeholders painted by app.js.
    page.goto("/")
    card = page.get_by_test_id("feed-post").first
    expect(card).to_be_visible()
    expect(page.locator("html[data-live='on']")).to_have_count(1)
    photo = card.locator("img[data-placeholder-colour]").first
    expect(photo).to_be_visible()
    colour = photo.evaluate("img => img.style.backgroundColor")
    assert colour.startswith("rgb"), colour

    # The post page: the carousel, and a comment posted through htmx (the form empties
    # itself through data-reset-on-success, no inline handler).
    page.goto(card.locator("a[href^='/p/']").first.get_attribute("href"))
    expect(page.get_by_test_id("carousel").locator("img")).to_have_count(2)
    comment_box = page.get_by_label("Add a comment")
    comment_box.fill("Posted under a strict policy")
    comment_box.press("Enter")
    expect(page.get_by_test_id("comments")).to_contain_text("Posted under a strict policy")
    expect(comment_box).to_have_value("")

    # Profile: the avatar's size comes from classes, not a style attribute.
    page.goto("/alice/")
    initial = page.locator("span.size-36").first
    expect(initial).to_be_visible()
    box = initial.bounding_box()
    assert box is not None
    assert round(box["width"]) == 144

    # Explore, notifications, saved, search, settings.
    for path in ["/explore/", "/notifications/", "/saved/", "/search/?q=bo", "/accounts/edit/"]:
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path

    assert violations == []


def test_create_page_previews_picked_photos_under_the_policy(
    watched_page: Callable[[], Page],
    log_in_as: Callable[[Page, object], None],
    violations: list[str],
) -> None:
    page = watched_page()
    log_in_as(page, UserFactory(username="alice"))

    page.goto("/p/new/")
    photo: FilePayload = {
        "name": "stripes.jpg",
        "mimeType": "image/jpeg",
        "buffer": image_bytes("JPEG", (600, 400)),
    }
    page.get_by_label("Photos (1-10)").set_input_files([photo])

    preview = page.get_by_test_id("photo-list").locator("img")
    expect(preview).to_have_count(1)
    assert preview.get_attribute("src").startswith("blob:")
    assert preview.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert violations == []


def test_api_docs_and_admin_run_without_policy_violations(
    watched_page: Callable[[], Page], violations: list[str]
) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page = watched_page()

    # Swagger UI: its bundle, its start-up script from ?script, the schema fetched.
    page.goto("/api/docs/")
    expect(page.get_by_text("Instaclone API").first).to_be_visible()
    operation = page.locator(".opblock").first
    expect(operation).to_be_visible()
    # Open an operation and run it: Swagger UI's own rendering and its fetch (connect-src).
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table")).to_be_visible()

    # The admin: its login form, then its index and a change list.
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()

    assert violations == []


def test_anonymous_pages_run_without_policy_violations(
    watched_page: Callable[[], Page], violations: list[str]
) -> None:
    PostFactory(author=UserFactory(username="bob"))
    page = watched_page()

    for path in ["/accounts/login/", "/accounts/signup/", "/bob/", "/no/such/page/"]:
        page.goto(path)
        expect(page.locator("body")).to_be_visible()

    assert violations == []
