"""Fixtures of the social tests: private accounts, logged-in page clients."""

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import User
from tests.factories import make_private

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A browser-like client with the given user logged in through a session."""
    return page_client


@pytest.fixture
def private_bob(bob: User) -> User:
    return make_private(bob)
