from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "full_name", "is_private", "is_active", "is_staff")
    list_filter = ("is_private", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "full_name")
    readonly_fields = ("followers_count", "following_count", "posts_count", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("email", "full_name", "bio", "website", "is_private", "avatar")}),
        ("Counts", {"fields": ("followers_count", "following_count", "posts_count")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )
