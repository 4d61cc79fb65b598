"""A newcomer's first visit: sign up, fill in the profile, log out and back in."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "velvet-otter-lantern-42"
PHONE_WIDTH = 390


def small_jpeg(path: Path) -> Path:
    image = Image.new("RGB", (320, 240), (200, 120, 40))
    for x in range(0, 320, 40):
        image.paste((30, 90, 200), (x, 0, x + 20, 240))
    image.save(path, "JPEG", quality=85)
    return path


def main_navigation(page: Page, viewport: str) -> Locator:
    """The sidebar on a desktop, the bottom bar on a phone: each is hidden on the other."""
    name = "Main (phone)" if viewport == "phone" else "Main"
    return page.get_by_role("navigation", name=name, exact=True)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_newcomer_signs_up_edits_profile_and_logs_out(
    new_page: Callable[[str], Page], viewport: str, tmp_path: Path
) -> None:
    page = new_page(viewport)
    username = f"nina_{viewport}"
    email = f"{username}@example.com"

    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/accounts/edit/$"))
    expect(page.get_by_role("status")).to_have_text(f"Welcome to Instaclone, {username}!")
    page.get_by_label("Name", exact=True).fill("Nina Newcomer")
    page.get_by_label("Bio", exact=True).fill("Film photos of\nrainy streets.")
    page.get_by_label("Website", exact=True).fill("https://nina.example.com")
    page.get_by_label("Profile photo").set_input_files(small_jpeg(tmp_path / "me.jpg"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Profile saved.")

    main_navigation(page, viewport).get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(rf"/{username}/$"))
    expect(page.get_by_test_id("profile-username")).to_have_text(username)
    expect(page.get_by_test_id("profile-name")).to_have_text("Nina Newcomer")
    expect(page.get_by_test_id("profile-bio")).to_have_text("Film photos of\nrainy streets.")
    expect(page.get_by_role("link", name="nina.example.com")).to_be_visible()
    avatar = page.get_by_role("main").get_by_role("img", name=f"{username}'s profile picture")
    expect(avatar).to_be_visible()
    # decode() rejects if the image cannot be fetched or decoded.
    natural_width = avatar.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert natural_width > 0
    page.screenshot(path=tmp_path / f"profile-{viewport}.png", full_page=True)

    if viewport == "phone":
        # The bottom bar has no room for it: logging out lives on the Settings page.
        main_navigation(page, viewport).get_by_role("link", name="Settings").click()
        expect(page).to_have_url(re.compile(r"/accounts/edit/$"))
        page.get_by_role("main").get_by_role("button", name="Log out").click()
    else:
        main_navigation(page, viewport).get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("navigation")).to_have_count(0)

    page.get_by_label("Username or email", exact=True).fill(email.upper())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina Newcomer")


def test_wrong_password_shows_error_on_a_phone_then_right_one_logs_in(page_phone: Page) -> None:
    UserFactory(username="alice", full_name="Alice Liddell")
    page = page_phone

    page.goto("/accounts/login/")
    page.get_by_label("Username or email", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("not-her-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_have_text(
        "Sorry, that username, email or password is incorrect."
    )
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("Username or email", exact=True)).to_have_value("alice")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert page.viewport_size == {"width": PHONE_WIDTH, "height": 844}
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Alice Liddell")
