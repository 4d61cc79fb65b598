"""Validators for account fields; shared by forms, serializers and the model."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

USERNAME_PATTERN = r"^[A-Za-z0-9._]{1,30}\Z"

validate_username = RegexValidator(
    regex=USERNAME_PATTERN,
    message="Usernames have 1-30 characters: letters, digits, periods and underscores.",
    code="invalid_username",
)


def validate_http_url(value: str) -> None:
    """Only http(s) links: a `javascript:` or `data:` website would run in visitors' pages."""
    if value and urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValidationError("Enter a link that starts with http:// or https://.", code="scheme")


class MaximumLengthValidator:
    """Caps password length so a megabyte-long password cannot tie up the hasher."""

    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length or settings.PASSWORD_MAX_LENGTH

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be at most {self.max_length} characters."


# Top-level paths of the site: a user named like one would shadow it at /<username>/.
RESERVED_USERNAMES = frozenset(
    {
        "about", "accounts", "admin", "api", "direct", "explore", "feed", "healthz", "help",
        "login", "logout", "media", "notifications", "p", "ping", "privacy", "reels",
        "saved", "search", "settings", "signup", "static", "stories", "suggested", "tags",
        "terms", "ws",
    }
)  # fmt: skip


def validate_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError("This username isn't available.", code="reserved_username")
