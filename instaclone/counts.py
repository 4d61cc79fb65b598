"""Denormalised counters (likes_count, followers_count, ...), kept with F() updates."""

from django.db.models import F, Value
from django.db.models.functions import Greatest


def decremented(field: str, by: int = 1) -> Greatest:
    """The UPDATE expression `field - by`, never below zero: a count already out of step
    with its rows must not turn negative on a page."""
    return Greatest(F(field) - by, Value(0))
