"""A scratch PostgreSQL database for the hosting tests, next to the test database.

The server is TEST_DATABASE_URL's when that is PostgreSQL, else PGHOST/PGPORT/PGUSER
(default postgres@127.0.0.1:5432), so these tests run in both of CI's `make test` runs.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


def _server() -> sa.engine.URL:
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if test_url.startswith(("postgres://", "postgresql")):
        url = sa.engine.make_url(test_url.replace("postgres://", "postgresql://", 1))
        return url.set(drivername="postgresql+psycopg")
    return sa.engine.URL.create(
        "postgresql+psycopg",
        username=os.environ.get("PGUSER", "postgres"),
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", "5432")),
        database="postgres",
    )


def scratch_name(suffix: str) -> str:
    """<test database>_<suffix>, or stride_<pid>_<suffix> when the tests run on SQLite."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql")):
        return f"{_server().database}_{suffix}"
    return f"stride_{os.getpid()}_{suffix}"


def unreachable_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    engine = sa.create_engine(_server())
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"PostgreSQL is not reachable at {_server().host}:{_server().port} ({first})"
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    name = scratch_name(suffix)
    admin = sa.create_engine(_server(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield _server().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
