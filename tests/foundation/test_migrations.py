"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db as _db


def test_upgrade_from_empty_database_matches_the_models(app):
    # The session fixture built the test database with `flask db upgrade` from empty.
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_database_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory

    with app.app_context(), _db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert set(current) == set(heads) and len(heads) == 1
