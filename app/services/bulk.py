"""Writes of many rows in one statement, the same on PostgreSQL and SQLite.

The ORM would send one INSERT per new row on SQLite and one UPDATE per set of changed
columns; these send one statement whatever the number of rows (an executemany, which psycopg
pipelines). Each takes plain dicts, all with the same keys.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def insert_rows(model: type, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (none: no statement)."""
    if rows:
        db.session.execute(sa.insert(model).execution_options(render_nulls=True), list(rows))


def insert_new_only(model: type) -> sa.Insert:
    """An INSERT that skips rows clashing with a unique constraint (ON CONFLICT DO NOTHING)."""
    return _dialect_insert(model).on_conflict_do_nothing()


def upsert(
    model: type,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Iterable[str],
    newer_than: str | None = None,
) -> None:
    """INSERT each row, or UPDATE the row with the same keys (a unique constraint's columns).

    The update sets every column of the row but the keys. With newer_than (a timestamp
    column), a stored row is only replaced by one at least as new, so two requests writing
    the same row at once still end with the newer one (last writer wins by that column).
    """
    if not rows:
        return
    keys = list(keys)
    insert = _dialect_insert(model)
    table = model.__table__  # type: ignore[attr-defined]
    update = {name: insert.excluded[name] for name in rows[0] if name not in keys}
    where = None if newer_than is None else table.c[newer_than] <= insert.excluded[newer_than]
    statement = insert.on_conflict_do_update(index_elements=keys, set_=update, where=where)
    db.session.execute(statement.execution_options(render_nulls=True), list(rows))


def _dialect_insert(model: type) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
