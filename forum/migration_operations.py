"""Migration operations that keep a live PostgreSQL database readable and writable.

A plain CREATE INDEX blocks every write to its table until the index is built, and a
plain ADD CONSTRAINT holds the table's strongest lock while it checks every row: on the
posts table that is the whole forum standing still. These do the same work the way
PostgreSQL allows beside live traffic. They need a migration with `atomic = False`
(CONCURRENTLY cannot run in a transaction; a constraint is validated after the short
ADD has committed). Other databases get the plain operation: the schema ends the same.

tests/test_migrations.py refuses a migration that indexes or constrains an existing
table any other way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres import operations as postgres
from django.db import NotSupportedError, migrations
from django.db.migrations.state import ProjectState
from django.db.models import CheckConstraint, UniqueConstraint


def _on_postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL: reads and writes go on while it builds."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _on_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _on_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class AddConstraintConcurrently(migrations.AddConstraint):
    """On PostgreSQL, a check constraint is added NOT VALID (an instant change) and then
    validated, which reads the table without blocking writes; a unique constraint gets its
    index built concurrently first and then takes it over (ADD CONSTRAINT … USING INDEX).
    Only plain check and unique constraints (fields, no condition) are supported."""

    def __init__(self, model_name: str, constraint: Any) -> None:
        _path, _args, options = constraint.deconstruct()
        plain_unique = isinstance(constraint, UniqueConstraint) and set(options) == {
            "fields",
            "name",
        }
        if not (isinstance(constraint, CheckConstraint) or plain_unique):
            raise TypeError("only a check or a plain unique constraint can be added this way")
        super().__init__(model_name, constraint)
        self.unique_fields: tuple[str, ...] = tuple(options.get("fields", ()))

    def describe(self) -> str:
        return f"Concurrently create constraint {self.constraint.name} on {self.model_name}"

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if not _on_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        if schema_editor.connection.in_atomic_block:
            raise NotSupportedError(f"{self.describe()} needs atomic = False on its migration")
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        if isinstance(self.constraint, CheckConstraint):
            added = self.constraint.create_sql(model, schema_editor)
            schema_editor.execute(f"{added} NOT VALID", params=None)
            schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
            return
        columns = ", ".join(
            schema_editor.quote_name(model._meta.get_field(field).column)
            for field in self.unique_fields
        )
        schema_editor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns})")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"
        )


class MakeNullable(migrations.AlterField):
    """Let a column hold NULL and change nothing else. On PostgreSQL that is DROP NOT NULL,
    a catalogue change: AlterField would also drop and re-add a foreign key's constraint,
    whose check reads every row while writes to both tables wait."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _on_postgres(schema_editor):
            self._set_null(app_label, schema_editor, from_state, to_state, "DROP NOT NULL")
        else:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if _on_postgres(schema_editor):
            self._set_null(app_label, schema_editor, to_state, from_state, "SET NOT NULL")
        else:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def _set_null(
        self,
        app_label: str,
        schema_editor: Any,
        not_null_state: ProjectState,
        nullable_state: ProjectState,
        change: str,
    ) -> None:
        model = nullable_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        not_null = not_null_state.apps.get_model(app_label, self.model_name)
        *_, was = not_null._meta.get_field(self.name).deconstruct()
        field = model._meta.get_field(self.name)
        *_, becomes = field.deconstruct()
        if {**was, "null": True, "blank": True} != {**becomes, "blank": True}:
            raise ValueError(f"{self.describe()}: MakeNullable changes nothing but null")
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(model._meta.db_table)} "
            f"ALTER COLUMN {schema_editor.quote_name(field.column)} {change}"
        )


class RunSQLOnPostgres(migrations.RunSQL):
    """RunSQL that does nothing on other databases: PostgreSQL-only parts of the schema
    (search triggers, GIN indexes built concurrently) beside a schema that is otherwise
    the same everywhere."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if _on_postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if _on_postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, *args)
