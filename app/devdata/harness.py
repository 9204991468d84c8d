"""What the benchmark harness and the index tests ask of scale data: who to measure, and how
the hot pages' lookups are planned."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from app.devdata import ScaleError
from app.devdata.scale import physio_login
from app.domain.localtime import local_today
from app.extensions import db
from app.models import DaySummary, Flag, Patient, SyncEvent, User


def bench_patient() -> dict[str, Any]:
    """Return physio 1's first patient with exercises due today, and the first unit to tick."""
    from app.services import activity

    physio_id = db.session.scalar(sa.select(User.id).where(User.login == physio_login(1)))
    if physio_id is None:
        raise ScaleError("No scale data: run flask seed-scale first.")
    patients = db.session.scalars(
        sa.select(Patient).where(Patient.physio_id == physio_id).order_by(Patient.id)
    ).all()
    for patient in patients:
        view = activity.today_view(patient)
        if view.items:
            item = view.items[0]
            unit = item.units[0]
            return {
                "login": patient.user.login,
                "patient_id": patient.id,
                "today": view.day.isoformat(),
                "line_id": item.line_id,
                "session": unit.session,
                "side": unit.side,
                "caseload": len(patients),
            }
    raise ScaleError("None of physio 1's patients has anything due today.")


def hot_queries(
    patient_id: int, caseload: Sequence[int], today: date
) -> dict[str, sa.Select[*tuple[Any, ...]]]:
    """The lookups the hot pages make, with the index each one should use (by its name)."""
    from app.services import activity, charts

    year_ago, week_ago = today - timedelta(days=364), today - timedelta(days=6)
    return {
        # The statement the day page and the sync read their days with (activity._read_days).
        "days' ticks and check-ins (patient, date range)": activity.DAYS_STATEMENT.params(
            patient_id=patient_id, first=today - timedelta(days=2), last=today
        ),
        # The statement the chart data reads a year with (charts.load_history).
        "chart year (day summaries of a patient)": charts.SUMMARIES_STATEMENT.params(
            patient_id=patient_id, first=year_ago, last=today
        ),
        "dashboard week (day summaries of a caseload)": sa.select(DaySummary).where(
            DaySummary.patient_id.in_(caseload), DaySummary.local_date.between(week_ago, today)
        ),
        "caseload (patients of a physio)": sa.select(Patient).where(
            Patient.id.in_(caseload[:1]) | (Patient.physio_id == -1)
        ),
        "sync dedupe (events by id)": sa.select(SyncEvent.id).where(
            SyncEvent.id.in_(["00000000-0000-4000-a000-000000000000"])
        ),
        "open flags (patient)": sa.select(Flag).where(
            Flag.patient_id == patient_id, Flag.resolved_at.is_(None)
        ),
    }


def explain_hot_queries() -> dict[str, str]:
    """EXPLAIN each hot query (PostgreSQL) and return how it reads its table."""
    physio_id = db.session.scalar(sa.select(User.id).where(User.login == physio_login(1)))
    caseload = db.session.scalars(
        sa.select(Patient.id).where(Patient.physio_id == physio_id).order_by(Patient.id)
    ).all()
    if not caseload:
        raise ScaleError("No scale data: run flask seed-scale first.")
    timezone = db.session.scalar(sa.select(Patient.timezone).where(Patient.id == caseload[0]))
    queries = hot_queries(caseload[0], caseload, local_today(timezone or "UTC"))
    plans: dict[str, str] = {}
    for name, statement in queries.items():
        sql = statement.compile(
            dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        plans[name] = "; ".join(plan_scans(plan[0]["Plan"]))
    return plans


def plan_scans(node: dict[str, Any]) -> list[str]:
    """Return 'Index Scan using ix on table'-style words for every scan in a plan tree."""
    found: list[str] = []
    kind = node.get("Node Type", "")
    if "Scan" in kind:
        index = node.get("Index Name")
        table = node.get("Relation Name", "")
        found.append(f"{kind} using {index}" if index else f"{kind} on {table}")
    for child in node.get("Plans", []):
        found += plan_scans(child)
    return found
