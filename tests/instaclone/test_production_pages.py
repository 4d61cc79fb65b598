"""What strangers see when things go wrong in production: generic error pages with no
traceback, JSON (never the browsable API) from the API, and a site that survives a dropped
database connection."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

import instaclone.urls
from accounts.models import User

SECRET_DETAIL = "password=hunter2 in a local variable"


def crashing_page(request: HttpRequest) -> HttpResponse:
    detail = SECRET_DETAIL  # what a traceback page would show
    raise RuntimeError(f"the page broke: {detail}")


urlpatterns = [
    path("crashes/", crashing_page),
    path("api/v1/crashes/", crashing_page),
    *instaclone.urls.urlpatterns,
]
handler404 = instaclone.urls.handler404
handler500 = instaclone.urls.handler500


@pytest.fixture
def production_client(settings: object) -> Client:
    """A client that gets the 500 response a visitor would, with DEBUG off."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


# --- 404 and 500 -------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_page_shows_the_sites_404_page(production_client: Client) -> None:
    response = production_client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Sorry, this page isn't available." in html
    assert "Traceback" not in html
    assert "URLconf" not in html  # Django's technical 404 lists the URL patterns


@pytest.mark.django_db
def test_unknown_api_path_gets_a_json_404(production_client: Client) -> None:
    response = production_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_crashing_page_shows_a_generic_500_page_without_a_traceback(
    production_client: Client,
) -> None:
    response = production_client.get("/crashes/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side." in html
    for leak in ("Traceback", "RuntimeError", SECRET_DETAIL, "crashing_page"):
        assert leak not in html
    assert 'style="' not in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_crashing_api_view_gets_a_json_500_without_details(production_client: Client) -> None:
    response = production_client.get("/api/v1/crashes/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Server error."}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_page_needs_neither_the_session_nor_the_database(
    production_client: Client, alice: User, django_assert_num_queries: object
) -> None:
    # Rendered with a signed-in visitor's context (session, user, navigation badges), the
    # page would query the database, which may be what just failed.
    production_client.force_login(alice)

    with django_assert_num_queries(0):
        response = production_client.get("/crashes/")

    assert response.status_code == 500
    assert "Something went wrong on our side." in response.content.decode()


# --- The browsable API, under the real DEBUG=0 settings -----------------------------------

PROBE = """
import json, django
django.setup()
from django.test import Client
browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
answers = {}
for name, accept in [("browser", browser_accept), ("html_only", "text/html")]:
    response = Client().get("/api/v1/feed/", headers={"Accept": accept}, secure=True)
    answers[name] = {
        "status": response.status_code,
        "content_type": response["Content-Type"],
        "body": response.content.decode(),
    }
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """An API request made by a process that loaded the settings with DEBUG=0: the API's
    renderers are fixed when its views are imported, so only a fresh process shows them."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="instaclone.settings",
        # The probe reads no rows; a throwaway file keeps it away from any real database.
        SQLITE_PATH=str(tmp_path_factory.mktemp("probe") / "db.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_api_answers_json_to_a_browser_in_production(production_probe: dict) -> None:
    browser = production_probe["browser"]
    assert browser["status"] == 401
    assert browser["content_type"] == "application/json"
    assert json.loads(browser["body"])["detail"]


def test_api_refuses_html_only_requests_in_json_in_production(production_probe: dict) -> None:
    html_only = production_probe["html_only"]
    assert html_only["status"] == 406
    assert html_only["content_type"] == "application/json"
    assert "<html" not in html_only["body"]


@pytest.mark.django_db
def test_api_offers_the_browsable_api_in_development_only(alice_client: Client) -> None:
    # The counterpart of the test above: the test settings have DEBUG on (the default).
    assert django_settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"][-1].endswith(
        "BrowsableAPIRenderer"
    )
    response = alice_client.get("/api/v1/me/", headers={"Accept": "text/html"})
    assert response["Content-Type"].startswith("text/html")


# --- A dropped database connection heals -------------------------------------------------


def serve(request_path: str) -> HttpResponse:
    """One request through Django's WSGI handler as a server runs it: unlike the test client,
    it sends request_started and request_finished with their connection handling (health
    check, return to the pool)."""
    environ = RequestFactory().get(request_path).environ
    response = WSGIHandler()(environ, lambda status, headers, exc_info=None: None)
    response.content  # noqa: B018 (read it all, as a server would)
    response.close()
    return response


def drop_database_connections() -> int:
    """Drop the connections the server holds: on PostgreSQL, terminate their backends from
    another connection (what a database restart or failover does); on SQLite, close them.
    Returns how many were dropped."""
    if connection.vendor != "postgresql":
        dropped = int(connection.connection is not None)
        connection.close()
        return dropped
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    ) as admin:
        # Each backend gone (its error written, its socket closed) before this returns, as
        # after a restart: the pool checks a connection by what the server wrote to it.
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (terminated,) in rows if terminated)


@pytest.fixture
def server_connections() -> Iterator[None]:
    """After the test, the test's own connection may be a dropped one: start afresh."""
    yield
    connection.close()


def test_health_checks_are_on_for_every_database() -> None:
    database = django_settings.DATABASES["default"]
    # Django checks a persistent connection; our PostgreSQL backend checks what its pool
    # lends (the test below drops the connections under it).
    assert database["CONN_HEALTH_CHECKS"] or database["ENGINE"] == "instaclone.postgresql"
    # Pooled PostgreSQL connections must not be persistent: the pool checks and reuses them.
    assert database["CONN_MAX_AGE"] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("server_connections")
def test_page_is_served_after_the_database_connection_was_dropped(alice: User) -> None:
    assert serve("/alice/").status_code == 200

    dropped = drop_database_connections()

    assert dropped >= (1 if connection.vendor == "postgresql" else 0)
    response = serve("/alice/")
    assert response.status_code == 200
    assert b"alice" in response.content
    assert serve("/healthz").status_code == 200
