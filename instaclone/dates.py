"""How long ago, in words, cheaply enough for every card of a page."""

from datetime import datetime

from django.utils.timesince import timesince

# Below four weeks every unit is a fixed number of seconds; months and years are calendar
# arithmetic, left to Django.
_FIXED_UNITS = ((7 * 86400, "week"), (86400, "day"), (3600, "hour"), (60, "minute"))
_FIXED_LIMIT = 4 * 7 * 86400
NBSP = "\xa0"


def ago(value: datetime, now: datetime) -> str:
    """`value`'s age at `now` in its largest unit, as Django's `timesince(depth=1)` writes
    it ("3\xa0hours"). timesince goes through the translation machinery for every call:
    twenty cards a page spent more time in it than in their queries."""
    seconds = int((now - value).total_seconds())
    if seconds >= _FIXED_LIMIT:
        return timesince(value, now, depth=1)
    for size, unit in _FIXED_UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count}{NBSP}{unit}{'' if count == 1 else 's'}"
    return f"0{NBSP}minutes"
