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


def test_walk_run_migration_marks_the_library_rows_the_slug_rule_used_to_pick(tmp_path):
    # A database synced before exercises had walk_run: the migration marks the lines the app
    # used to tell by slug, so they stay walk-run until the next library sync.
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    now = datetime.now(UTC).isoformat()
    exercise = {
        "name": "x", "category": "strengthening", "body_regions": "[]", "target_muscles": "[]",
        "equipment": "[]", "position": "running", "level": 1, "times_per_week": 3, "steps": "[]",
        "cues": "[]", "faults": "[]", "cautions": "[]", "evidence": "", "search_text": "",
        "tags": "",
        "archived": False, "created_at": now, "updated_at": now, "sets": 1, "rest_seconds": 0,
        "side": "both", "times_per_day": 1,
    }  # fmt: skip
    rows = [
        ("walk-run-level-1", None),
        ("continuous-run-30-min", None),
        ("a-skips", None),
        ("walk-run-level-9", 1),  # a clinic's row: the slug rule never matched those
    ]
    with app.app_context():
        upgrade(revision="5e8f2e115941")
        exercises = sa.table(
            "exercises", *(sa.column(name) for name in [*exercise, "slug", "clinic_id"])
        )
        clinics = sa.table("clinics", sa.column("id"), sa.column("name"), sa.column("created_at"))
        with _db.engine.begin() as connection:
            connection.execute(clinics.insert().values(id=1, name="c", created_at=now))
            connection.execute(
                exercises.insert(),
                [{**exercise, "slug": slug, "clinic_id": clinic} for slug, clinic in rows],
            )
        upgrade()
        with _db.engine.connect() as connection:
            marked = dict(connection.execute(sa.text("SELECT slug, walk_run FROM exercises")).all())
        _db.engine.dispose()
    assert {slug: bool(value) for slug, value in marked.items()} == {
        "walk-run-level-1": True,
        "continuous-run-30-min": True,
        "a-skips": False,
        "walk-run-level-9": False,
    }


def test_upgrading_a_sqlite_database_in_use_keeps_every_plan(tmp_path):
    # Batch mode rebuilds SQLite tables; with foreign keys on, dropping the old `programmes`
    # deleted its versions by ON DELETE CASCADE. A database from the last release (outcomes_1)
    # with one patient's plan must keep all of it through every migration since.
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'in-use.db'}")
    now, day = "2026-11-01 08:00:00", "2026-11-01"
    rows = {
        "clinics": {"id": 1, "name": "c", "created_at": now},
        "users": [
            {"id": 1, "clinic_id": 1, "role": "physio", "name": "p", "login": "p@x",
             "active": True, "created_at": now},
            {"id": 2, "clinic_id": 1, "role": "patient", "name": "q", "login": "q@x",
             "active": True, "created_at": now},
        ],
        "patients": {"id": 1, "user_id": 2, "clinic_id": 1, "physio_id": 1,
                     "date_of_birth": "1980-01-01", "timezone": "Europe/London",
                     "condition": "gluteal_tendinopathy", "affected_side": "left", "goal": "",
                     "created_at": now},
        "programmes": {"id": 1, "patient_id": 1, "clinic_id": 1, "title": "t",
                       "start_date": day, "status": "active", "created_at": now},
        "programme_versions": {"id": 1, "programme_id": 1, "number": 1, "effective_from": day,
                               "created_at": now, "change_kind": "created", "summary": "",
                               "reason": "", "phase_position": 1, "affected_side": "left",
                               "green_max_during": 3, "amber_max_during": 5,
                               "amber_morning_rise": 1, "red_morning_rise": 2},
    }  # fmt: skip
    with app.app_context():
        upgrade(revision="outcomes_1")
        with _db.engine.begin() as connection:
            for name, values in rows.items():
                table = sa.table(name, *(sa.column(c) for c in _columns(values)))
                connection.execute(table.insert(), values)
        upgrade()
        with _db.engine.connect() as connection:
            counts = {
                name: connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar()
                for name in rows
            }
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        _db.engine.dispose()
    assert counts == {name: len(v) if isinstance(v, list) else 1 for name, v in rows.items()}
    assert foreign_keys == 1  # back on for the app's connections


def _columns(values: dict | list) -> list[str]:
    return list((values[0] if isinstance(values, list) else values).keys())
