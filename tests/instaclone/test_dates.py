"""Cards say how long ago a post was made as Django's timesince would, faster."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils.timesince import timesince

from instaclone.dates import ago

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "age",
    [
        timedelta(0),
        timedelta(seconds=59),
        timedelta(minutes=1),
        timedelta(minutes=59, seconds=59),
        timedelta(hours=1),
        timedelta(hours=23, minutes=59),
        timedelta(days=1),
        timedelta(days=6, hours=23),
        timedelta(days=7),
        timedelta(days=27, hours=23),
        timedelta(days=28),
        timedelta(days=45),
        timedelta(days=400),
        timedelta(days=3000),
    ],
)
def test_ago_words_an_age_as_timesince_does(age: timedelta) -> None:
    assert ago(NOW - age, NOW) == timesince(NOW - age, NOW, depth=1)


def test_a_future_time_is_no_time_ago() -> None:
    assert ago(NOW + timedelta(hours=2), NOW) == timesince(NOW + timedelta(hours=2), NOW, depth=1)
