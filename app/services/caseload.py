"""The physio's caseload: every patient in scope with why they need attention, most urgent first.

Three statements whatever the number of patients or the length of their history: the patients
with every one-row fact (counts, last activity, latest pain, whether a programme is active);
this week's day summaries; and, for the past days of this week with nothing logged (so no
summary), the plan in force on them (plans.plans_in_force: the programme running each day,
an archived one up to its end date, as every page reads it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.adherence import last_active_day
from app.domain.caseload_table import need_rank
from app.domain.localtime import days_between, local_today, week_start

# Need and its labels are the domain's (app.domain.needs); the dashboard imports them here.
from app.domain.needs import NEED_LABELS as NEED_LABELS
from app.domain.needs import Need, is_recent_red, needs_for, recent_red_from
from app.domain.numbers import percent
from app.domain.outcomes import measure_state
from app.domain.pain import Zone
from app.domain.progress import DayTotals, counted
from app.domain.reminders import reminders_on
from app.domain.schedule import due_units_by_day
from app.extensions import db
from app.models import (
    DaySummary,
    Flag,
    Patient,
    Programme,
    ProgrammeStatus,
    ProgrammeVersion,
    Suggestion,
    User,
)
from app.policy import scoped_patients
from app.services.patient_words import unread_columns
from app.services.plans import plans_in_force, schedule_of
from app.services.reminders import reminder_columns

# Aliases made once: building one copies every column, a few ms per request.
LATEST_PAIN = sa.orm.aliased(DaySummary, name="latest_pain")


@dataclass
class CaseloadRow:
    patient_id: int
    name: str
    today: date
    has_programme: bool = False
    last_activity: date | None = None  # the last day logged about
    last_active: date | None = None  # the last day anything was logged on (adherence.py)
    pending_suggestions: int = 0
    open_flags: int = 0
    week_done: int = 0
    week_due: int = 0
    latest_pain_day: date | None = None
    latest_during: int | None = None
    latest_morning: int | None = None
    latest_zone: str | None = None
    red_recently: bool = False
    # The patient's words this staff member has not read yet (patient_words.unread_columns).
    unread_notes: int = 0
    unread_messages: int = 0
    needs: list[Need] = field(default_factory=list)
    # Outcome questionnaires (issue 15): the earliest unanswered one's due date.
    outcome_due_on: date | None = None
    # Reminders (issue 17): chosen by the patient; a phone that allowed notifications.
    reminders_chosen: bool = False
    reminder_phone: bool = False

    @property
    def reminders_on(self) -> bool:
        return reminders_on(self.reminders_chosen, int(self.reminder_phone))

    @property
    def outcome_status(self) -> str | None:
        """'due' or 'missed' (a week overdue) for the dashboard badge; None otherwise."""
        if self.outcome_due_on is None:
            return None
        state = measure_state(self.outcome_due_on, None, self.today)
        return state if state in ("due", "missed") else None

    @property
    def adherence_percent(self) -> int | None:
        if not self.week_due:
            return None
        return percent(self.week_done, self.week_due)

    @property
    def latest_pain(self) -> int | None:
        """Return the worse of the latest day's pain during and next morning (sorting by pain)."""
        found = [p for p in (self.latest_during, self.latest_morning) if p is not None]
        return max(found) if found else None

    @property
    def unread(self) -> int:
        return self.unread_notes + self.unread_messages

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
    statement = _patients_statement(scoped, search).add_columns(*unread_columns(user.id))
    for found in db.session.execute(statement):
        rows[found.id] = CaseloadRow(
            found.id,
            found.name,
            local_today(found.timezone, now),
            last_activity=found.last_activity,
            last_active=last_active_day(found.last_activity, found.last_morning is not None),
            pending_suggestions=found.pending,
            open_flags=found.flags,
            latest_pain_day=found.pain_day,
            latest_during=found.during_pain,
            latest_morning=found.morning_pain,
            latest_zone=found.zone,
            unread_notes=found.unread_notes,
            unread_messages=found.unread_messages,
            outcome_due_on=found.outcome_due_on,
            reminders_chosen=bool(found.reminders_chosen),
            reminder_phone=bool(found.reminder_phone),
        )
        first_versions[found.id] = found.first_version
    if rows:
        _add_recent_days(rows, first_versions, scoped)
    for row in rows.values():
        row.needs = _needs(row)
    # Most urgent reason first; with the same one, more reasons first; then by name.
    ordered = sorted(rows.values(), key=need_rank)
    if need in {n.value for n in Need}:
        wanted = Need(need)
        ordered = [r for r in ordered if wanted in r.needs or (wanted == Need.FINE and not r.needs)]
    return ordered


