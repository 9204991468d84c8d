"""Read requests on PostgreSQL run without a transaction, so their queries stay prepared.

These tests use the app's own engine-bound session (not the per-test rollback fixture, whose
session is bound to one connection inside a transaction) and touch no data.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db


def _prepared_statements(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in rows]


def test_postgresql_keeps_a_read_requests_queries_prepared(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are PostgreSQL's (psycopg); SQLite reads keep BEGIN")
        db.engine.dispose()  # one pooled connection, reused by every request below
        client = app.test_client()
        # psycopg prepares a query the sixth time it runs on a connection, and forgets every
        # prepared query on ROLLBACK: a transaction around each read would clear it each time.
        for _ in range(8):
            assert client.get("/healthz").status_code == 200
        assert "SELECT 1" in _prepared_statements(db.engine)
        db.engine.dispose()
