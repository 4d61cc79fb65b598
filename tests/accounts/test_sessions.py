"""A signed-in page reads its session with its account in one statement; sessions behave
as Django's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session, User
from social.services import follow_create

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_live_session_keeps_its_user_signed_in(alice: User) -> None:
    response = signed_in(alice).get("/")
    assert response.status_code == 200
    assert response.context["user"] == alice


def test_an_expired_session_signs_its_user_out(alice: User) -> None:
    client = signed_in(alice)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_session_key_is_anonymous(alice: User) -> None:
    client = signed_in(alice)
    client.cookies["sessionid"] = "x" * 32
    assert client.get("/").status_code == 302


def test_logging_out_ends_the_session_on_the_server(alice: User) -> None:
    client = signed_in(alice)
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get("/").status_code == 302


def test_a_session_knows_its_account_and_goes_with_it(alice: User, bob: User) -> None:
    signed_in(alice)
    signed_in(bob)
    assert Session.objects.filter(user=alice).count() == 1
    alice.delete()
    assert list(Session.objects.values_list("user__username", flat=True)) == ["bob"]


def test_a_signed_in_page_reads_session_account_and_badges_at_once(
    alice: User, bob: User, django_assert_num_queries: object
) -> None:
    User.objects.filter(pk=alice.pk).update(is_private=True)
    alice.refresh_from_db()
    # A private account is asked: the request is a badge in her navigation.
    follow_create(follower=bob, followee=alice)
    client = signed_in(alice)
    with django_assert_num_queries(1):  # type: ignore[operator]
        html = client.get(reverse("posts:create")).content.decode()
    assert 'data-testid="nav-requests"' in html
    assert 'aria-label="Profile"' in html


def test_a_password_change_elsewhere_signs_the_session_out(alice: User) -> None:
    client = signed_in(alice)
    alice.set_password("a new password 123")
    alice.save()
    assert client.get("/").status_code == 302
