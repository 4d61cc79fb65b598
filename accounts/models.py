from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from accounts.validators import validate_http_url, validate_not_reserved, validate_username

BIO_MAX_LENGTH = 150
FULL_NAME_MAX_LENGTH = 64


class InstacloneUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        # Usernames are unique case-insensitively, so lookups ignore case too.
        return self.get(username__iexact=username)


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

    @property
    def display_name(self) -> str:
        return self.full_name or self.username
