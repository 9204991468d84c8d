"""The scale seeder: its summaries are what the app computes, and it is careful where it runs."""

import pytest
import sqlalchemy as sa

from app.devdata import ScaleError, scale
from app.devdata.bulk import IdAllocator
from app.domain.localtime import utcnow
from app.models import CheckIn, DaySummary, ExerciseLog, Patient, SyncEvent
from app.services import activity

SUMMARY_FIELDS = (
    "version_id", "due_units", "done_units", "during_pain", "morning_pain", "usual_pain",
    "max_exercise_pain", "zone", "logged",
)  # fmt: skip


def test_seeded_day_summaries_match_the_apps_own(db, seed_scale):  # type: ignore[no-untyped-def]
    world = seed_scale(4, 60)
    assert world.result.rows["patients"] == 4
    for patient in db.session.scalars(sa.select(Patient)):
        rows = db.session.scalars(
            sa.select(DaySummary).where(DaySummary.patient_id == patient.id)
        ).all()
        seeded = {row.local_date: tuple(getattr(row, f) for f in SUMMARY_FIELDS) for row in rows}
        assert seeded, "every patient logged something in 60 days"
        fresh = activity.refresh_day_summaries(patient, seeded)
        recomputed = {
            day: tuple(getattr(row, f) for f in SUMMARY_FIELDS) for day, row in fresh.items()
        }
        assert recomputed == seeded


def test_seeded_zones_count_exercise_pain_as_the_app_does(db, seed_scale):  # type: ignore[no-untyped-def]
    # Pain given on one exercise is pain during exercise too (pain.zone_for_day): a day whose
    # worst exercise was above the session's answer, or had no session answer, is zoned on it.
    seed_scale(30, 45, suggest_every=0)
    rows = db.session.scalars(
        sa.select(DaySummary).where(
            DaySummary.max_exercise_pain.is_not(None),
            sa.or_(
                DaySummary.during_pain.is_(None),
                DaySummary.max_exercise_pain > DaySummary.during_pain,
            ),
        )
    ).all()
    assert rows, "some seeded days have exercise pain above the session's"
    seeded = {(row.patient_id, row.local_date): row.zone for row in rows}
    by_patient: dict[int, list] = {}
    for patient_id, day in seeded:
        by_patient.setdefault(patient_id, []).append(day)
    recomputed = {}
    for patient_id, days in by_patient.items():
        fresh = activity.refresh_day_summaries(db.session.get(Patient, patient_id), days)
        recomputed.update({(patient_id, day): row.zone for day, row in fresh.items()})
    assert recomputed == seeded


def test_nothing_seeded_happens_after_now_and_today_is_left_to_do(db, seed_scale):  # type: ignore[no-untyped-def]
    # A tick timed later than now would make every benchmark tick of today "superseded".
    now = utcnow()
    world = seed_scale(5, 30, now=now)
    for column in (ExerciseLog.client_time, CheckIn.client_time, SyncEvent.client_time):
        latest = db.session.scalar(sa.select(sa.func.max(column)))
        assert latest is not None and latest <= now, column
    view = activity.today_view(world.patient, now=now)
    assert view.items and not any(unit.done for item in view.items for unit in item.units)


def test_the_busy_physio_owns_the_first_patients(db, seed_scale):  # type: ignore[no-untyped-def]
    world = seed_scale(6, 3)
    owned = db.session.scalar(
        sa.select(sa.func.count()).where(Patient.physio_id == world.physio.id)
    )
    assert owned == 6  # min(200, N)


def test_seed_scale_refuses_a_second_run(db, seed_scale, runner):  # type: ignore[no-untyped-def]
    seed_scale(2, 2)
    result = runner.invoke(args=["seed-scale", "--patients", "2", "--days", "2"])
    assert result.exit_code != 0 and "already" in result.output


def test_seed_scale_refuses_production(app, runner, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "STRIDE_ENV", "production")
    result = runner.invoke(args=["seed-scale", "--patients", "2", "--days", "2"])
    assert result.exit_code != 0 and "production" in result.output
    assert not scale.scale_exists()


def _fingerprint(db) -> list:  # type: ignore[no-untyped-def]
    """Every generated row of the big tables, ids included, in a stable order."""
    rows = []
    for model, order in (
        (ExerciseLog, ExerciseLog.id),
        (CheckIn, CheckIn.id),
        (SyncEvent, SyncEvent.id),
    ):
        rows += [
            tuple(row) for row in db.session.execute(sa.select(model.__table__).order_by(order))
        ]
    return rows


def test_the_same_seed_writes_the_same_rows_whatever_the_number_of_processes(db):  # type: ignore[no-untyped-def]
    now = utcnow()
    seen = []
    for workers in (1, 2):
        savepoint = db.session.begin_nested()
        result = scale.seed_scale(7, 20, now=now, suggest_every=0, workers=workers)
        assert result.rows["patients"] == 7
        seen.append(_fingerprint(db))
        savepoint.rollback()
    assert seen[0] and seen[0] == seen[1]


def test_the_big_tables_keep_every_index_and_key_after_seeding(db, seed_scale):  # type: ignore[no-untyped-def]
    # On PostgreSQL they are dropped for the load and built again at the end.
    def shapes() -> set:
        inspector = sa.inspect(db.session.connection())
        found = set()
        for table in scale.BULK_TABLES:
            found.add(
                (table, "pk", tuple(inspector.get_pk_constraint(table)["constrained_columns"]))
            )
            found |= {
                (table, "unique", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            }
            found |= {
                (table, i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)
            }
            found |= {
                (table, "fk", tuple(k["constrained_columns"]))
                for k in inspector.get_foreign_keys(table)
            }
        return found

    before = shapes()
    seed_scale(3, 5)
    assert shapes() == before


def test_a_chunk_that_outgrows_its_id_block_is_refused():
    (block,) = IdAllocator({"flags": 10}).blocks({"flags": 2}, 1)
    assert [block.next("flags"), block.next("flags")] == [11, 12]
    with pytest.raises(ScaleError, match="more flags ids than its block holds"):
        block.next("flags")
