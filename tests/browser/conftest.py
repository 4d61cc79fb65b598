"""Journeys in a real headless Chromium against a live Daphne server.

`make test` runs these in their own pytest process (`pytest -m browser`): Playwright's sync
API runs an event loop that pytest-asyncio's tests cannot share.

The server is the project's ASGI application (HTTP and websockets) under Daphne, started as
a separate process the way it runs in production, configured by environment variables and
pointed at the test database pytest-django created. It cannot see a test's transaction, so
every test that uses it must commit: mark it `@pytest.mark.django_db(transaction=True)`.

Fixtures:
- `live_site` (session): the server's base URL, e.g. "http://127.0.0.1:PORT" (websockets:
  `live_site.replace("http", "ws", 1) + "/ws/"`).
- `live_site_media_root` (session): the directory both the server and the tests store media in.
- `browser` (session): a headless Chromium.
- `new_page` (function): `new_page("phone" | "desktop")` opens a page in a fresh browser
  context (its own cookies) whose relative URLs resolve against `live_site`.
- `page_phone`, `page_desktop` (function): one such page each.
- `log_in_as` (function): `log_in_as(page, user)` gives the page's context a session of
  `user`, skipping the login form in journeys that are not about logging in.

Users made in a test (factories, services) are hashed with the server's password hasher and
their media are stored where the server reads them: see `_share_server_settings`.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import global_settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, Page, expect, sync_playwright

VIEWPORTS: dict[str, dict] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
SERVER_START_SECONDS = 30

server_log_key = pytest.StashKey[Path]()
phase_reports_key = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Keep each phase's report (fixtures screenshot failed pages) and attach the server's
    log to a failure: an error page's traceback is there, not in the browser."""
    report: pytest.TestReport = yield
    item.stash.setdefault(phase_reports_key, {})[report.when] = report
    log = item.config.stash.get(server_log_key, None)
    if report.failed and log is not None and "live_site" in getattr(item, "fixturenames", ()):
        lines = log.read_text(errors="replace").splitlines()
        report.sections.append(("live server log (last 60 lines)", "\n".join(lines[-60:])))
    return report


@pytest.fixture(scope="session", autouse=True)
def _async_unsafe_allowed() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the test thread, and Django
    refuses ORM calls under a running loop unless told otherwise. Only in this directory:
    elsewhere the check catches real mistakes."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An in-memory SQLite test database is invisible to the server process: use a file.

    Settings are loaded before any conftest runs, so the SQLITE_TEST_NAME variable cannot
    be set early enough from here; the test settings are changed in place instead."""
    database = connection.settings_dict
    if connection.vendor == "sqlite" and not database["TEST"].get("NAME"):
        database["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def live_site_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(autouse=True)
def _share_server_settings(
    _fast_and_isolated: None, settings: object, live_site_media_root: Path
) -> None:
    """Rows and files a test creates must make sense to the server process: the same
    media directory, and passwords hashed with a hasher the server knows (its default)."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.MEDIA_ROOT = live_site_media_root


def _server_database_env() -> dict[str, str]:
    """The environment that points the server's settings at the test database."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            raise RuntimeError("the live server needs a file SQLite test database")
        return {"SQLITE_PATH": name}
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urllib.parse.urlunsplit(url._replace(path=f"/{name}"))}


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the live server exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the live server did not answer /healthz:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_site(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    live_site_media_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """Daphne serving the project's ASGI application from a separate process."""
    from django.conf import settings

    # The socket is bound here and handed over, so the port is known and never raced for.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "SQLITE_PATH"}
    }
    env.update(
        _server_database_env(),
        DJANGO_SETTINGS_MODULE="instaclone.settings",
        # DEBUG=0 would need collected static files and would redirect to HTTPS.
        DEBUG="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(live_site_media_root),
        RATE_LIMITS="off",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path_factory.mktemp("live-server") / "daphne.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "--fd",
                str(listener.fileno()),
                "instaclone.asgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            pass_fds=[listener.fileno()],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    listener.close()
    request.config.stash[server_log_key] = log
    try:
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        # Before pytest-django drops the test database, which PostgreSQL refuses while
        # the server is still connected.
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        del request.config.stash[server_log_key]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: apt-get install -y chromium (never playwright install)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, live_site: str, tmp_path: Path
) -> Iterator[Callable[[str], Page]]:
    """Opens pages in fresh contexts. Uncaught script errors fail the test; a failed test
    leaves a screenshot of each open page in its tmp_path."""
    contexts = []
    script_errors: list[str] = []

    def open_page(viewport: str) -> Page:
        context = browser.new_context(base_url=live_site, **VIEWPORTS[viewport])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append((viewport, context))
        page = context.new_page()
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        return page

    yield open_page

    reports = request.node.stash.get(phase_reports_key, {})
    failed = any(report.failed for report in reports.values())
    for viewport, context in contexts:
        if failed:
            for number, page in enumerate(context.pages):
                page.screenshot(path=tmp_path / f"failure-{viewport}-{number}.png", full_page=True)
        context.close()
    assert not script_errors, f"uncaught script errors: {script_errors}"


@pytest.fixture
def page_phone(new_page: Callable[[str], Page]) -> Page:
    """390x844, a touch screen."""
    return new_page("phone")


@pytest.fixture
def page_desktop(new_page: Callable[[str], Page]) -> Page:
    """1280x800."""
    return new_page("desktop")


@pytest.fixture
def log_in_as(live_site: str) -> Callable[[Page, Any], None]:
    from django.conf import settings

    def log_in(page: Page, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_site}]
        )

    return log_in
