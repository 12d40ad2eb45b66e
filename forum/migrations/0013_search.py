"""Full-text search (forum.search): a tsvector beside each post's body and thread's
title, kept by PostgreSQL triggers, and a GIN index on each.

Non-atomic, so that CREATE INDEX CONCURRENTLY can run: the indexes are built without
the long lock a plain CREATE INDEX takes on the posts table. Adding a nullable column is
instant (no table rewrite, unlike a stored generated column), and the existing rows are
filled in small batches, each its own short transaction.

The indexes are SQL here rather than GinIndex in the models' Meta: SQLite rebuilds a
table whenever a later migration alters it, recreating every index of the model, and it
cannot create a GIN index. On SQLite only the (always empty) columns are added.
"""

import django.contrib.postgres.search
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from forum.migration_operations import RunSQLOnPostgres

BATCH = 5000


def fill_vectors(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in (("forum_thread", "title"), ("forum_post", "body")):
        while True:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET search_vector = "  # noqa: S608 - fixed names
                    f"to_tsvector('pg_catalog.english', {column}) WHERE id IN "
                    f"(SELECT id FROM {table} WHERE search_vector IS NULL LIMIT {BATCH})"
                )
                if cursor.rowcount == 0:
                    break


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forum", "0012_reactions_and_read_states"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="thread",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        # PostgreSQL's own tsvector_update_trigger recomputes the vector on every write
        # that sets the text, whichever code makes it (actions, moderation, QuerySet
        # updates, bulk inserts), and only then.
        RunSQLOnPostgres(
            sql=[
                "CREATE TRIGGER forum_thread_search_vector BEFORE INSERT OR UPDATE OF title "
                "ON forum_thread FOR EACH ROW EXECUTE FUNCTION "
                "tsvector_update_trigger(search_vector, 'pg_catalog.english', title)",
                "CREATE TRIGGER forum_post_search_vector BEFORE INSERT OR UPDATE OF body "
                "ON forum_post FOR EACH ROW EXECUTE FUNCTION "
                "tsvector_update_trigger(search_vector, 'pg_catalog.english', body)",
            ],
            reverse_sql=[
                "DROP TRIGGER IF EXISTS forum_post_search_vector ON forum_post",
                "DROP TRIGGER IF EXISTS forum_thread_search_vector ON forum_thread",
            ],
        ),
        migrations.RunPython(fill_vectors, migrations.RunPython.noop),
        RunSQLOnPostgres(
            sql=[
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS forum_thread_search_vector_gin "
                "ON forum_thread USING gin (search_vector)",
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS forum_post_search_vector_gin "
                "ON forum_post USING gin (search_vector)",
            ],
            reverse_sql=[
                "DROP INDEX CONCURRENTLY IF EXISTS forum_post_search_vector_gin",
                "DROP INDEX CONCURRENTLY IF EXISTS forum_thread_search_vector_gin",
            ],
        ),
    ]
