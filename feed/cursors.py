"""Keyset cursors: (created_at, post id) positions, opaque to clients.

A page is `WHERE created_at <= t AND (created_at < t OR id < i) ORDER BY created_at DESC,
id DESC LIMIT n`: the first condition bounds the index range, so page 5,000 costs what
page 1 costs (no OFFSET)."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q
from django.http import Http404
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class Position:
    created_at: datetime
    post_id: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.post_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def as_datetime(value: datetime | str) -> datetime:
    """A timestamp from a raw SQL row: SQLite gives text, PostgreSQL a datetime."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(value)
        value = parsed
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def decode(cursor: str | None) -> Position | None:
    """The position of `?cursor=`; None for the first page; Http404 for a bad cursor
    (as DRF's cursor pagination answers)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, post_id = raw.rsplit("|", 1)
        return Position(as_datetime(stamp), int(post_id))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise Http404("Invalid cursor.") from error


def before(position: Position | None, time_field: str, id_field: str) -> Q:
    """Rows after `position` in newest-first order."""
    if position is None:
        return Q()
    at = position.created_at
    return Q(**{f"{time_field}__lte": at}) & (
        Q(**{f"{time_field}__lt": at}) | Q(**{f"{id_field}__lt": position.post_id})
    )
