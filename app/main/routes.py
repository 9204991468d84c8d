"""Home redirect, the liveness check (/healthz) and the readiness check (/readyz)."""

from pathlib import Path

import sqlalchemy as sa
from flask import current_app, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db, for_reads
from app.main import bp
from app.models import Role
from app.policy import public


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """Send people to their own home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.PATIENT:
        return redirect(url_for(home_endpoint(Role.PATIENT)))
    return redirect(url_for(home_endpoint(current_user.role)))


def home_endpoint(role: str) -> str:
    """The endpoint of each role's home page."""
    return "dashboard.index" if role != Role.PATIENT else "today.today"


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Report whether the app can reach its database."""
    if not database_answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


def database_answers() -> bool:
    """Whether one SELECT 1 comes back, on a pooled connection in autocommit.

    Not the ORM session, whose set-up and teardown cost more than the statement, and the
    driver's own cursor, not SQLAlchemy's result machinery: a seventh of a /healthz request.
    A connection the database dropped is invalidated, as SQLAlchemy's own execute would, so
    the pool does not hand it out again.
    """
    engine = for_reads(db.engine)
    try:
        with engine.connect() as connection:
            cursor = connection.connection.cursor()
            try:
                cursor.execute("SELECT 1")
            except engine.dialect.loaded_dbapi.Error:
                connection.invalidate()
                return False
            finally:
                cursor.close()
    except sa.exc.SQLAlchemyError:  # no connection to be had
        return False
    return True


def migration_heads() -> frozenset[str]:
    """The head revisions of the migration scripts shipped with this code (read once)."""
    heads = current_app.extensions.get("stride_migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory(str(Path(current_app.root_path).parent / "migrations"))
        heads = frozenset(scripts.get_heads())
        current_app.extensions["stride_migration_heads"] = heads
    return heads


@bp.get("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """Report whether this server can take traffic: database reachable, migrations at head."""
    if not database_answers():
        return jsonify(status="error", database="unreachable"), 503
    try:
        applied = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except sa.exc.SQLAlchemyError:  # no alembic_version table: never migrated
        db.session.rollback()
        applied = set()
    heads = migration_heads()
    if applied != heads:
        body = {"applied": sorted(applied), "expected": sorted(heads)}
        return jsonify(status="error", database="ok", migrations="not at head", **body), 503
    return jsonify(status="ok", database="ok", migrations="at head")
