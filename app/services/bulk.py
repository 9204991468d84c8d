"""Writes of many rows in one statement, the same on PostgreSQL and SQLite.

The ORM would send one INSERT per new row on SQLite and one UPDATE per set of changed
columns; these send one statement whatever the number of rows (an executemany, which psycopg
pipelines). Each takes plain dicts, all with the same keys. They write through the tables,
not the ORM (whose bulk machinery costs more than the write on the sync's hot path), on the
session's connection (extensions.run), and build each statement once.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db, run


def insert_rows(model: type, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (none: no statement)."""
    if rows:
        run(sa.insert(table_of(model)), list(rows))


def insert_new_only(model: type) -> sa.Insert:
    """An INSERT that skips rows clashing with a unique constraint (ON CONFLICT DO NOTHING)."""
    return _insert_new_only(_dialect(), model)


@lru_cache(maxsize=16)
def _insert_new_only(dialect: str, model: type) -> sa.Insert:
    return _insert_for(dialect)(model).on_conflict_do_nothing()


def upsert(
    model: type,
    rows: Sequence[dict[str, Any]],
    *,
    keys: tuple[str, ...],
    newer_than: str | None = None,
) -> None:
    """INSERT each row, or UPDATE the row with the same keys (a unique constraint's columns).

    The update sets every column of the row but the keys. With newer_than (a timestamp
    column), a stored row is only replaced by one at least as new, so two requests writing
    the same row at once still end with the newer one (last writer wins by that column).
    """
    if rows:
        statement = _upsert(_dialect(), model, tuple(rows[0]), keys, newer_than)
        run(statement, list(rows))


@lru_cache(maxsize=64)
def _upsert(
    dialect: str, model: type, columns: tuple[str, ...], keys: tuple[str, ...], newer: str | None
) -> sa.Insert:
    insert = _insert_for(dialect)(table_of(model))
    table = table_of(model)
    update = {name: insert.excluded[name] for name in columns if name not in keys}
    where = None if newer is None else table.c[newer] <= insert.excluded[newer]
    return insert.on_conflict_do_update(index_elements=keys, set_=update, where=where)


def table_of(model: type) -> sa.Table:
    """Return the table a mapped class is written to."""
    table: sa.Table = getattr(model, "__table__")  # noqa: B009 - any mapped class
    return table


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
