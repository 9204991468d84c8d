"""The physio's caseload: every patient in scope with why they need attention, most urgent first.

Three statements whatever the number of patients or the length of their history: the patients
with every one-row fact (counts, last activity, latest pain, whether a programme is active);
this week's day summaries; and, for the past days of this week with nothing logged (so no
summary), the plan in force on them (plans.plans_in_force: the programme running each day,
an archived one up to its end date, as every page reads it), read only for the patients
whose due units are not already kept (_KEPT_DUE).
"""

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, NamedTuple, TypeVar

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
CURRENT_VERSION = sa.orm.aliased(ProgrammeVersion, name="current_version")

K = TypeVar("K")
V = TypeVar("V")


class _Kept(Generic[K, V]):
    """A bounded map that forgets its least recently used entry first (safe across threads)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _Facts(NamedTuple):
    """One row of the patients statement, in its column order (read by position)."""

    id: int
    name: str
    timezone: str
    pending: int
    flags: int
    last_activity: date | None
    last_morning: int | None
    pain_day: date | None
    during_pain: int | None
    morning_pain: int | None
    zone: str | None
    first_version: date | None
    outcome_due_on: date | None
    reminders_chosen: bool
    reminder_phone: bool
    programme_id: int | None
    version_id: int | None
    version_made: datetime | None
    unread_notes: int
    unread_messages: int


class _Statements(NamedTuple):
    """One scope's statements: its patients (and by a name, bound as words) and summaries."""

    patients: sa.Select[*tuple[Any, ...]]
    searched: sa.Select[*tuple[Any, ...]]
    summaries: sa.Select[*tuple[Any, ...]]


# Building the statements costs more than running them: kept per scope (who sees which
# patients, and whose read markers count), few at a time in a worker.
_KEPT_STATEMENTS: _Kept[tuple[str, int, int | None], _Statements] = _Kept(64)

