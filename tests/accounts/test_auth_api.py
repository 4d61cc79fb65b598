"""The Auth section of the API contract: register, tokens, logout, passwords."""

import base64
import json
import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "velvet-otter-lantern-42"


def obtain(client: APIClient, username: str, password: str):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password})


def me_with(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me/")


def test_register_returns_user_and_working_tokens(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "Newbie", "email": "newbie@example.com", "password": STRONG_PASSWORD},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "Newbie"
    assert body["user"]["email"] == "newbie@example.com"
    assert body["user"]["avatar"] is None
    assert me_with(body["access"]).json()["username"] == "Newbie"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "ALICE"}, "username"),
        ({"email": "ALICE@example.COM"}, "email"),
        ({"password": "password1"}, "password"),
        ({"password": "newbie1234"}, "password"),
        ({"username": "no spaces"}, "username"),
        ({"username": "x" * 31}, "username"),
        ({"username": "api"}, "username"),
        ({"email": "nope"}, "email"),
        ({"password": ""}, "password"),
    ],
)
def test_register_rejects_bad_input(
    api_client: APIClient, alice: User, fields: dict, field: str
) -> None:
    data = {"username": "newbie", "email": "newbie@example.com", "password": STRONG_PASSWORD}
    response = api_client.post("/api/v1/auth/register/", {**data, **fields})
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == 1


def test_register_with_missing_body_is_400(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/register/", "not json", content_type="text/plain")
    assert response.status_code in (400, 415)


@pytest.mark.parametrize("identifier", ["alice", "Alice", "alice@EXAMPLE.com"])
def test_token_with_username_or_email(
    api_client: APIClient, alice: User, password: str, identifier: str
) -> None:
    response = obtain(api_client, identifier, password)
    assert response.status_code == 200
    assert me_with(response.json()["access"]).status_code == 200


def test_bad_credentials_are_401_and_do_not_reveal_the_account(
    api_client: APIClient, alice: User
) -> None:
    wrong = obtain(api_client, "alice", "wrong-password")
    missing = obtain(api_client, "ghost", "wrong-password")
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == missing.json()


def test_access_token_lives_at_most_15_minutes(alice: User) -> None:
    token = AccessToken.for_user(alice)
    assert timedelta(seconds=token["exp"] - token["iat"]) <= timedelta(minutes=15)


def test_refresh_rotates_and_blacklists_the_old_token(
    api_client: APIClient, alice: User, password: str
) -> None:
    first = obtain(api_client, "alice", password).json()
    rotated = api_client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]
    reused = api_client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    assert reused.status_code == 401


def test_logout_blacklists_the_refresh_token(
    api_client: APIClient, alice: User, password: str
) -> None:
    tokens = obtain(api_client, "alice", password).json()
    response = api_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]})
    assert response.status_code == 204
    again = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401


def test_logout_with_garbage_token_is_401(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/logout/", {"refresh": "garbage"})
    assert response.status_code == 401


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_and_alg_none_tokens_are_rejected(alice: User, bob: User) -> None:
    access = str(AccessToken.for_user(alice))
    header, payload, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(bob.pk)
    tampered = f"{header}.{_b64(claims)}.{signature}"
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert me_with(tampered).status_code == 401
    assert me_with(alg_none).status_code == 401
    assert me_with("not.a.jwt").status_code == 401


def test_tokens_of_a_deactivated_user_stop_working(alice: User) -> None:
    refresh = RefreshToken.for_user(alice)
    assert me_with(str(refresh.access_token)).status_code == 200
    alice.is_active = False
    alice.save()
    assert me_with(str(refresh.access_token)).status_code == 401
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)})
    assert response.status_code == 401


def test_an_access_token_stops_working_when_it_expires(alice: User) -> None:
    token = AccessToken.for_user(alice)
    token.set_exp(lifetime=timedelta(seconds=2))
    assert me_with(str(token)).status_code == 200
    time.sleep(max(token["exp"] - time.time(), 0) + 0.1)
    expired = me_with(str(token))
    assert expired.status_code == 401
    assert expired.json()["messages"][0]["message"] == "Token is expired"


def test_refresh_token_of_a_deleted_user_is_401(alice: User) -> None:
    refresh = str(RefreshToken.for_user(alice))
    alice.delete()
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh})
    assert response.status_code == 401


