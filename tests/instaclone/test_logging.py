"""Structured logs: a request id on every response and every record, an access line per
request, and JSON lines in production."""

import io
import json
import logging
import re
import runpy
from collections.abc import Iterator

import pytest
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

import instaclone.settings as settings_module
import instaclone.urls
from accounts.models import User
from instaclone.asgi import application
from instaclone.logging import JsonFormatter

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
view_logger = logging.getLogger("instaclone.tests.view")


def logging_view(request: HttpRequest) -> HttpResponse:
    # Like most views, it reads the user, so the access line can name them.
    view_logger.warning("something worth knowing for %s", request.user)
    return HttpResponse("logged")


def crashing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view broke")


urlpatterns = [
    path("logs-something/", logging_view),
    path("crashes/", crashing_view),
    *instaclone.urls.urlpatterns,
]
handler404 = instaclone.urls.handler404
handler500 = instaclone.urls.handler500


def records_of(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


# --- The request id ----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_carries_a_fresh_request_id(client: Client) -> None:
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]

    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.django_db
def test_client_sent_request_id_is_ignored_without_trusted_proxies(
    client: Client, settings: object
) -> None:
    settings.NUM_PROXIES = 0

    response = client.get("/accounts/login/", headers={"X-Request-ID": "chosen-by-client"})

    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_proxy_request_id_is_kept_behind_trusted_proxies(
    client: Client, settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings.NUM_PROXIES = 1
    caplog.set_level(logging.INFO)

    response = client.get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a.42"})

    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert records_of(caplog, "instaclone.access")[-1].request_id == "lb-7f3a.42"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forwarded", ['x", "level": "CRITICAL', "line\nbreak", "a" * 129, "-leading-dash", ""]
)
def test_malformed_proxy_request_id_is_replaced(
    client: Client, settings: object, forwarded: str
) -> None:
    settings.NUM_PROXIES = 1

    response = client.get("/accounts/login/", headers={"X-Request-ID": forwarded})

    assert GENERATED_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_records_logged_while_serving_carry_the_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = client.get("/logs-something/")

    request_id = response["X-Request-ID"]
    [ours] = records_of(caplog, "instaclone.tests.view")
    assert ours.request_id == request_id
    assert records_of(caplog, "instaclone.access")[-1].request_id == request_id


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_django_error_reports_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/crashes/")

    assert response.status_code == 500
    [error] = [r for r in records_of(caplog, "django.request") if r.levelno == logging.ERROR]
    assert error.request_id == response["X-Request-ID"]
    assert error.exc_info is not None


@pytest.mark.django_db
def test_not_found_warnings_carry_the_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/no/such/page/")

    [warning] = records_of(caplog, "django.request")
    assert warning.request_id == response["X-Request-ID"]


@pytest.mark.django_db(transaction=True)
async def test_request_id_reaches_django_reports_under_asgi_too(
    async_client: object, caplog: pytest.LogCaptureFixture
) -> None:
    # The development server and daphne serve HTTP through Django's ASGI handler, which logs
    # the response in another thread than the one the middleware ran in.
    response = await async_client.get("/no/such/page/")

    [warning] = records_of(caplog, "django.request")
    assert warning.request_id == response["X-Request-ID"]


@pytest.mark.django_db
def test_records_outside_a_request_have_no_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/accounts/login/")

    view_logger.warning("after the request")

    assert caplog.records[-1].request_id == "-"


# --- The access log ----------------------------------------------------------------------


