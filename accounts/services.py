"""Every write to accounts: sign-up, profile edits, avatar, passwords."""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from instaclone.images import (
    AVATAR_RENDITIONS,
    delete_stored_files,
    process_image,
    store_renditions,
    stored_keys,
)

PROFILE_FIELDS = ("full_name", "bio", "website", "is_private")


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
    answer never reveals whether an account exists."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="accounts/email/password_reset_subject.txt",
            email_template_name="accounts/email/password_reset_email.txt",
        )
