"""How profile pictures look: a round photo, or the initial on a grey disc."""

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from accounts import services
from tests.conftest import image_bytes
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRANSPARENT = "rgba(0, 0, 0, 0)"


def test_avatars_are_round_photos_or_initials_on_a_disc(
    page_desktop: Page, log_in_as: Callable[[Page, object], None]
) -> None:
    alice = UserFactory(username="alice")
    services.user_set_avatar(
        user=alice, upload=SimpleUploadedFile("alice.jpg", image_bytes(), "image/jpeg")
    )
    UserFactory(username="bob")
    page = page_desktop
    log_in_as(page, alice)

    page.goto("/alice/")
    photo = page.get_by_role("main").get_by_role("img", name="alice's profile picture")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert photo.evaluate("img => getComputedStyle(img).borderRadius") != "0px"

    page.goto("/bob/")
    initial = page.get_by_role("main").locator("header span[aria-hidden='true']")
    expect(initial).to_have_text("B")
    style = initial.evaluate(
        "e => [getComputedStyle(e).borderRadius, getComputedStyle(e).backgroundColor]"
    )
    assert style[0] != "0px"
    assert style[1] != TRANSPARENT
