"""The brute-force guard shared by every login path: the login page, the API token
endpoint and the admin's login, per typed account name and per client address."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

WRONG = "not-the-password"
PROXY = "10.0.0.254"


@dataclass(frozen=True)
class Attempt:
    status: int
    logged_in: bool
    locked_out: bool
    retry_after: int | None
    text: str


def _attempt(response: object, *, logged_in: bool) -> Attempt:
    retry_after = response.get("Retry-After")  # type: ignore[attr-defined]
    return Attempt(
        status=response.status_code,  # type: ignore[attr-defined]
        logged_in=logged_in,
        locked_out=response.status_code == 429,  # type: ignore[attr-defined]
        retry_after=int(retry_after) if retry_after else None,
        text=response.content.decode(),  # type: ignore[attr-defined]
    )


def login_page(name: str, password: str, **meta: str) -> Attempt:
    response = Client().post("/accounts/login/", {"username": name, "password": password}, **meta)
    return _attempt(response, logged_in=response.status_code == 302)


def login_api(name: str, password: str, **meta: str) -> Attempt:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": name, "password": password}, **meta
    )
    return _attempt(response, logged_in=response.status_code == 200)


def login_admin(name: str, password: str, **meta: str) -> Attempt:
    response = Client().post(
        "/admin/login/?next=/admin/",
        {"username": name, "password": password, "next": "/admin/"},
        **meta,
    )
    return _attempt(response, logged_in=response.status_code == 302)


LOGIN_PATHS = {"page": login_page, "api": login_api, "admin": login_admin}
Login = Callable[..., Attempt]


@pytest.fixture
def limits(settings: object) -> None:
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_RATES = {
        **settings.RATE_LIMIT_RATES,
        "login_account": "3/15min",
        "login_address": "5/15min",
        "auth": "1000/min",
    }


@pytest.fixture
def staff_alice(db: None) -> User:
    """alice, allowed into the admin, so that every path can log her in."""
    return UserFactory(username="alice", is_staff=True, is_superuser=True)


def fail_times(login: Login, name: str, times: int, **meta: str) -> None:
    for _ in range(times):
        attempt = login(name, WRONG, **meta)
        assert not attempt.logged_in
        assert not attempt.locked_out


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_account_is_locked_after_failed_logins_even_with_the_right_password(
    path: str, staff_alice: User, limits: None
) -> None:
    login = LOGIN_PATHS[path]
    fail_times(login, "alice", 3)

    locked = login("alice", DEFAULT_PASSWORD)

    assert locked.locked_out
    assert not locked.logged_in
    assert 0 < locked.retry_after <= 15 * 60
    assert "Too many failed login attempts" in locked.text
    assert "try again in 15 minutes" in locked.text


def test_api_lockout_is_json_with_detail(staff_alice: User, limits: None) -> None:
    fail_times(login_api, "alice", 3)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many failed login attempts. Please try again in 15 minutes."
    }
    assert int(response["Retry-After"]) > 0


def test_login_page_lockout_is_a_form_error_on_the_login_page(
    staff_alice: User, limits: None
) -> None:
    fail_times(login_page, "alice", 3)
    response = Client().post("/accounts/login/", {"username": "alice", "password": WRONG})
    assert response.status_code == 429
    assert response.templates[0].name == "accounts/login.html"
    assert "Too many failed login attempts" in response.context["form"].non_field_errors()[0]


def test_failures_on_every_path_count_against_one_lock(staff_alice: User, limits: None) -> None:
    fail_times(login_page, "alice", 1)
    fail_times(login_api, "alice", 1)
    fail_times(login_admin, "ALICE", 1)

    assert login_page("alice", DEFAULT_PASSWORD).locked_out
    assert login_api("alice", DEFAULT_PASSWORD).locked_out
    assert login_admin("alice", DEFAULT_PASSWORD).locked_out


def test_lockout_does_not_reveal_whether_an_account_exists(staff_alice: User, limits: None) -> None:
    fail_times(login_api, "alice", 3, REMOTE_ADDR="192.0.2.1")
    fail_times(login_api, "nobody", 3, REMOTE_ADDR="192.0.2.2")

    existing = login_api("alice", WRONG, REMOTE_ADDR="192.0.2.1")
    missing = login_api("nobody", WRONG, REMOTE_ADDR="192.0.2.2")

    assert (existing.status, existing.text) == (missing.status, missing.text)
    assert existing.locked_out


def test_owner_gets_back_in_after_the_cool_down(
    staff_alice: User, limits: None, settings: object
) -> None:
    settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, "login_account": "3/2s"}
    fail_times(login_api, "alice", 3)
    locked = login_api("alice", DEFAULT_PASSWORD)
    assert locked.locked_out
    assert locked.retry_after <= 2

    time.sleep(locked.retry_after + 0.1)

    assert login_api("alice", DEFAULT_PASSWORD).logged_in


def test_a_successful_login_clears_the_account_count(staff_alice: User, limits: None) -> None:
    fail_times(login_page, "alice", 2)
    assert login_page("alice", DEFAULT_PASSWORD).logged_in
    fail_times(login_page, "alice", 2)

    assert login_page("alice", DEFAULT_PASSWORD).logged_in


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_address_limit_blocks_every_account_from_that_address(
    path: str, staff_alice: User, limits: None
) -> None:
    login = LOGIN_PATHS[path]
    for name in ["bob", "charlie", "dave", "erin", "frank"]:
        fail_times(login, name, 1, REMOTE_ADDR="198.51.100.7")

    blocked = login("alice", DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.7")
    elsewhere = login("alice", DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.8")

    assert blocked.locked_out
    assert not blocked.logged_in
    assert elsewhere.logged_in


def test_a_successful_login_does_not_clear_the_address_count(
    staff_alice: User, limits: None
) -> None:
    """Otherwise an attacker would log in to an account of their own between guesses."""
    for name in ["bob", "charlie", "dave", "erin"]:
        fail_times(login_api, name, 1)
    assert login_api("alice", DEFAULT_PASSWORD).logged_in
    fail_times(login_api, "frank", 1)

    assert login_api("alice", DEFAULT_PASSWORD).locked_out


def test_forged_forwarded_for_does_not_reset_the_address_count(
    staff_alice: User, limits: None, settings: object
) -> None:
    settings.NUM_PROXIES = 1
    # Our proxy appends the address it saw; the client wrote everything to its left.
    for n, name in enumerate(["bob", "charlie", "dave", "erin", "frank"]):
        forged = f"203.0.113.{n}, 198.51.100.{n}"
        fail_times(
            login_api, name, 1, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, 192.0.2.9"
        )

    blocked = login_api(
        "alice",
        DEFAULT_PASSWORD,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.200, 192.0.2.9",
    )
    other_client = login_api(
        "alice", DEFAULT_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10"
    )

    assert blocked.locked_out
    assert other_client.logged_in


def test_without_trusted_proxies_forwarded_for_is_ignored(staff_alice: User, limits: None) -> None:
    for n, name in enumerate(["bob", "charlie", "dave", "erin", "frank"]):
        fail_times(
            login_api, name, 1, REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )

    assert login_api("alice", DEFAULT_PASSWORD, REMOTE_ADDR="192.0.2.9").locked_out


def test_ipv6_clients_are_counted_per_64_network(staff_alice: User, limits: None) -> None:
    for n, name in enumerate(["bob", "charlie", "dave", "erin", "frank"]):
        fail_times(login_api, name, 1, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")

    assert login_api("alice", DEFAULT_PASSWORD, REMOTE_ADDR="2001:db8:1:2::ff").locked_out
    assert login_api("alice", DEFAULT_PASSWORD, REMOTE_ADDR="2001:db8:1:3::1").logged_in


def test_no_lockout_when_rate_limits_are_off(staff_alice: User, settings: object) -> None:
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, "login_account": "1/15min"}
    fail_times(login_page, "alice", 5)

    assert login_page("alice", DEFAULT_PASSWORD).logged_in
