"""B-tree prefix indexes for search on PostgreSQL (nothing on other databases).

Search reads its candidates cut at SEARCH_MAX_CANDIDATES (accounts.selectors.user_search,
feed.selectors.hashtag_search). For a prefix (`istartswith`: `UPPER(col::text) LIKE
UPPER('abc%')`) the trigram indexes of 0002 must first collect every match, 100,000 rows
for "user1" at 300,000 users; a text_pattern_ops b-tree on the same expression walks the
range in order and stops at the bound.
"""

from django.db import migrations

INDEXES = [
    ("feed_user_username_prefix", "accounts_user", 'UPPER("username"::text)'),
    ("feed_user_full_name_prefix", "accounts_user", 'UPPER("full_name"::text)'),
    ("feed_hashtag_name_prefix", "posts_hashtag", '("name"::text)'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expression} text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("feed", "0002_search_trigram_indexes")]

    operations = [migrations.RunPython(create, drop)]