# Due units of a patient's unlogged days this week, keyed by what they depend on: the active
# programme, its current version (with the time it was made, as SQLite may hand a
# rolled-back version's id to the next one) and the days. Versions never change once
# written and every plan change makes a new current version (plans.kept_plans_in_force).
_DueKey = tuple[int, int | None, int | None, datetime | None, tuple[date, ...]]
_KEPT_DUE: _Kept[_DueKey, tuple[int, ...]] = _Kept(8192)


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
    plans: dict[int, _Facts] = {}
    statements = _statements(user)
    if search and search.strip():
        words = search.strip().lower().replace("\\", "").replace("%", "").replace("_", "")
        found_rows = db.session.execute(statements.searched, {"words": words})
    else:
        found_rows = db.session.execute(statements.patients)
    todays: dict[str, date] = {}  # local today per timezone: a few zones for many patients
    for values in found_rows:
        found = _Facts._make(values)
        today = todays.get(found.timezone)
        if today is None:
            today = todays[found.timezone] = local_today(found.timezone, now)
        rows[found.id] = CaseloadRow(
            found.id,
            found.name,
            today,
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
        plans[found.id] = found
    if rows:
        _add_recent_days(rows, plans, statements.summaries)
    for row in rows.values():
        row.needs = _needs(row)
    # Most urgent reason first; with the same one, more reasons first; then by name.
    ordered = sorted(rows.values(), key=need_rank)
    if need in {n.value for n in Need}:
        wanted = Need(need)
        ordered = [r for r in ordered if wanted in r.needs or (wanted == Need.FINE and not r.needs)]
    return ordered


def _statements(user: User) -> _Statements:
    """Return the statements of the user's caseload, built once per scope and kept."""
    scope = (user.role, user.id, user.clinic_id)
    kept = _KEPT_STATEMENTS.get(scope)
    if kept is None:
        scoped = scoped_patients(user).with_only_columns(Patient.id).scalar_subquery()
        patients = _patients_statement(scoped).add_columns(*unread_columns(user.id))
        words = sa.bindparam("words", type_=sa.String)
        kept = _Statements(
            patients,
            patients.where(sa.func.lower(User.name).contains(words)),
            _summaries_statement(scoped),
        )
        _KEPT_STATEMENTS.put(scope, kept)
    return kept


def _patients_statement(scoped: sa.ScalarSelect[Any]) -> sa.Select[*tuple[Any, ...]]:
    """Select each patient in scope with every per-patient fact that is one row (one statement).

    Pending suggestions and open flags are counts; last activity and the latest day with pain
    are the newest matching day summary, found by walking the (patient, date) index backwards,
    so a year of summaries costs what a week does; first_version is the earliest effective
    date of the active programme's versions (whether the patient has a programme yet), and
    the active programme with its current version say which plan is in force (_KEPT_DUE);
    whether reminders are chosen and a phone allowed them (two EXISTS, by primary key).
    The columns are _Facts' but the two unread counts, which the caller adds.
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
    pain, current = LATEST_PAIN, CURRENT_VERSION
    return (
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
            Programme.id,
            current.id,
            current.created_at,
        )
        .join(User, Patient.user_id == User.id)
        .outerjoin(pain, sa.and_(pain.patient_id == Patient.id, pain.local_date == latest_pain_day))
        .outerjoin(
            Programme,
            sa.and_(Programme.patient_id == Patient.id, Programme.status == ProgrammeStatus.ACTIVE),
        )
        .outerjoin(current, current.id == Programme.current_version_id)
        .where(Patient.id.in_(scoped))
        .order_by(User.name, Patient.id)
    )


def _summaries_statement(scoped: sa.ScalarSelect[Any]) -> sa.Select[*tuple[Any, ...]]:
    """Select the scope's day summaries from the bound first to last (this week, recent red).

    The scope as a subquery, not the ids: binding 200 parameters costs more than the query.
    A name search reads its scope's other patients' week too, and skips them.
    """
    return sa.select(
        DaySummary.patient_id,
        DaySummary.local_date,
        DaySummary.due_units,
        DaySummary.done_units,
        DaySummary.zone,
    ).where(
        DaySummary.patient_id.in_(scoped),
        DaySummary.local_date.between(
            sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
        ),
    )


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
    plans: dict[int, _Facts],
    summaries_statement: sa.Select[*tuple[Any, ...]],
) -> None:
    """Fill in this week's adherence and recent red days from the summaries (two statements).

    A past day with no summary had nothing logged: what was due then comes from the plan,
    read only for the patients and days that need it. Today counts only what is done, which
    its summary says (no summary: nothing done, so nothing counts yet).
    """
    # Patients' todays differ by timezone: the week (Monday to today) once per distinct today.
    weeks = {
        today: days_between(week_start(today), today) for today in {r.today for r in rows.values()}
    }
    # Read from the earliest Monday (or recent red day) any of them needs.
    first = min(min(week[0], recent_red_from(today)) for today, week in weeks.items())
    last = max(weeks)
    summaries = db.session.execute(summaries_statement, {"first": first, "last": last})
    known: dict[int, dict[date, DayTotals]] = defaultdict(dict)
    for pid, day, due_units, done_units, zone in summaries:
        row = rows.get(pid)
        if row is None:
            continue
        known[pid][day] = DayTotals(day, due_units, done_units, zone=zone)
        if zone == Zone.RED and is_recent_red(day, row.today):
            row.red_recently = True
    unlogged: dict[_DueKey, int] = {}  # the key of a patient's unlogged days, to its patient
    for pid, row in rows.items():
        facts = plans[pid]
        row.has_programme = facts.first_version is not None and facts.first_version <= last
        if row.has_programme:
            logged = known[pid]
            missing = tuple(day for day in weeks[row.today][:-1] if day not in logged)
            if missing:
                key = (pid, facts.programme_id, facts.version_id, facts.version_made, missing)
                unlogged[key] = pid
    due = _due_units(unlogged)
    for pid, row in rows.items():
        logged, planned = known[pid], due.get(pid, {})
        for day in weeks[row.today]:
            record = logged.get(day) or DayTotals(day, planned.get(day, 0))
            done, due_units = counted(record, row.today)
            row.week_done += done
            row.week_due += due_units


def _due_units(unlogged: dict[_DueKey, int]) -> dict[int, dict[date, int]]:
    """Return due tick units on each patient's unlogged days, from the plan in force.

    Kept per plan and days (_KEPT_DUE); the rest are read in one statement (run even with
    none to read, so the page's statement count is fixed): plans.plans_in_force over the
    earliest to the latest of their days.
    """
    result: dict[int, dict[date, int]] = {}
    to_read: dict[_DueKey, int] = {}
    for key, pid in unlogged.items():
        kept = _KEPT_DUE.get(key)
        if kept is None:
            to_read[key] = pid
        else:
            result[pid] = dict(zip(key[-1], kept, strict=True))
    wanted = [day for key in to_read for day in key[-1]]
    first, last = (min(wanted), max(wanted)) if wanted else (date.min, date.min)
    read = plans_in_force(list(to_read.values()), first, last)
    for key, pid in to_read.items():
        days = key[-1]
        due = due_units_by_day(schedule_of(read.get(pid, [])), days[0], days[-1])
        result[pid] = {day: due[day] for day in days}
        _KEPT_DUE.put(key, tuple(due[day] for day in days))
    return result
