"""Health check, error shapes and request limits that every face relies on."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] is True


def test_healthz_is_503_when_the_database_fails(client: Client, monkeypatch) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken_execute(self, sql, params=None):
        raise RuntimeError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", broken_execute)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_healthz_is_503_when_redis_does_not_answer(client: Client, settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] is False


def test_healthz_answers_head_for_load_balancers(client: Client) -> None:
    assert client.head("/healthz").status_code == 200


def test_ping_is_bare_json(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.json() == {"pong": True}


def test_api_404_is_json(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_oversized_json_body_is_413(api_client: APIClient, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "x", "email": "x@example.com", "password": "p" * 2000},
    )
    assert response.status_code == 413


def test_schema_and_docs_are_served(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/password-reset/",
        "/api/v1/auth/password-reset/confirm/",
        "/api/v1/auth/password-change/",
        "/api/v1/me/",
        "/api/v1/me/avatar/",
        "/api/v1/users/",
        "/api/v1/users/{username}/",
    ):
        assert path in paths
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_admin_lists_users_for_staff(client: Client, alice) -> None:
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 200
    assert b"alice" in response.content
