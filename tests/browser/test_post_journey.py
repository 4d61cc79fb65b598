"""Alice shares a carousel of two photos, then likes, comments on and saves it."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.conftest import image_bytes
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE = (1200, 900)
PORTRAIT = (900, 1200)


def jpeg_payload(name: str, size: tuple[int, int]) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", size)}


def main_navigation(page: Page, viewport: str) -> Locator:
    """The sidebar on a desktop, the bottom bar on a phone: each is hidden on the other."""
    name = "Main (phone)" if viewport == "phone" else "Main"
    return page.get_by_role("navigation", name=name, exact=True)


def expect_loaded(image: Locator) -> None:
    """The <img> has really loaded a picture (decode() rejects on a broken image)."""
    expect(image).to_be_visible()
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_alice_shares_two_photos_then_likes_comments_and_saves_the_post(
    new_page: Callable[[str], Page],
    log_in_as: Callable[[Page, object], None],
    viewport: str,
) -> None:
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    page = new_page(viewport)
    log_in_as(page, alice)
    nav = main_navigation(page, viewport)

    # Create: pick two photos, describe them, put the second one first, write a caption.
    page.goto("/")
    nav.get_by_role("link", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    page.get_by_label("Photos (1-10)").set_input_files(
        [jpeg_payload("stripes.jpg", LANDSCAPE), jpeg_payload("tower.jpg", PORTRAIT)]
    )
    photos = page.get_by_test_id("photo-list").get_by_role("listitem")
    expect(photos).to_have_count(2)
    # Previews are decorative (alt=""), so they have no img role: find them as elements.
    previews = photos.locator("img")
    expect(previews).to_have_count(2)
    for preview in previews.all():
        expect_loaded(preview)
    page.get_by_label("Alt text for photo 1").fill("Orange and blue stripes")
    page.get_by_label("Alt text for photo 2").fill("A tall striped tower")
    photos.nth(1).get_by_role("button", name="Move up").click()
    expect(page.get_by_label("Alt text for photo 1")).to_have_value("A tall striped tower")
    expect(page.get_by_label("Alt text for photo 2")).to_have_value("Orange and blue stripes")
    page.get_by_label("Caption").fill("Stripes at the #Seaside with @bob")
    page.get_by_role("button", name="Share").click()

    # The post page: both photos in the chosen order, loaded; a linked tag and mention.
    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    post_url = page.url
    post_path = re.sub(r"^https?://[^/]+", "", post_url)
    carousel = page.get_by_test_id("carousel")
    slides = carousel.get_by_role("img")
    expect(slides).to_have_count(2)
    expect(slides.nth(0)).to_have_attribute("alt", "A tall striped tower")
    expect(slides.nth(0)).to_have_attribute("width", str(PORTRAIT[0]))
    expect(slides.nth(1)).to_have_attribute("alt", "Orange and blue stripes")
    expect(slides.nth(1)).to_have_attribute("width", str(LANDSCAPE[0]))
    expect_loaded(slides.nth(0))
    page.get_by_role("link", name="Photo 2", exact=True).click()
    expect(slides.nth(1)).to_be_in_viewport()
    expect_loaded(slides.nth(1))
    caption = page.get_by_test_id("caption")
    expect(caption.get_by_role("link", name="#Seaside")).to_have_attribute("href", "/tags/seaside/")
    expect(caption.get_by_role("link", name="@bob")).to_have_attribute("href", "/bob/")

    # Like, comment and save, all without leaving or reloading the page.
    url_before = page.url
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.journeyMarker = 'still the same document'")
    actions = page.get_by_test_id("post-actions")
    actions.get_by_role("button", name="Like").click()
    expect(actions.get_by_role("button", name="Unlike")).to_have_attribute("aria-pressed", "true")
    expect(actions).to_contain_text("1 like")

    page.get_by_label("Add a comment").fill("Those colours!")
    page.get_by_role("button", name="Post", exact=True).click()
    comments = page.get_by_test_id("comments").get_by_test_id("comment")
    expect(comments).to_have_count(1)
    expect(comments).to_contain_text("Those colours!")
    expect(page.get_by_text("1 comment", exact=True)).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_have_value("")

    page.get_by_test_id("save-button").click()
    expect(page.get_by_test_id("save-button")).to_have_text("Saved")
    expect(actions).to_contain_text("1 like")
    assert page.url == url_before
    assert navigations == []
    assert page.evaluate("window.journeyMarker") == "still the same document"

    # The post is among her saved posts and on her profile.
    nav.get_by_role("link", name="Saved", exact=True).click()
    expect(page).to_have_url(re.compile(r"/saved/$"))
    saved = page.get_by_test_id("post-grid").locator(f'a[href="{post_path}"]')
    expect(saved).to_have_count(1)
    expect_loaded(saved.get_by_role("img"))

    nav.get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(r"/alice/$"))
    on_profile = page.get_by_test_id("post-grid").locator(f'a[href="{post_path}"]')
    expect(on_profile).to_have_count(1)
    expect_loaded(on_profile.get_by_role("img"))
    on_profile.click()
    expect(page).to_have_url(post_url)
    expect(page.get_by_test_id("post-actions")).to_contain_text("1 like")
