"""Shared journey entries in search (forum.search): a tsvector beside each entry's note,
kept by a PostgreSQL trigger, and a GIN index built concurrently, as 0013_search does for
posts and titles. On SQLite only the (always empty) column is added."""

import django.contrib.postgres.search
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from forum.migration_operations import RunSQLOnPostgres


def fill_vectors(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forum_journeyentry SET search_vector = "
            "to_tsvector('pg_catalog.english', note) WHERE search_vector IS NULL"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forum", "0015_notification_kinds_together"),
    ]

    operations = [
        migrations.AddField(
            model_name="journeyentry",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        RunSQLOnPostgres(
            sql=[
                "CREATE TRIGGER forum_journeyentry_search_vector BEFORE INSERT OR UPDATE OF note "
                "ON forum_journeyentry FOR EACH ROW EXECUTE FUNCTION "
                "tsvector_update_trigger(search_vector, 'pg_catalog.english', note)",
            ],
            reverse_sql=[
                "DROP TRIGGER IF EXISTS forum_journeyentry_search_vector ON forum_journeyentry",
            ],
        ),
        migrations.RunPython(fill_vectors, migrations.RunPython.noop),
        RunSQLOnPostgres(
            sql=[
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS forum_journeyentry_search_vector_gin "
                "ON forum_journeyentry USING gin (search_vector)",
            ],
            reverse_sql=[
                "DROP INDEX CONCURRENTLY IF EXISTS forum_journeyentry_search_vector_gin",
            ],
        ),
    ]
