"""Every write to accounts: sign-up, profile edits, avatar, passwords, data exports and
account deletion."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import DataExport, User
from instaclone import events, ratelimit
from instaclone.images import (
    AVATAR_RENDITIONS,
    delete_stored_files,
    process_image,
    store_renditions,
    stored_keys,
)

PROFILE_FIELDS = ("full_name", "bio", "website", "is_private")

logger = logging.getLogger(__name__)


def _raise_if_taken(*, username: str, email: str) -> None:
    errors: dict[str, str] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = "A user with that username already exists."
    if User.objects.filter(email__iexact=email).exists():
        errors["email"] = "A user with that email address already exists."
    if errors:
        raise ValidationError(errors)


def user_create(*, username: str, email: str, password: str) -> User:
    """Create an account. Raises ValidationError (per field) on a taken name or address,
    in any letter case, or on a weak password; nothing is saved then."""
    user = User(username=username, email=email.strip())
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    _raise_if_taken(username=username, email=user.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Two sign-ups raced past the check above; the unique constraint decided.
        _raise_if_taken(username=username, email=user.email)
        raise ValidationError("That username or email address was just taken.") from error
    return user


def user_update_profile(*, user: User, **changes: object) -> User:
    """Update profile fields (full_name, bio, website, is_private); validates like the form."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password", "username", "email", "avatar"], validate_unique=False)
    user.save(update_fields=[*changes])
    return user


def _delete_files_on_commit(keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        transaction.on_commit(lambda: delete_stored_files(keys))


def user_set_avatar(*, user: User, upload: File) -> User:
    """Process an uploaded picture into square renditions and make it the avatar.

    Raises ImageRejected (400 or 413) for anything that is not an acceptable image, before
    anything is stored. The old avatar's files are deleted only after the change commits.
    """
    # Decoding and storing run outside the transaction: they are slow, and holding a
    # write lock meanwhile would stall other writers (SQLite has a single writer).
    processed = process_image(upload, AVATAR_RENDITIONS)
    new_avatar = store_renditions(f"avatars/{user.pk}", processed)
    try:
        with transaction.atomic():
            old_keys = stored_keys(user.avatar)
            user.avatar = new_avatar
            user.save(update_fields=["avatar"])
            _delete_files_on_commit(old_keys)
    except Exception:
        delete_stored_files(stored_keys(new_avatar))
        raise
    return user


@transaction.atomic
def user_delete_avatar(*, user: User) -> User:
    old_keys = stored_keys(user.avatar)
    user.avatar = {}
    user.save(update_fields=["avatar"])
    _delete_files_on_commit(old_keys)
    return user


def user_validate_new_password(*, user: User, password: str) -> None:
    password_validation.validate_password(password, user)


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Set a new password (validated by the caller) and end the user's other sessions.

    Sessions stop through Django's session auth hash; JWTs carry a hash of the password
    hash (CHECK_REVOKE_TOKEN), and every outstanding refresh token is also blacklisted.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    user_blacklist_refresh_tokens(user=user)
    return user


def user_blacklist_refresh_tokens(*, user: User) -> None:
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def password_reset_send(*, email: str, request: HttpRequest) -> None:
    """Email a reset link if an active account has this address; silent otherwise, so the
    answer never reveals whether an account exists. At most `password_reset_email` links
    per address and window, whoever asks: the per-client limit alone would let many
    clients flood one inbox. Past it, nothing is sent, silently too."""
    try:
        ratelimit.hit("password_reset_email", ratelimit.name_subject(email))
    except ratelimit.RateLimited:
        logger.info("Password reset not sent: too many asked for this address")
        return
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="accounts/email/password_reset_subject.txt",
            email_template_name="accounts/email/password_reset_email.txt",
        )


# --- Download your data -------------------------------------------------------------------

# A running export whose row has not moved for this long died with its process (a thread
# of a restarted web server, a killed worker): a new request replaces it.
EXPORT_STALE_AFTER = timedelta(minutes=15)


