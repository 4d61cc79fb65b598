"""The staff roles of moderation as Django groups.

"Moderators" review reports and act on them (hide posts, delete comments, suspend
accounts, dismiss reports) and may view posts, comments and accounts, but not edit or
delete accounts. "Admins" may do everything on posts, comments, reports, the audit log
and accounts. Membership does not make anyone staff: an admin sets `is_staff` too.
"""

from django.db import migrations

MODERATORS = "Moderators"
ADMINS = "Admins"

MODERATOR_PERMISSIONS = [
    ("posts", "view_report"),
    ("posts", "resolve_report"),
    ("posts", "hide_post"),
    ("posts", "suspend_user"),
    ("posts", "view_post"),
    ("posts", "view_comment"),
    ("posts", "delete_comment"),
    ("posts", "view_hashtag"),
    ("posts", "view_moderationaction"),
    ("accounts", "view_user"),
]
ADMIN_MODELS = [
    ("posts", "post"),
    ("posts", "comment"),
    ("posts", "hashtag"),
    ("posts", "report"),
    ("posts", "moderationaction"),
    ("accounts", "user"),
]


def _ensure_permissions(apps) -> None:
    # Permissions are normally created after all migrations ran (post_migrate); on a
    # fresh database they do not exist yet, so create those of these two apps now.
    from django.contrib.auth.management import create_permissions

    for label in ("accounts", "posts"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    for app_label, codename in MODERATOR_PERMISSIONS:
        moderators.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )

    admins, _ = Group.objects.get_or_create(name=ADMINS)
    for app_label, model in ADMIN_MODELS:
        admins.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )


def delete_groups(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=[MODERATORS, ADMINS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0002_moderation_reports_hidden_posts"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