def _patients_statement(
    scoped: sa.Select[*tuple[Any, ...]], search: str | None
) -> sa.Select[*tuple[Any, ...]]:
    """Select each patient in scope with every per-patient fact that is one row (one statement).

    Pending suggestions and open flags are counts; last activity and the latest day with pain
    are the newest matching day summary, found by walking the (patient, date) index backwards,
    so a year of summaries costs what a week does; first_version is the earliest effective
    date of the active programme's versions (whether the patient has a programme yet);
    whether reminders are chosen and a phone allowed them (two EXISTS, by primary key).
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
    last_logged = (
        sa.select(DaySummary.local_date)
        .where(DaySummary.patient_id == Patient.id, DaySummary.logged.is_(True))
        .order_by(DaySummary.local_date.desc())
        .limit(1)
    )
    last_activity = last_logged.scalar_subquery()
    # Whether that day's morning was answered: the answer was given the day after.
    last_morning = last_logged.with_only_columns(DaySummary.morning_pain).scalar_subquery()
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
            last_morning.label("last_morning"),
            pain.local_date.label("pain_day"),
            pain.during_pain,
            pain.morning_pain,
            pain.zone,
            first_version.label("first_version"),
            Patient.outcome_due_on,
            *reminder_columns(),
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
    return needs_for(
        today=row.today,
        red=bool(row.open_flags) or row.red_recently,
        pending_suggestions=row.pending_suggestions,
        has_programme=row.has_programme,
        last_active=row.last_active,
        week_done=row.week_done,
        week_due=row.week_due,
    )


def _add_recent_days(
    rows: dict[int, CaseloadRow],
    first_versions: dict[int, date | None],
    scoped: sa.Select[*tuple[Any, ...]],
) -> None:
    """Fill in this week's adherence and recent red days from the summaries (two statements).

    A past day with no summary had nothing logged: what was due then comes from the plan,
    read only for the patients and days that need it. Today counts only what is done, which
    its summary says (no summary: nothing done, so nothing counts yet).
    """
    # Patients' todays differ by timezone: read from the earliest Monday any of them needs.
    first = min(min(week_start(r.today), recent_red_from(r.today)) for r in rows.values())
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
        if zone == Zone.RED and is_recent_red(day, row.today):
            row.red_recently = True
    unlogged: dict[int, list[date]] = {}
    for pid, row in rows.items():
        first_version = first_versions[pid]
        row.has_programme = first_version is not None and first_version <= last
        if row.has_programme:
            days = days_between(week_start(row.today), row.today - timedelta(days=1))
            if missing := [day for day in days if day not in known[pid]]:
                unlogged[pid] = missing
    due = _due_units(unlogged)
    for pid, row in rows.items():
        for day in days_between(week_start(row.today), row.today):
            record = known[pid].get(day) or DayTotals(day, due.get(pid, {}).get(day, 0))
            done, due_units = counted(record, row.today)
            row.week_done += done
            row.week_due += due_units


def _due_units(unlogged: dict[int, list[date]]) -> dict[int, dict[date, int]]:
    """Return due tick units on the given days of the given patients, from the plan in force.

    One statement (run even with no days, so the page's statement count is fixed):
    plans.plans_in_force over the earliest to the latest of those days.
    """
    wanted = [day for days in unlogged.values() for day in days]
    first, last = (min(wanted), max(wanted)) if wanted else (date.min, date.min)
    read = plans_in_force(list(unlogged), first, last)
    result: dict[int, dict[date, int]] = {}
    for pid, days in unlogged.items():
        due = due_units_by_day(schedule_of(read.get(pid, [])), days[0], days[-1])
        result[pid] = {day: due[day] for day in days}
    return result
