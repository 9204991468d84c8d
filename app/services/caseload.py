"""The physio's caseload: every patient in scope with why they need attention, most urgent first.

Three statements whatever the number of patients or the length of their history: the patients
with every one-row fact (counts, last activity, latest pain, whether a programme is active);
this week's day summaries; and, for the past days of this week with nothing logged (so no
summary), the plan versions in force with their current phase's prescriptions.
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
from app.policy import scoped_patients
from app.services.plans import SPEC_COLUMNS, spec_for

RED_DAYS = 3  # a red day within the last 3 days (today included) puts a patient first
SILENT_DAYS = 3  # nothing logged for this many days
LOW_ADHERENCE = 0.5

# Aliases made once: building one copies every column, a few ms per request.
LATEST_PAIN = sa.orm.aliased(DaySummary, name="latest_pain")


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
    rows: dict[int, CaseloadRow] = {}
    first_versions: dict[int, date | None] = {}
    scoped = scoped_patients(user).with_only_columns(Patient.id)
    for found in db.session.execute(_patients_statement(scoped, search)):
        rows[found.id] = CaseloadRow(
            found.id,
            found.name,
            local_today(found.timezone, now),
            last_activity=found.last_activity,
            pending_suggestions=found.pending,
            open_flags=found.flags,
            latest_pain_day=found.pain_day,
            latest_during=found.during_pain,
            latest_morning=found.morning_pain,
            latest_zone=found.zone,
        )
        first_versions[found.id] = found.first_version
    if rows:
        _add_recent_days(rows, first_versions, scoped)
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


def _patients_statement(scoped: sa.Select, search: str | None) -> sa.Select:
    """Select each patient in scope with every per-patient fact that is one row (one statement).

    Pending suggestions and open flags are counts; last activity and the latest day with pain
    are the newest matching day summary, found by walking the (patient, date) index backwards,
    so a year of summaries costs what a week does; first_version is the earliest effective
    date of the active programme's versions (whether the patient has a programme yet).
    """
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
        sa.select(DaySummary.local_date)
        .where(DaySummary.patient_id == Patient.id, DaySummary.logged.is_(True))
        .order_by(DaySummary.local_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_pain_day = (
        sa.select(DaySummary.local_date)
        .where(
            DaySummary.patient_id == Patient.id,
            sa.or_(DaySummary.during_pain.is_not(None), DaySummary.morning_pain.is_not(None)),
        )
        .order_by(DaySummary.local_date.desc())
        .limit(1)
        .correlate(Patient)
        .scalar_subquery()
    )
    first_version = (
        sa.select(sa.func.min(ProgrammeVersion.effective_from))
        .join(Programme, ProgrammeVersion.programme_id == Programme.id)
        .where(Programme.patient_id == Patient.id, Programme.status == ProgrammeStatus.ACTIVE)
        .scalar_subquery()
    )
    pain = LATEST_PAIN
    stmt = (
        sa.select(
            Patient.id,
            User.name,
            Patient.timezone,
            pending.label("pending"),
            flags.label("flags"),
            last_activity.label("last_activity"),
            pain.local_date.label("pain_day"),
            pain.during_pain,
            pain.morning_pain,
            pain.zone,
            first_version.label("first_version"),
        )
        .join(User, Patient.user_id == User.id)
        .outerjoin(pain, sa.and_(pain.patient_id == Patient.id, pain.local_date == latest_pain_day))
        .where(Patient.id.in_(scoped.scalar_subquery()))
        .order_by(User.name, Patient.id)
    )
    if search and search.strip():
        words = search.strip().lower().replace("\\", "").replace("%", "").replace("_", "")
        stmt = stmt.where(sa.func.lower(User.name).contains(words))
    return stmt


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


def _add_recent_days(
    rows: dict[int, CaseloadRow], first_versions: dict[int, date | None], scoped: sa.Select
) -> None:
    """Fill in this week's adherence and recent red days from the summaries (two statements).

    A past day with no summary had nothing logged: what was due then comes from the plan,
    read only for the patients and days that need it. Today counts only what is done, which
    its summary says (no summary: nothing done, so nothing counts yet).
    """
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
        )
        # The scope as a subquery, not the ids: binding 200 parameters costs more than the
        # query. A name search reads its scope's other patients' week too, and skips them.
        .where(
            DaySummary.patient_id.in_(scoped.scalar_subquery()),
            DaySummary.local_date.between(first, last),
        )
    ).all()
    known: dict[int, dict[date, DayTotals]] = defaultdict(dict)
    for pid, day, due_units, done_units, zone in summaries:
        if pid not in rows:
            continue
        known[pid][day] = DayTotals(day, due_units, done_units, zone=zone)
        row = rows[pid]
        if zone == Zone.RED and row.today - timedelta(days=RED_DAYS - 1) <= day <= row.today:
            row.red_recently = True
    unlogged: dict[int, list[date]] = {}
    for pid, row in rows.items():
        first_version = first_versions[pid]
        row.has_programme = first_version is not None and first_version <= last
        if row.has_programme:
            days = _days(week_start(row.today), row.today - timedelta(days=1))
            if missing := [day for day in days if day not in known[pid]]:
                unlogged[pid] = missing
    due = _due_units(unlogged)
    for pid, row in rows.items():
        for day in _days(week_start(row.today), row.today):
            record = known[pid].get(day) or DayTotals(day, due.get(pid, {}).get(day, 0))
            done, due_units = counted(record, row.today)
            row.week_done += done
            row.week_due += due_units


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _due_units(unlogged: dict[int, list[date]]) -> dict[int, dict[date, int]]:
    """Return due tick units on the given days of the given patients from their active plans.

    One statement (run even with no days, so the page's statement count is fixed): the
    versions in force on those days (the one in force on the earliest and any later ones)
    with their current phase's prescriptions, as plain columns.
    """
    wanted = [day for days in unlogged.values() for day in days]
    first, last = (min(wanted), max(wanted)) if wanted else (date.min, date.min)
    patient_ids = list(unlogged)
    active = sa.select(Programme.id).where(
        Programme.patient_id.in_(patient_ids), Programme.status == ProgrammeStatus.ACTIVE
    )
    # When the version in force on `first` took effect, per programme: grouped once, not a
    # correlated max per version row (which made PostgreSQL scan every programme version).
    since = (
        sa.select(
            ProgrammeVersion.programme_id,
            sa.func.max(ProgrammeVersion.effective_from).label("since"),
        )
        .where(ProgrammeVersion.programme_id.in_(active), ProgrammeVersion.effective_from <= first)
        .group_by(ProgrammeVersion.programme_id)
        .subquery("since")
    )
    lines = db.session.execute(
        sa.select(
            ProgrammeVersion.id,
            ProgrammeVersion.effective_from,
            ProgrammeVersion.phase_position.label("version_phase"),
            Programme.patient_id,
            Programme.start_date,
            Programme.end_date,
            *SPEC_COLUMNS,
        )
        .join(Programme, ProgrammeVersion.programme_id == Programme.id)
        .outerjoin(since, since.c.programme_id == Programme.id)
        # Only the current phase's lines are ever due; a version without any still counts.
        .outerjoin(
            Prescription,
            sa.and_(
                Prescription.version_id == ProgrammeVersion.id,
                Prescription.phase_position == ProgrammeVersion.phase_position,
            ),
        )
        .where(
            Programme.patient_id.in_(patient_ids),
            Programme.status == ProgrammeStatus.ACTIVE,
            ProgrammeVersion.effective_from <= last,
            ProgrammeVersion.effective_from >= sa.func.coalesce(since.c.since, date.min),
        )
        .order_by(ProgrammeVersion.id, Prescription.position)
    ).all()
    versions: dict[int, list] = defaultdict(list)
    specs: dict[int, list] = {}
    for line in lines:
        if line.id not in specs:  # a version's first row (a version without lines has one)
            specs[line.id] = []
            versions[line.patient_id].append(line)
        if line.line_id is not None:
            specs[line.id].append(spec_for(line))
    result: dict[int, dict[date, int]] = {}
    for pid, its_versions in versions.items():
        snapshots = [
            PlanSnapshot(v.id, v.effective_from, v.version_phase, tuple(specs[v.id]))
            for v in its_versions
        ]
        start, end = its_versions[0].start_date, its_versions[0].end_date
        days = unlogged[pid]
        due = due_between(start, snapshots, days[0], days[-1], end)
        result[pid] = {day: sum(item.unit_count for item in due[day]) for day in days}
    return result
