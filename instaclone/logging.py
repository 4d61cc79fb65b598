"""Structured logs: a request id on every record, and a one-JSON-object-per-line formatter.

`RequestIdMiddleware` (instaclone/middleware.py) and the websocket wrapper
(`log_websocket_connections`) put the current request's id in `request_id_var`; the log
record factory installed by `configure` copies it onto every record created while the
request is served, whichever logger or handler (django.request's error reports, ours,
pytest's caplog) sees it. Outside a request it is "-".

`LOG_FORMAT=json` (the default with `DEBUG=0`) writes one JSON object per line with
`time`, `level`, `logger`, `message`, `request_id`, any `extra` fields (the access log's
`method`, `path`, `status`, `duration_ms`, `user_id`) and `exc_info` as one string.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

NO_REQUEST_ID = "-"
# What a trusted proxy's X-Request-ID may look like; anything else is replaced, so a
# client cannot write arbitrary text (newlines, JSON) into the logs through it.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

# Attributes every LogRecord has; anything else on a record came from `extra=` and is
# written as a field of its own by JsonFormatter.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}
# `extra` values that are objects, not data (django.request passes the request itself).
_SKIPPED_EXTRAS = frozenset({"request", "scope"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """`value` if it is an acceptable request id, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def configure(logging_settings: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: dictConfig, plus the record factory that adds request ids."""
    _install_record_factory()
    logging.config.dictConfig(logging_settings)


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get() or NO_REQUEST_ID
        return record

    record_factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record_factory)


class PlainFormatter(logging.Formatter):
    """The development format: time, level, logger, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = NO_REQUEST_ID
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", NO_REQUEST_ID)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == NO_REQUEST_ID else request_id,
        }
        for name, value in record.__dict__.items():
            if name not in _RECORD_ATTRIBUTES and name not in _SKIPPED_EXTRAS:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]

websocket_logger = logging.getLogger("instaclone.websocket")


def log_websocket_connections(application: ASGIApp) -> ASGIApp:
    """Wraps the websocket application: each connection gets a request id (kept in the
    context of the task serving it, so the consumer's records carry it too) and one log
    line when it opens and one when it closes, with its duration."""

    async def app(scope: Scope, receive: Callable, send: Callable) -> None:
        request_id = new_request_id()
        token = request_id_var.set(request_id)
        started = time.monotonic()
        path = scope.get("path", "")
        websocket_logger.info(
            "websocket open %s", path, extra={"method": "WEBSOCKET", "path": path}
        )
        try:
            await application(scope, receive, send)
        finally:
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            websocket_logger.info(
                "websocket closed %s after %s ms",
                path,
                duration_ms,
                extra={"method": "WEBSOCKET", "path": path, "duration_ms": duration_ms},
            )
            request_id_var.reset(token)

    return app