@pytest.mark.django_db
def test_access_line_has_method_path_status_duration_and_user(
    alice_client: Client, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = alice_client.get("/explore/")

    [line] = records_of(caplog, "instaclone.access")
    assert (line.method, line.path, line.status) == ("GET", "/explore/", 200)
    assert line.user_id == alice.pk
    assert line.duration_ms >= 0
    assert line.request_id == response["X-Request-ID"]
    assert line.getMessage().startswith("GET /explore/ 200 ")


@pytest.mark.django_db
def test_access_line_never_costs_a_query(
    client: Client,
    caplog: pytest.LogCaptureFixture,
    django_assert_num_queries: object,
) -> None:
    caplog.set_level(logging.INFO)
    client.cookies["sessionid"] = "a-session-the-view-never-looks-at"

    with django_assert_num_queries(0):
        client.get("/ping")

    [line] = records_of(caplog, "instaclone.access")
    assert (line.path, line.status, line.user_id) == ("/ping", 200, None)


@pytest.mark.django_db
def test_refused_oversized_request_is_logged_too(
    client: Client, settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    settings.MAX_REQUEST_BYTES = 10
    caplog.set_level(logging.INFO)

    response = client.post("/api/v1/posts/", data=b"x" * 100, content_type="text/plain")

    assert response.status_code == 413
    assert response["X-Request-ID"]
    assert records_of(caplog, "instaclone.access")[-1].status == 413


# --- Websockets --------------------------------------------------------------------------


# `application` is imported with the module, not in the test: building it runs django.setup(),
# whose logging configuration would replace the handler caplog has just attached.
@pytest.mark.django_db(transaction=True)
async def test_websocket_open_and_close_are_logged_with_one_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    socket = WebsocketCommunicator(application, "/ws/", headers=[(b"origin", b"http://localhost")])
    connected, _ = await socket.connect()
    assert connected
    await socket.disconnect()

    opened, closed = records_of(caplog, "instaclone.websocket")
    assert opened.getMessage() == "websocket open /ws/"
    assert closed.getMessage().startswith("websocket closed /ws/ after ")
    assert GENERATED_ID.fullmatch(opened.request_id)
    assert closed.request_id == opened.request_id


# --- JSON lines --------------------------------------------------------------------------


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the production handler writes, captured: the JsonFormatter on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_json_lines_parse_and_carry_the_access_fields(
    json_lines: io.StringIO, alice_client: Client, alice: User
) -> None:
    response = alice_client.get("/logs-something/")

    entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    warning = next(entry for entry in entries if entry["logger"] == "instaclone.tests.view")
    access = next(entry for entry in entries if entry["logger"] == "instaclone.access")
    assert warning["level"] == "WARNING"
    assert warning["message"] == "something worth knowing for alice"
    assert warning["request_id"] == response["X-Request-ID"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", warning["time"])
    assert access["request_id"] == response["X-Request-ID"]
    assert access["method"] == "GET"
    assert access["path"] == "/logs-something/"
    assert access["status"] == 200
    assert isinstance(access["duration_ms"], float)
    assert access["user_id"] == alice.pk


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_json_error_line_holds_the_traceback_as_one_string(json_lines: io.StringIO) -> None:
    response = Client(raise_request_exception=False).get("/crashes/")

    lines = json_lines.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]
    error = next(entry for entry in entries if entry["level"] == "ERROR")
    assert error["logger"] == "django.request"
    assert error["request_id"] == response["X-Request-ID"]
    assert "Traceback" in error["exc_info"]
    assert "RuntimeError: the view broke" in error["exc_info"]
    # One object per line: the traceback's newlines are escaped inside the string.
    assert all(line.startswith("{") for line in lines)


def test_json_line_outside_a_request_has_a_null_request_id(json_lines: io.StringIO) -> None:
    view_logger.warning("no request here")

    entry = json.loads(json_lines.getvalue().splitlines()[-1])
    assert entry["request_id"] is None
    assert entry["message"] == "no request here"


# --- LOG_FORMAT --------------------------------------------------------------------------


def settings_with(**env: str) -> dict[str, object]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("LOG_FORMAT", raising=False)
        for name, value in env.items():
            mp.setenv(name, value)
        return runpy.run_path(settings_module.__file__)


def console_formatter(namespace: dict[str, object]) -> str:
    return namespace["LOGGING"]["handlers"]["console"]["formatter"]


def test_production_logs_json_and_development_plain_by_default() -> None:
    production = settings_with(DEBUG="0", SECRET_KEY="k" * 50)
    development = settings_with(DEBUG="1")

    assert console_formatter(production) == "json"
    assert console_formatter(development) == "plain"
    assert console_formatter(settings_with(DEBUG="1", LOG_FORMAT="json")) == "json"


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        settings_with(LOG_FORMAT="xml")


def test_access_log_can_be_silenced() -> None:
    loggers = settings_with(ACCESS_LOG="0")["LOGGING"]["loggers"]

    assert loggers["instaclone.access"]["level"] == "WARNING"
    assert loggers["instaclone.websocket"]["level"] == "WARNING"
    assert settings_with()["LOGGING"]["loggers"]["instaclone.access"]["level"] == "INFO"