def test_password_change_invalidates_every_other_token(
    api_client: APIClient, alice: User, password: str
) -> None:
    phone = obtain(api_client, "alice", password).json()
    laptop = obtain(api_client, "alice", password).json()
    assert me_with(phone["access"]).status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop['access']}")
    response = client.post(
        "/api/v1/auth/password-change/",
        {"old_password": password, "new_password": STRONG_PASSWORD},
    )
    assert response.status_code == 204
    assert me_with(phone["access"]).status_code == 401
    for refresh in (phone["refresh"], laptop["refresh"]):
        again = api_client.post("/api/v1/auth/token/refresh/", {"refresh": refresh})
        assert again.status_code == 401
    assert obtain(api_client, "alice", STRONG_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [("wrong-old-password", STRONG_PASSWORD, "old_password"), (None, "123", "new_password")],
)
def test_password_change_rejects_bad_input(
    alice_api: APIClient, alice: User, password: str, old: str | None, new: str, field: str
) -> None:
    response = alice_api.post(
        "/api/v1/auth/password-change/", {"old_password": old or password, "new_password": new}
    )
    assert response.status_code == 400
    assert field in response.json()
    alice.refresh_from_db()
    assert alice.check_password(password)


def reset_uid_and_token() -> tuple[str, str]:
    match = re.search(r"/accounts/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body)
    return match.group(1), match.group(2)


def test_password_reset_flow(api_client: APIClient, alice: User, password: str) -> None:
    old = obtain(api_client, "alice", password).json()
    response = api_client.post("/api/v1/auth/password-reset/", {"email": "Alice@Example.com"})
    assert response.status_code == 202
    uid, token = reset_uid_and_token()
    confirm = api_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": STRONG_PASSWORD},
    )
    assert confirm.status_code == 204
    assert obtain(api_client, "alice", STRONG_PASSWORD).status_code == 200
    assert me_with(old["access"]).status_code == 401
    refreshed = api_client.post("/api/v1/auth/token/refresh/", {"refresh": old["refresh"]})
    assert refreshed.status_code == 401

    reused = api_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "another-fine-passphrase"},
    )
    assert reused.status_code == 400


def test_password_reset_for_unknown_email_answers_the_same(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/password-reset/", {"email": "ghost@example.com"})
    assert response.status_code == 202
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("uid", "token"), [("bm9wZQ", "abc-123"), ("!!!", "x"), ("MTIzNDU2Nzg5", "1-2")]
)
def test_password_reset_confirm_with_bad_link_is_400(
    api_client: APIClient, alice: User, uid: str, token: str
) -> None:
    response = api_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": STRONG_PASSWORD},
    )
    assert response.status_code == 400


def test_password_reset_confirm_rejects_weak_password(api_client: APIClient, alice: User) -> None:
    api_client.post("/api/v1/auth/password-reset/", {"email": "alice@example.com"})
    uid, token = reset_uid_and_token()
    response = api_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "password"},
    )
    assert response.status_code == 400
    assert "new_password" in response.json()


def test_expired_reset_link_is_rejected(api_client: APIClient, alice: User, settings) -> None:
    api_client.post("/api/v1/auth/password-reset/", {"email": "alice@example.com"})
    uid, token = reset_uid_and_token()
    settings.PASSWORD_RESET_TIMEOUT = -1
    response = api_client.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": STRONG_PASSWORD},
    )
    assert response.status_code == 400


def test_register_is_rate_limited_when_limits_are_on(api_client: APIClient, settings) -> None:
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMIT_RATES = {**settings.RATE_LIMIT_RATES, "register": "2/hour"}
    statuses = [
        api_client.post(
            "/api/v1/auth/register/",
            {"username": f"u{n}", "email": f"u{n}@example.com", "password": STRONG_PASSWORD},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    last = api_client.post("/api/v1/auth/register/", {})
    assert last.status_code == 429
    assert int(last["Retry-After"]) > 0


def test_user_factory_users_can_log_in(api_client: APIClient) -> None:
    UserFactory(username="eve", password="a-fine-passphrase")
    assert obtain(api_client, "eve", "a-fine-passphrase").status_code == 200
