"""Accounts, with the suspend and unsuspend actions added to accounts' user admin."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import UserAdmin
from accounts.models import User
from posts import moderation
from posts.admin.shared import has, moderation_action

# accounts sits below posts and cannot import moderation, so the suspend actions join its
# user admin here.
admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(UserAdmin):
    actions = ("suspend_accounts", "unsuspend_accounts")

    has_suspend_permission = has("posts.suspend_user")

    suspend_accounts = moderation_action(
        description="Suspend the selected accounts",
        permission="suspend",
        act=lambda moderator, user: moderation.user_suspend(moderator=moderator, user=user),
        done="Suspended {count} account(s).",
    )
    unsuspend_accounts = moderation_action(
        description="Unsuspend the selected accounts",
        permission="suspend",
        act=lambda moderator, user: moderation.user_unsuspend(moderator=moderator, user=user),
        done="Unsuspended {count} account(s).",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        # Suspension goes through the actions, so that it is logged and its sessions end.
        return (*fields, "is_active") if obj is not None else fields
