"""Every signed-in request loads its user by primary key (User.objects.get(pk=...)),
through a statement compiled once: the same user, the same errors as the ORM's."""

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def field_values(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_user_by_primary_key_is_the_orms(alice: User) -> None:
    alice.avatar = {"small": {"webp": "a.webp", "jpeg": "a.jpg"}}
    alice.save()
    loaded = User.objects.get(pk=alice.pk)
    assert field_values(loaded) == field_values(User.objects.filter(pk=alice.pk).get())
    assert loaded._state.adding is False
    assert User.objects.get(id=str(alice.pk)) == alice


def test_a_missing_or_malformed_primary_key_fails_as_the_orm_does() -> None:
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=0)
    with pytest.raises(ValueError, match="expected a number"):
        User.objects.get(pk="nonsense")


def test_a_deleted_or_suspended_user_is_signed_out_on_both_faces(alice: User, bob: User) -> None:
    api = bearer_client(alice)
    page = Client()
    page.force_login(bob)
    assert api.get("/api/v1/me/").status_code == 200
    assert page.get("/").status_code == 200
    User.objects.filter(pk=alice.pk).delete()
    User.objects.filter(pk=bob.pk).update(is_active=False)
    assert api.get("/api/v1/me/").status_code == 401
    assert page.get("/").status_code == 302
