"""Switching an account to public approves its pending follow requests.

accounts sits below social and cannot call it (DESIGN.md, Layers), and every face that
edits a profile (the settings page, `PATCH me/`, the admin) saves the User through
accounts. So social watches the User model itself: it remembers `is_private` as loaded
(post_init, no query) and, when a save stores it as false after it was true, approves the
pending requests in the saving transaction (or in its own, under autocommit). A bulk
`QuerySet.update(is_private=False)` bypasses this; call
`social.services.follow_request_approve_all` after one.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_init, post_save

from accounts.models import User

STORED_PRIVACY = "_social_stored_is_private"


def _remember_privacy(sender: type[User], instance: User, **kwargs: Any) -> None:
    # __dict__, not the attribute: a deferred is_private must not cost a query.
    setattr(instance, STORED_PRIVACY, instance.__dict__.get("is_private"))


def _approve_requests_when_public(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if update_fields is not None and "is_private" not in update_fields:
        return
    was_private = getattr(instance, STORED_PRIVACY, None)
    now_private = instance.__dict__.get("is_private")
    setattr(instance, STORED_PRIVACY, now_private)
    if raw or created or not was_private or now_private is not False:
        return
    from social.services import follow_request_approve_all

    with transaction.atomic():
        follow_request_approve_all(target=instance)


def connect() -> None:
    post_init.connect(_remember_privacy, sender=User, dispatch_uid="social_remember_privacy")
    post_save.connect(
        _approve_requests_when_public, sender=User, dispatch_uid="social_approve_when_public"
    )
