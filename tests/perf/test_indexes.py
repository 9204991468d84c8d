"""Indexes: every foreign key and the (patient, date) lookups have one, and PostgreSQL uses them."""

import pytest
import sqlalchemy as sa

from app.devdata import harness
from app.domain.localtime import local_today

# (table, columns) the hot pages look up by patient and day.
PATIENT_DAY_INDEXES = (
    ("exercise_logs", ("patient_id", "local_date")),
    ("check_ins", ("patient_id", "session_date")),
    ("day_summaries", ("patient_id", "local_date")),
)


def _indexed_prefixes(inspector: sa.Inspector, table: str) -> list[tuple[str, ...]]:
    """Return the column lists of the table's primary key, unique constraints and indexes."""
    found = [tuple(inspector.get_pk_constraint(table)["constrained_columns"])]
    found += [tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)]
    found += [tuple(i["column_names"]) for i in inspector.get_indexes(table)]
    return [columns for columns in found if columns]


def test_every_foreign_key_column_leads_an_index(app, db):  # type: ignore[no-untyped-def]
    """Checked on the migrated database itself, so the models and the migration agree."""
    inspector = sa.inspect(db.session.connection())
    missing = []
    for table in db.metadata.sorted_tables:
        leading = {columns[0] for columns in _indexed_prefixes(inspector, table.name)}
        for key in inspector.get_foreign_keys(table.name):
            if key["constrained_columns"][0] not in leading:
                missing.append(f"{table.name}.{key['constrained_columns'][0]}")
    assert not missing, f"foreign keys without an index: {', '.join(missing)}"


def test_patient_day_lookups_have_a_composite_index(app, db):  # type: ignore[no-untyped-def]
    inspector = sa.inspect(db.session.connection())
    for table, columns in PATIENT_DAY_INDEXES:
        prefixes = [c[: len(columns)] for c in _indexed_prefixes(inspector, table)]
        assert columns in prefixes, f"{table} has no index starting with {columns}"


def test_postgresql_plans_the_hot_queries_with_their_indexes(db, seed_scale):  # type: ignore[no-untyped-def]
    """EXPLAIN on a realistic, ANALYZEd table (no planner switches): index scans, no seq scans."""
    if db.session.connection().dialect.name != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's; run with TEST_DATABASE_URL=postgresql://...")
    world = seed_scale(50, 365)  # the seeder ANALYZEs what it wrote
    patient = world.patient
    queries = harness.hot_queries(patient.id, [patient.id], local_today(patient.timezone))
    queries.pop("caseload (patients of a physio)")  # a 50-patient clinic is one physio's
    queries.pop("dashboard week (day summaries of a caseload)")  # ditto; see bench/results.md
    plans = {}
    for name, statement in queries.items():
        sql = statement.compile(
            dialect=db.session.connection().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar()
        plans[name] = harness.plan_scans(plan[0]["Plan"])
    for name, scans in plans.items():
        # A Bitmap Heap Scan reads the rows its Bitmap Index Scan found: still the index.
        assert not any(scan.startswith("Seq Scan") for scan in scans), f"{name}: {scans}"
        assert any(" using " in scan for scan in scans), f"{name}: {scans}"
    days = plans["days' ticks and check-ins (patient, date range)"]
    assert any("exercise_logs" in s for s in days) and any("check_ins" in s for s in days)
