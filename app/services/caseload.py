"""The physio's caseload: every patient in scope with why they need attention, most urgent first.

Five statements whatever the number of patients: the patients with their pending-suggestion
count, open-flag count and last activity (correlated subqueries); each one's latest pain; the
recent day summaries; the active plans' versions; their prescriptions.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from app.domain.localtime import local_today, week_start
from app.domain.pain import Zone
from app.domain.progress import DayTotals, counted
from app.domain.schedule import PlanSnapshot, due_between
from app.extensions import db
from app.models import (
    DaySummary,
    Flag,
    Patient,
    Prescription,
    Programme,
    ProgrammeStatus,
    ProgrammeVersion,
    Suggestion,
    User,
)
from app.security import scoped_patients
from app.services.plans import spec_for

RED_DAYS = 3  # a red day within the last 3 days (today included) puts a patient first
SILENT_DAYS = 3  # nothing logged for this many days
LOW_ADHERENCE = 0.5


class Need(StrEnum):
    """Why a patient needs attention, most urgent first."""

    RED = "red"
    SUGGESTION = "suggestion"
    SILENT = "silent"
    LOW_ADHERENCE = "low_adherence"
    FINE = "fine"


NEED_ORDER = list(Need)
NEED_LABELS = {
    Need.RED: "Red pain or worse next morning",
    Need.SUGGESTION: "Suggestion to review",
    Need.SILENT: f"Nothing logged for {SILENT_DAYS} days",
    Need.LOW_ADHERENCE: "Adherence under 50% this week",
    Need.FINE: "No action needed",
}


@dataclass
class CaseloadRow:
    patient_id: int
    name: str
    today: date
    has_programme: bool = False
    last_activity: date | None = None
    pending_suggestions: int = 0
    open_flags: int = 0
    week_done: int = 0
    week_due: int = 0
    latest_pain_day: date | None = None
    latest_during: int | None = None
    latest_morning: int | None = None
    latest_zone: str | None = None
    red_recently: bool = False
    needs: list[Need] = field(default_factory=list)

    @property
    def adherence_percent(self) -> int | None:
        if not self.week_due:
            return None
        return (200 * self.week_done + self.week_due) // (2 * self.week_due)

    @property
    def need(self) -> Need:
        """Return the most urgent reason (FINE when there is none)."""
        return self.needs[0] if self.needs else Need.FINE


def caseload(
    user: User,
    need: str | None = None,
    search: str | None = None,
    *,
    now: datetime | None = None,
) -> list[CaseloadRow]:
    """Return the user's patients, most in need first, optionally filtered.

    now: the instant to judge "today" by (each patient's own local date); default: now.
    """
    scoped = scoped_patients(user).with_only_columns(Patient.id).scalar_subquery()
    pending = (
        sa.select(sa.func.count(Suggestion.id))
        .where(Suggestion.patient_id == Patient.id, Suggestion.status == "pending")
        .scalar_subquery()
    )
    flags = (
        sa.select(sa.func.count(Flag.id))
        .where(Flag.patient_id == Patient.id, Flag.resolved_at.is_(None))
        .scalar_subquery()
    )
    last_activity = (
        sa.select(sa.func.max(DaySummary.local_date))
        .where(DaySummary.patient_id == Patient.id, DaySummary.logged.is_(True))
        .scalar_subquery()
    )
    stmt = (
        sa.select(Patient.id, User.name, Patient.timezone, pending, flags, last_activity)
        .join(User, Patient.user_id == User.id)
        .where(Patient.id.in_(scoped))
        .order_by(User.name, Patient.id)
    )
    if search and search.strip():
        words = search.strip().lower().replace("\\", "").replace("%", "").replace("_", "")
        stmt = stmt.where(sa.func.lower(User.name).contains(words))
    rows = {
        pid: CaseloadRow(
            pid, name, local_today(tz, now), pending_suggestions=p, open_flags=f, last_activity=last
        )
        for pid, name, tz, p, f, last in db.session.execute(stmt)
    }
    if rows:
        _add_latest_pain(rows)
        _add_recent_days(rows)
    for row in rows.values():
        row.needs = _needs(row)
    # Most urgent reason first; with the same one, more reasons first; then by name.
    ordered = sorted(
        rows.values(),
        key=lambda r: (NEED_ORDER.index(r.need), -len(r.needs), r.name.lower()),
    )
    if need in {n.value for n in Need}:
        wanted = Need(need)
        ordered = [r for r in ordered if wanted in r.needs or (wanted == Need.FINE and not r.needs)]
    return ordered


def _needs(row: CaseloadRow) -> list[Need]:
    needs = []
    if row.open_flags or row.red_recently:
        needs.append(Need.RED)
    if row.pending_suggestions:
        needs.append(Need.SUGGESTION)
    if row.has_programme and (
        row.last_activity is None or row.last_activity < row.today - timedelta(days=SILENT_DAYS)
    ):
        needs.append(Need.SILENT)
    if row.week_due and row.week_done / row.week_due < LOW_ADHERENCE:
        needs.append(Need.LOW_ADHERENCE)
    return needs


def _add_latest_pain(rows: dict[int, CaseloadRow]) -> None:
    """Fill in each patient's latest day with pain reported (one windowed statement)."""
    ranked = (
        sa.select(
            DaySummary.patient_id,
            DaySummary.local_date,
            DaySummary.during_pain,
            DaySummary.morning_pain,
            DaySummary.zone,
            sa.func.row_number()
            .over(partition_by=DaySummary.patient_id, order_by=DaySummary.local_date.desc())
            .label("rank"),
        )
        .where(
            DaySummary.patient_id.in_(list(rows)),
            sa.or_(DaySummary.during_pain.is_not(None), DaySummary.morning_pain.is_not(None)),
        )
        .subquery()
    )
    for pid, day, during, morning, zone, _rank in db.session.execute(
        sa.select(ranked).where(ranked.c.rank == 1)
    ):
        row = rows[pid]
        row.latest_pain_day, row.latest_during, row.latest_morning = day, during, morning
        row.latest_zone = zone


def _add_recent_days(rows: dict[int, CaseloadRow]) -> None:
    """Fill in this week's adherence and recent red days, from summaries and the plans."""
    # Patients' todays differ by timezone: read from the earliest Monday any of them needs.
    first = min(
        min(week_start(r.today), r.today - timedelta(days=RED_DAYS - 1)) for r in rows.values()
    )
    last = max(r.today for r in rows.values())
    summaries = db.session.execute(
        sa.select(
            DaySummary.patient_id,
            DaySummary.local_date,
            DaySummary.due_units,
            DaySummary.done_units,
            DaySummary.zone,
        ).where(DaySummary.patient_id.in_(list(rows)), DaySummary.local_date.between(first, last))
    ).all()
    due = _due_units(list(rows), first, last)
    known: dict[int, dict[date, DayTotals]] = defaultdict(dict)
    for pid, day, due_units, done_units, zone in summaries:
        known[pid][day] = DayTotals(day, due_units, done_units, zone=zone)
        row = rows[pid]
        if zone == Zone.RED and row.today - timedelta(days=RED_DAYS - 1) <= day <= row.today:
            row.red_recently = True
    for pid, row in rows.items():
        row.has_programme = pid in due
        day = week_start(row.today)
        while day <= row.today:
            record = known[pid].get(day) or DayTotals(day, due.get(pid, {}).get(day, 0))
            done, due_units = counted(record, row.today)
            row.week_done += done
            row.week_due += due_units
            day += timedelta(days=1)


def _due_units(patient_ids: list[int], first: date, last: date) -> dict[int, dict[date, int]]:
    """Return due tick units per patient and day from the active plans (two statements).

    Only the versions in force from first to last are read (the one in force on first and
    any later ones), as plain columns: a year-old programme costs what a new one does.
    """
    earlier = sa.orm.aliased(ProgrammeVersion)
    in_force_at_first = (
        sa.select(sa.func.max(earlier.effective_from))
        .where(earlier.programme_id == Programme.id, earlier.effective_from <= first)
        .correlate(Programme)
        .scalar_subquery()
    )
    versions = db.session.execute(
        sa.select(
            ProgrammeVersion.id,
            ProgrammeVersion.effective_from,
            ProgrammeVersion.phase_position,
            Programme.patient_id,
            Programme.start_date,
            Programme.end_date,
        )
        .join(Programme, ProgrammeVersion.programme_id == Programme.id)
        .where(
            Programme.patient_id.in_(patient_ids),
            Programme.status == ProgrammeStatus.ACTIVE,
            ProgrammeVersion.effective_from <= last,
            ProgrammeVersion.effective_from >= sa.func.coalesce(in_force_at_first, date.min),
        )
    ).all()
    if not versions:
        return {}
    # Only the columns spec_for() reads: rows, not tracked ORM objects.
    prescriptions = db.session.execute(
        sa.select(
            Prescription.version_id,
            Prescription.line_id,
            Prescription.exercise_id,
            Prescription.phase_position,
            Prescription.side,
            Prescription.days_of_week,
            Prescription.times_per_week,
            Prescription.times_per_day,
        )
        .where(Prescription.version_id.in_([v.id for v in versions]))
        .order_by(Prescription.version_id, Prescription.position)
    ).all()
    specs = defaultdict(list)
    for prescription in prescriptions:
        specs[prescription.version_id].append(spec_for(prescription))
    plans: dict[int, list] = defaultdict(list)
    for version in versions:
        plans[version.patient_id].append(version)
    result: dict[int, dict[date, int]] = {}
    for pid, its_versions in plans.items():
        snapshots = [
            PlanSnapshot(v.id, v.effective_from, v.phase_position, tuple(specs[v.id]))
            for v in its_versions
        ]
        start, end = its_versions[0].start_date, its_versions[0].end_date
        result[pid] = {
            day: sum(len(item.units) for item in items)
            for day, items in due_between(start, snapshots, first, last, end).items()
        }
    return result
