"""Live updates in two real browsers: bob watches his post while alice likes and comments,
then bob deletes her comment from its live copy and alice sees it go."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PostFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bob_sees_alices_like_and_comment_without_reloading(
    new_page: Callable[[str], Page], log_in_as: Callable[[Page, Any], None]
) -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    post = PostFactory(author=bob, caption="Sunset")
    bob_page, alice_page = new_page("desktop"), new_page("phone")
    log_in_as(bob_page, bob)
    log_in_as(alice_page, alice)

    bob_page.goto(f"/p/{post.pk}/")
    expect(bob_page.locator("html")).to_have_attribute("data-live", "on")
    likes = bob_page.locator(f'[data-likes-count="{post.pk}"]')
    comments = bob_page.locator(f'[data-comments-count="{post.pk}"]')
    expect(likes).to_have_text("0")
    expect(comments).to_have_text("0")
    bob_page.evaluate("window.notReloaded = true")

    alice_page.goto(f"/p/{post.pk}/")
    alice_page.get_by_test_id("like-button").click()
    expect(alice_page.get_by_test_id("like-button")).to_have_attribute("aria-pressed", "true")
    alice_page.get_by_placeholder("Add a comment…").fill("Gorgeous light!")
    alice_page.get_by_role("button", name="Post").click()

    expect(likes).to_have_text("1")
    expect(comments).to_have_text("1")
    expect(bob_page.get_by_test_id("comments")).to_contain_text("Gorgeous light!")
    expect(bob_page.get_by_test_id("comments")).to_contain_text("alice")
    assert bob_page.evaluate("window.notReloaded") is True

    # The live copy has the post author's Delete button, which works like the server's.
    badge = bob_page.locator("[data-live-badge] [data-unread-count]").first
    expect(badge).to_have_text("2")  # alice's like and comment
    bob_page.once("dialog", lambda dialog: dialog.accept())
    bob_page.get_by_test_id("comments").get_by_role("button", name="Delete comment").click()
    expect(bob_page.get_by_test_id("comments")).not_to_contain_text("Gorgeous light!")
    # The comment's notification went with it: the badge goes down without a reload.
    expect(badge).to_have_text("1")
    alice_comments = alice_page.get_by_test_id("comments")
    expect(alice_comments).not_to_contain_text("Gorgeous light!")
    expect(alice_page.locator(f'[data-comments-count="{post.pk}"]')).to_have_text("0")
    assert bob_page.evaluate("window.notReloaded") is True
