"""Flask extensions, created unbound and attached in create_app()."""

from functools import lru_cache
from typing import Any, TypeVarTuple, overload

import sqlalchemy as sa
from flask import has_request_context, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.util.typing import TupleAny


class Base(DeclarativeBase):
    """The typed declarative base every model subclasses.

    Its metadata names constraints by a convention, so migrations name them stably. Passed
    to SQLAlchemy(model_class=...) below, it gives db.Model, db.metadata and the registry;
    models subclass Base itself rather than db.Model, which Flask-SQLAlchemy builds at run
    time and a type checker cannot follow. Nothing here uses db.Model's extras (Model.query,
    bind keys, generated table names): every model names its __tablename__.
    """

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


Ts = TypeVarTuple("Ts")

# Requests that only read; their one kind of write, an access-audit row, is a single INSERT.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Session(FlaskSession):
    """db.session: on PostgreSQL, a read request's statements run without a transaction.

    Under READ COMMITTED each statement sees its own snapshot anyway, so BEGIN ... ROLLBACK
    around reads only adds two round trips; worse, psycopg forgets its prepared statements on
    every ROLLBACK, so PostgreSQL would plan the hot queries afresh on every request. In
    autocommit they stay prepared on each pooled connection. Writes keep their transaction.
    SQLite keeps one for reads too: pysqlite's isolation reset would undo the driver setting
    made at connect (app._sqlite_foreign_keys). The tests' session is bound to a connection
    that each test rolls back, so it is not this class.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> sa.Engine | sa.Connection:
        bind = super().get_bind(*args, **kwargs)
        if isinstance(bind, sa.Engine) and has_request_context() and request.method in READ_METHODS:
            return for_reads(bind)
        return bind


@lru_cache(maxsize=4)  # one engine per app; making one costs ~50 us, so not per statement
def for_reads(engine: sa.Engine) -> sa.Engine:
    """The engine statements that only read run on: in autocommit on PostgreSQL (see Session).

    The same pool; a connection goes back to its usual isolation level when returned.
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})


@overload
def run(statement: TypedReturnsRows[*Ts], parameters: Any = None) -> sa.CursorResult[*Ts]: ...


@overload
def run(statement: sa.Executable, parameters: Any = None) -> sa.CursorResult[*TupleAny]: ...


def run(statement: sa.Executable, parameters: Any = None) -> sa.CursorResult[*TupleAny]:
    """Run a Core statement (plain rows, no ORM entities) in db.session's transaction.

    db.session.execute sends even a plain SELECT or a table's INSERT through the ORM's
    statement machinery, about 0.1 ms a statement on the day page's and the sync's hot path;
    this runs it on the session's connection, after flushing pending ORM changes as
    db.session.execute's autoflush would (not inside no_autoflush).
    """
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters)


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
