"""Trigram indexes for search on PostgreSQL (nothing on other databases).

Django's `icontains` / `istartswith` compile to `UPPER(col::text) LIKE UPPER(%s)`, so GIN
trigram indexes on exactly that expression serve users/?q= (social.selectors.user_search)
and the hashtag search without changing their queries. CREATE EXTENSION needs a role
allowed to create it (a superuser, or pg_trgm being trusted, as it is since PostgreSQL 13
for a database owner).
"""

from django.db import migrations

INDEXES = [
    ("feed_user_username_trgm", "accounts_user", 'UPPER("username"::text)'),
    ("feed_user_full_name_trgm", "accounts_user", 'UPPER("full_name"::text)'),
    ("feed_hashtag_name_trgm", "posts_hashtag", '"name"'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("feed", "0001_initial"),
        ("accounts", "0001_initial"),
        ("posts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
