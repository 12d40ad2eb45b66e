"""Migrations must run on a live PostgreSQL database without stopping the forum.

A table an earlier migration created may hold the forum's posts, threads and
notifications by the million. On such a table a migration may not build an index or
check a constraint under the table's lock (forum.migration_operations does both
concurrently), change a column's type (a rewrite), set NOT NULL (a scan under lock) or
alter a foreign key (Django drops its constraint and adds it back, checking every row).
Adding a nullable column or one with a constant default is instant on PostgreSQL 11+.

The graph walk runs on every database; the SQL check reads what PostgreSQL would be sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently as ConcurrentIndex
from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from forum.migration_operations import (
    AddConstraintConcurrently,
    AddIndexConcurrently,
    MakeNullable,
)

OUR_APPS = ("forum", "moderation")
# Operations PostgreSQL refuses inside a transaction (SQLite would not say so).
OUTSIDE_TRANSACTIONS = (ConcurrentIndex, RemoveIndexConcurrently, AddConstraintConcurrently)


def _database_operations(operations: Iterable[Operation]) -> Iterator[Operation]:
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def _table(state: ProjectState, app_label: str, model_name: str) -> str:
    model = state.models[app_label, model_name.lower()]
    return str(model.options.get("db_table") or f"{app_label}_{model.name_lower}")


def _tables(state: ProjectState) -> set[str]:
    return {_table(state, app_label, name) for app_label, name in state.models}


def _db_attributes(field: models.Field[object, object]) -> dict[str, object]:
    *_, options = field.deconstruct()
    return {key: value for key, value in options.items() if key not in field.non_db_attrs}


def _altered_field_hazard(
    old: models.Field[object, object], new: models.Field[object, object]
) -> str | None:
    was, becomes = _db_attributes(old), _db_attributes(new)
    if type(old) is type(new) and was == becomes:
        return None
    if old.remote_field is not None:
        return "alters a foreign key (its constraint is dropped and checked again)"
    if old.get_internal_type() != new.get_internal_type():
        return "changes a column's type (a table rewrite)"
    if (becomes.get("max_length") or 0) < (was.get("max_length") or 0):
        return "shortens a column (a table rewrite)"
    if old.null and not new.null:
        return "sets NOT NULL (a scan under lock)"
    if (new.db_index and not old.db_index) or (new.unique and not old.unique):
        return "indexes a column under lock"
    return None


def live_data_hazards(migration: Migration, state: ProjectState) -> list[str]:
    """What in `migration`, applied to `state`, would lock or rewrite an existing table."""
    existing = _tables(state)
    state = state.clone()
    found: list[str] = []
    for top in migration.operations:
        for operation in _database_operations([top]):
            hazard = _hazard(operation, migration, state, existing)
            if hazard:
                found.append(f"{migration.app_label}.{migration.name}: {hazard}")
        top.state_forwards(migration.app_label, state)
    return found


def _hazard(
    operation: Operation, migration: Migration, state: ProjectState, existing: set[str]
) -> str | None:
    if isinstance(operation, OUTSIDE_TRANSACTIONS) and migration.atomic:
        return f"{operation.describe()} needs atomic = False on its migration"
    if isinstance(operation, migrations.RunSQL):
        statements = operation.sql if isinstance(operation.sql, list | tuple) else [operation.sql]
        for statement in map(str, statements):
            if re.search(r"CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)", statement, re.I):
                return f"RunSQL builds an index without CONCURRENTLY: {statement[:60]}"
            if re.search(r"ALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE", statement, re.I):
                return f"RunSQL changes a column's type: {statement[:60]}"
        return None
    model_name = getattr(operation, "model_name", None) or getattr(operation, "name", "")
    if (migration.app_label, model_name.lower()) not in state.models:
        return None
    table = _table(state, migration.app_label, model_name)
    if table not in existing:
        return None
    if isinstance(operation, migrations.AddIndex) and not isinstance(operation, ConcurrentIndex):
        return f"{table}: a plain AddIndex (use AddIndexConcurrently)"
    if isinstance(operation, migrations.AddConstraint) and not isinstance(
        operation, AddConstraintConcurrently
    ):
        return f"{table}: a plain AddConstraint (use AddConstraintConcurrently)"
    if isinstance(operation, migrations.AlterUniqueTogether | migrations.AlterIndexTogether):
        return f"{table}: {operation.describe()} builds an index under lock"
    if isinstance(operation, migrations.AddField):
        if operation.field.db_index or operation.field.unique:
            return f"{table}.{operation.name}: an indexed new column (index it concurrently)"
        return None
    if isinstance(operation, migrations.AlterField) and not isinstance(operation, MakeNullable):
        old = state.models[migration.app_label, model_name.lower()].fields[operation.name]
        hazard = _altered_field_hazard(old, operation.field)
        return f"{table}.{operation.name}: {hazard}" if hazard else None
    return None


def _walk(loader: MigrationLoader) -> Iterator[tuple[Migration, ProjectState]]:
    """Every migration in the order migrate applies them, with the state before it."""
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan.extend(node for node in loader.graph.forwards_plan(leaf) if node not in plan)
    state = ProjectState(real_apps=loader.unmigrated_apps)
    for node in plan:
        migration = loader.graph.nodes[node]
        yield migration, state
        state = migration.mutate_state(state, preserve=True)


def test_migrations_leave_live_tables_readable_and_writable() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    hazards = [
        hazard
        for migration, state in _walk(loader)
        if migration.app_label in OUR_APPS
        for hazard in live_data_hazards(migration, state)
    ]
    assert hazards == []


def _careless_migration(operations: list[Operation], *, atomic: bool = True) -> Migration:
    migration = Migration("0999_careless", "forum")
    migration.operations = operations
    migration.atomic = atomic
    return migration


def _forum_state() -> ProjectState:
    return MigrationLoader(None, ignore_no_migrations=True).project_state()


def test_the_review_catches_what_would_lock_the_posts_table() -> None:
    careless = _careless_migration(
        [
            migrations.AddIndex("post", models.Index(fields=["thread", "status"], name="p_idx")),
            migrations.AddConstraint(
                "thread", models.CheckConstraint(condition=models.Q(id__gt=0), name="t_chk")
            ),
            migrations.AddField(
                "post", "editor", models.ForeignKey("forum.member", models.CASCADE)
            ),
            migrations.AlterField("post", "body", models.CharField(max_length=10_000)),
            migrations.AlterField("post", "deleted_at", models.DateTimeField()),
            # Only null changes, as notification.post's did: Django still re-adds the key.
            migrations.AlterField(
                "post",
                "thread",
                models.ForeignKey("forum.thread", models.CASCADE, null=True, related_name="posts"),
            ),
            migrations.RunSQL("CREATE INDEX p_sql ON forum_post (created_at)"),
            AddIndexConcurrently("notification", models.Index(fields=["kind"], name="n_idx")),
        ]
    )

    hazards = live_data_hazards(careless, _forum_state())

    expected = [
        "forum_post: a plain AddIndex",
        "forum_thread: a plain AddConstraint",
        "forum_post.editor: an indexed new column",
        "forum_post.body: changes a column's type",
        "forum_post.deleted_at: sets NOT NULL",
        "forum_post.thread: alters a foreign key",
        "RunSQL builds an index without CONCURRENTLY",
        "n_idx on field(s) kind of model notification needs atomic = False",
    ]
    assert len(hazards) == len(expected)
    for hazard, text in zip(hazards, expected, strict=True):
        assert text in hazard


def test_the_review_lets_live_safe_changes_through() -> None:
    careful = _careless_migration(
        [
            AddIndexConcurrently("post", models.Index(fields=["thread", "status"], name="p_idx")),
            AddConstraintConcurrently(
                "thread", models.CheckConstraint(condition=models.Q(id__gt=0), name="t_chk")
            ),
            migrations.AddField("post", "note", models.TextField(blank=True, default="")),
            migrations.AddField("post", "seen_at", models.DateTimeField(null=True)),
            migrations.AlterField(
                "post",
                "thread",
                models.ForeignKey("forum.thread", models.PROTECT, related_name="posts"),
            ),
            MakeNullable(
                "post",
                "author",
                models.ForeignKey("forum.member", models.PROTECT, null=True, related_name="posts"),
            ),
            migrations.AlterField(
                "post", "perspective", models.CharField(max_length=64, blank=True)
            ),
            migrations.CreateModel("Draft", [("id", models.BigAutoField(primary_key=True))]),
            migrations.AddIndex("draft", models.Index(fields=["id"], name="d_idx")),
        ],
        atomic=False,
    )

    assert live_data_hazards(careful, _forum_state()) == []


# No test transaction around it: concurrent operations refuse to run inside one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_is_sent_no_locking_index_or_constraint_on_an_existing_table() -> None:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    if connection.vendor != "postgresql":
        # SQLite has no concurrent index and no NOT VALID constraint: the same operations
        # send it the plain statements, so the schema ends the same on both.
        reviewed = loader.get_migration("forum", "0006_moderation_states")
        sql = "\n".join(loader.collect_sql([(reviewed, False)]))
        assert "CREATE INDEX" in sql
        assert "CONCURRENTLY" not in sql
        return
    found: list[str] = []
    for migration, state in _walk(loader):
        if migration.app_label not in OUR_APPS:
            continue
        existing = _tables(state)
        for statement in loader.collect_sql([(migration, False)]):
            target = re.search(r'(?:\bON|ALTER TABLE)\s+"?(\w+)"?', statement)
            if target is None or target.group(1) not in existing:
                continue
            locking_index = re.search(r"CREATE (UNIQUE )?INDEX (?!CONCURRENTLY)", statement)
            checked_constraint = re.search(
                r"ADD CONSTRAINT .* (CHECK|UNIQUE|FOREIGN KEY) \(", statement
            )
            if locking_index or (checked_constraint and "NOT VALID" not in statement):
                found.append(f"{migration.app_label}.{migration.name}: {statement[:120]}")
            if re.search(r"ALTER COLUMN \S+ TYPE (?!varchar)", statement):
                found.append(f"{migration.app_label}.{migration.name}: {statement[:120]}")
    assert found == []
