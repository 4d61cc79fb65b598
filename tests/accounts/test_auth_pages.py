"""Sign-up, login, logout and passwords through the server-rendered pages."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "velvet-otter-lantern-42"


def signup(client: Client, **fields: str):
    data = {"username": "newbie", "email": "newbie@example.com", "password": STRONG_PASSWORD}
    return client.post(reverse("accounts:signup"), {**data, **fields})


def test_signup_creates_account_and_logs_in(client: Client) -> None:
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:edit")
    user = User.objects.get(username="newbie")
    assert user.check_password(STRONG_PASSWORD)
    assert client.get(reverse("accounts:edit")).status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "ALICE"}, "username", "already exists"),
        ({"email": "Alice@Example.COM"}, "email", "already exists"),
        ({"password": "password"}, "password", "too common"),
        ({"password": "short"}, "password", "too short"),
        ({"password": "12345678901"}, "password", "entirely numeric"),
        ({"password": "newbie1234"}, "password", "too similar"),
        ({"password": "x" * 129 + "Y7!"}, "password", "too long"),
        ({"username": "bad name!"}, "username", "letters, digits"),
        ({"username": "a" * 31}, "username", "at most 30"),
        ({"username": "admin"}, "username", "available"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_signup_rejects_bad_input_on_the_form(
    client: Client, alice: User, fields: dict, field: str, message: str
) -> None:
    response = signup(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.com", "ALICE@Example.com"])
def test_login_with_username_or_email_in_any_case(
    client: Client, alice: User, password: str, identifier: str
) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": identifier, "password": password}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_login_failure_does_not_reveal_whether_account_exists(client: Client, alice: User) -> None:
    wrong_password = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "nope-nope-nope"}
    )
    no_account = client.post(
        reverse("accounts:login"), {"username": "nobody", "password": "nope-nope-nope"}
    )
    assert wrong_password.status_code == no_account.status_code == 400
    error = "Sorry, that username, email or password is incorrect."
    assert error in wrong_password.content.decode()
    assert error in no_account.content.decode()


def test_long_password_is_not_truncated(client: Client) -> None:
    long_password = "Tr0ub4dor&3-" * 8  # 96 characters: bcrypt would only read 72
    UserFactory(username="dora", password=long_password)
    prefix = long_password[:72]
    assert client.login(username="dora", password=long_password)
    client.logout()
    assert not client.login(username="dora", password=prefix)


def test_deactivated_user_cannot_log_in(client: Client, alice: User, password: str) -> None:
    alice.is_active = False
    alice.save()
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": password})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(alice_client: Client) -> None:
    response = alice_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("accounts:edit")).status_code == 302


def test_password_change_keeps_this_session_and_ends_others(alice: User, password: str) -> None:
    this_device, other_device = Client(), Client()
    this_device.login(username="alice", password=password)
    other_device.login(username="alice", password=password)
    response = this_device.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert this_device.get(reverse("accounts:edit")).status_code == 200
    assert other_device.get(reverse("accounts:edit")).status_code == 302


def test_password_change_with_wrong_old_password_is_a_form_error(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong-wrong",
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()


def reset_link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return re.search(r"https?://[^/]+(/accounts/reset/\S+/)", body).group(1)


def test_password_reset_by_email_link_works_once(alice: User, password: str) -> None:
    other_device = Client()
    other_device.login(username="alice", password=password)
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": "ALICE@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    link = reset_link_from_outbox()

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )
    assert response.status_code == 302
    assert Client().login(username="alice", password=STRONG_PASSWORD)
    assert other_device.get(reverse("accounts:edit")).status_code == 302

    reused = Client().get(link, follow=True)
    assert "invalid or has already been used" in reused.content.decode()


def test_password_reset_for_unknown_address_answers_the_same(client: Client) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