def _dead_exports() -> Q:
    return Q(
        status__in=DataExport.ACTIVE_STATUSES, updated_at__lt=timezone.now() - EXPORT_STALE_AFTER
    )


def _delete_exports(exports: Iterable[DataExport]) -> int:
    """Delete these export rows; their files after the commit."""
    exports = list(exports)
    _delete_files_on_commit(export.file_key for export in exports if export.file_key)
    DataExport.objects.filter(pk__in=[export.pk for export in exports]).delete()
    return len(exports)


def data_export_request(*, user: User) -> DataExport:
    """Ask for a "download your data" archive of `user`; the export (pending) is returned
    at once and built in the background after the commit (accounts.tasks).

    Safe to repeat: while an export is pending or running, that one is returned and
    nothing starts. Asking anew replaces the user's earlier exports (their files are
    deleted after the commit); an export that stopped moving (EXPORT_STALE_AFTER) counts
    as dead and is replaced too.
    """
    from accounts import tasks

    with transaction.atomic():
        # Serialises two requests of one user; the database constraint is the backstop.
        User.objects.select_for_update().filter(pk=user.pk).first()
        mine = DataExport.objects.filter(user=user)
        active = mine.filter(status__in=DataExport.ACTIVE_STATUSES).exclude(_dead_exports())
        running = active.first()
        if running is not None:
            return running
        _delete_exports(mine)
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user)
        except IntegrityError:
            return active.get()
        transaction.on_commit(lambda: tasks.start_data_export(export.pk))
    return export


def data_export_purge(*, now: datetime | None = None) -> int:
    """Delete expired exports (DATA_EXPORT_RETENTION_DAYS after they were built), failed
    ones and dead ones, with their files (after the commit); the number deleted."""
    now = now or timezone.now()
    expired = Q(status=DataExport.Status.READY, expires_at__lte=now)
    failed = Q(status=DataExport.Status.FAILED)
    with transaction.atomic():
        return _delete_exports(DataExport.objects.filter(expired | failed | _dead_exports()))


# --- Deleting an account ------------------------------------------------------------------

# Sent by `user_delete` inside its transaction, before the user row is deleted, with
# sender=User and `user`. Apps above accounts subscribe (DESIGN.md, Layers): they delete
# what a database cascade cannot delete correctly (posts, whose files must leave storage)
# and keep other users' counters exact (followers_count, likes_count ...). Sent with
# `send`, not `send_robust`: a receiver that fails rolls the whole deletion back.
user_deleting = Signal()


def user_confirm_deletion(*, user: User, password: str) -> None:
    """ValidationError unless `password` is the user's: deleting an account asks for it
    again (on the page and in the API), a borrowed session or token is not enough."""
    if not user.check_password(password):
        raise ValidationError("That password is not right. Nothing was deleted.")


def user_delete(*, user: User) -> None:
    """Delete an account and everything of it, for good.

    Precondition: the caller confirmed it (the password, on the page and in the API).
    In one transaction: `user_deleting` lets social, posts and feed delete the user's
    posts (through posts' delete service), likes, comments, saves and follows while fixing
    the counters of other users; the user's refresh tokens are blacklisted; then the user
    row goes, and with it by cascade what is left (notifications sent and received, follow
    requests, blocks, timeline entries, exports). After the commit the files of the posts,
    the avatar and the exports are deleted from storage. Access tokens stop working at
    once (their user no longer exists). Deleting a deleted user does nothing.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return
        user_deleting.send(sender=User, user=locked)
        _delete_files_on_commit(stored_keys(locked.avatar or {}))
        _delete_exports(DataExport.objects.filter(user=locked))
        user_blacklist_refresh_tokens(user=locked)
        # Every open socket of the user closes, cookie and JWT ones alike.
        events.publish(events.user_group(locked.pk), {"type": "session.revoked", "_session": None})
        locked.delete()
