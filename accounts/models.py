from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.validators import validate_http_url, validate_not_reserved, validate_username

BIO_MAX_LENGTH = 150
FULL_NAME_MAX_LENGTH = 64


_PRIMARY_KEY_LOOKUPS = frozenset({"pk", "id"})


class InstacloneUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        # Usernames are unique case-insensitively, so lookups ignore case too.
        return self.get(username__iexact=username)

    def get(self, *args: Any, **kwargs: Any) -> "User":
        """`User.objects.get(pk=...)`, which authenticates every signed-in request (the
        session's backend and the API's JWT both call it), runs a statement compiled once
        (instaclone.compiled): building the query was a third of a simple API request's
        time. Any other lookup is the ORM's, as is every error."""
        if args or len(kwargs) != 1 or not _PRIMARY_KEY_LOOKUPS.issuperset(kwargs):
            return super().get(*args, **kwargs)
        try:
            user_id = int(next(iter(kwargs.values())))
        except (TypeError, ValueError):
            return super().get(*args, **kwargs)
        from instaclone import compiled

        rows = compiled.rows("accounts.user", _user_row, viewer=None, ids=[user_id], using=self.db)
        if not rows:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return self.model.from_db(self.db, user_fields(), rows[0])


def user_fields() -> list[str]:
    """Every column of an account, in the order Model.from_db takes them."""
    return [field.attname for field in User._meta.concrete_fields]


def _user_row(viewer: object, ids: list[int]) -> models.QuerySet:
    return User.objects.filter(pk=ids[0]).values_list(*user_fields())


# What other people see of an account wherever it appears: a change to one of these moves
# `profile_changed_at`, which versions the cached cards that show the account.
DISPLAY_FIELDS = frozenset({"username", "full_name", "avatar"})


class User(AbstractUser):
    """An account and its public profile (one row: every page that shows a user needs both).

    The counters are denormalised: the social and posts services keep them exact with
    F() updates in the same transaction as the row they count.
    """

    username = models.CharField(
        max_length=30,
        unique=True,
        validators=[validate_username, validate_not_reserved],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=FULL_NAME_MAX_LENGTH, blank=True)
    bio = models.CharField(max_length=BIO_MAX_LENGTH, blank=True)
    website = models.URLField(max_length=200, blank=True, validators=[validate_http_url])
    is_private = models.BooleanField(default=False)
    # Storage keys of the avatar renditions, e.g. {"small": {"webp": key, "jpeg": key}}.
    avatar = models.JSONField(default=dict, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    posts_count = models.PositiveIntegerField(default=0)
    profile_changed_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = InstacloneUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or DISPLAY_FIELDS.intersection(update_fields):
            self.profile_changed_at = timezone.now()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "profile_changed_at"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class DataExport(models.Model):
    """A "download your data" archive of one user, built in the background.

    The ZIP is stored in the default storage under an unguessable, server-generated key
    that is never rendered: it is downloaded only through a view that checks the owner.
    At most one export per user is pending or running at a time (the database says so).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        READY = "ready"
        FAILED = "failed"

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    file_key = models.CharField(max_length=300, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Touched by every progress update: a running export that stops moving is dead.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["pending", "running"]),
                name="accounts_dataexport_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="accounts_dataexport_progress_max"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_export_user_recent"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.file_key)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def state(self) -> str:
        """The status as users see it: a ready archive past its date is "expired"."""
        if self.status == self.Status.READY and not self.is_downloadable:
            return "expired"
        return self.status


class Session(AbstractBaseSession):
    """A browser's signed-in session, Django's own plus the account it belongs to: an
    account's sessions are found by an index (to end them all), and a page reads its
    session and its account in one statement (instaclone.sessions)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    @classmethod
    def get_session_store_class(cls) -> type:
        from instaclone.sessions import SessionStore

        return SessionStore
