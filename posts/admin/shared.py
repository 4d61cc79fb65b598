"""Pieces the posts admin pages share: display helpers, read-only bases, bulk actions."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from instaclone.images import rendition_url
from posts.models import ModerationAction, PostMedia

EXCERPT_LENGTH = 60

AdminAction = Callable[[admin.ModelAdmin, HttpRequest, QuerySet], None]


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


def thumbnail(media: PostMedia | None, size: int = 64) -> SafeString | str:
    url = rendition_url(media.renditions, "thumb") if media else None
    if not url:
        return ""
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
        url,
        media.alt_text,  # type: ignore[union-attr]
        size,
        size,
    )


def user_links(user: User | None) -> SafeString | str:
    """The public profile and the admin page of an account."""
    if user is None:
        return "—"
    return format_html(
        '<a href="{}">@{}</a> (<a href="{}">admin</a>){}',
        reverse("profile", args=[user.username]),
        user.username,
        reverse("admin:accounts_user_change", args=[user.pk]),
        "" if user.is_active else " · suspended",
    )


def has(permission: str) -> Callable[[admin.ModelAdmin, HttpRequest], bool]:
    """A `has_<name>_permission` method for the admin actions that declare `<name>`."""

    def check(modeladmin: admin.ModelAdmin, request: HttpRequest) -> bool:
        return request.user.has_perm(permission)

    return check


def run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    items: list,
    act: Callable[[object], object],
    done: str,
) -> None:
    """Run a moderation action on each selected item; a refused item (own account, a
    report about something else) is reported and skipped, the others go ahead."""
    acted = 0
    for item in items:
        try:
            if act(item) is not None:
                acted += 1
        except ValidationError as error:
            modeladmin.message_user(
                request, f"{item}: {' '.join(error.messages)}", level=messages.ERROR
            )
    modeladmin.message_user(request, done.format(count=acted), level=messages.SUCCESS)


def moderation_action(
    *,
    description: str,
    permission: str,
    act: Callable[[User, Any], ModerationAction | None],
    done: str,
    applies: Callable[[Any], bool] | None = None,
) -> AdminAction:
    """An admin action that runs `act(moderator, item)` on each selected row (or each
    one that `applies`) through `run_each`; `done` is the success message, with {count}.
    Needs `has_<permission>_permission` on the model admin."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        items = [item for item in queryset if applies is None or applies(item)]
        run_each(modeladmin, request, items, lambda item: act(request.user, item), done)

    return action


class NoAddOrChange:
    """Mixed into model admins and inlines of rows that only the services write."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(NoAddOrChange, admin.ModelAdmin):
    """Rows written only by posts.services: viewable and deletable, never added or edited."""


class RemovedThroughModerationAdmin(ReadOnlyAdmin):
    """Deleted one row at a time through `delete_model`, which a subclass sends through
    posts.moderation (logged, counters exact, files gone after the commit), never by
    the queryset delete of Django's bulk action."""

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class RecordAdmin(ReadOnlyAdmin):
    """The record of what moderators were told and did (reports, the audit log): never
    added, edited or deleted here, even by a superuser."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(NoAddOrChange, admin.TabularInline):
    extra = 0
    can_delete = False
