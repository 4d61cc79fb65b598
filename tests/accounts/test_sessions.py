"""A signed-in page reads its session with one statement; sessions behave as Django's."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import User

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
