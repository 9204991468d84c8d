"""The patient's day: what is due and done, events from the phone, and the day summaries."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.domain import adherence
from app.domain.dose import Dose
from app.domain.events import (
    MAX_EVENTS_PER_BATCH,
    CheckInEvent,
    EventIn,
    EventResult,
    EventStatus,
    MessageEvent,
    ParsedEvent,
    RejectedEvent,
    SetsEvent,
    TickEvent,
    UntickEvent,
)
from app.domain.guidance import MorningWords, morning_words
from app.domain.localtime import days_between, local_hour, local_today, utcnow, week_start
from app.domain.pain import (
    ZONE_ADVICE,
    PainThresholds,
    Zone,
    highest_pain,
    zone_of_day,
)
from app.domain.schedule import (
    DueItem,
    PlanSnapshot,
    ProgrammePlan,
    due_by_day,
    version_in_force,
)
from app.domain.test_task import rating_due
from app.extensions import db, run
from app.models import (
    ActivePlan,
    CheckIn,
    DaySummary,
    Exercise,
    ExerciseLog,
    Message,
    Patient,
    ProgrammePhase,
    ProgrammeVersion,
    SyncEvent,
)
from app.services import bulk, outcomes, patient_words, suggestions
from app.services.plans import (
    LineColumns,
    VersionInForce,
    active_plan,
    kept_plans_in_force,
    schedule_of,
)

CATCH_UP_DAYS = 2  # the patient may fill in yesterday and the day before, never the future
NOT_DUE = "That exercise is not due on that day."


class DayState(StrEnum):
    NO_PROGRAMME = "no_programme"
    REST_DAY = "rest_day"
    DUE = "due"


# ---------------------------------------------------------------------------------------------
# The plan, loaded once per request


@dataclass(frozen=True)
class PlannedLine:
    """One prescription of a plan version, as the day page and the sync read it."""

    id: int  # the prescription's id
    version_id: int
    line_id: int
    exercise_id: int
    dose: Dose
    note: str


@dataclass(frozen=True)
class PlanVersion:
    """One programme version in force in the window: its snapshot, thresholds and lines."""

    id: int
    snapshot: PlanSnapshot
    thresholds: PainThresholds
    lines: tuple[PlannedLine, ...]


@dataclass
class LoadedPlan:
    """The patient's plan over a few days: the programmes running then, with their versions.

    The active programme is the patient's plan now; a day before it started follows the
    programme running that day (an archived one, up to its end date), as every reader does.
    """

    programme: ActivePlan  # the active one
    schedule: list[ProgrammePlan]
    versions: dict[int, PlanVersion]
    prescriptions: dict[tuple[int, int], PlannedLine]  # (version_id, line_id)
    due: dict[date, list[DueItem]]

    def version_on(self, day: date) -> PlanVersion | None:
        """Return the version in force on day."""
        snapshot = version_in_force(self.schedule, day)
        return self.versions[snapshot.version_id] if snapshot else None

    def thresholds_on(self, day: date) -> PainThresholds:
        """Return the pain thresholds of the version in force on day (defaults without one)."""
        version = self.version_on(day)
        return PainThresholds() if version is None else version.thresholds

    def due_on(self, day: date) -> list[DueItem]:
        """Return what is due on day (worked out when day is outside the window read)."""
        if day not in self.due:
            return due_by_day(self.schedule, day, day)[day]
        return self.due[day]

    def due_item(self, day: date, line_id: int) -> DueItem | None:
        """Return the item of a line due on day, if it is due."""
        return next((item for item in self.due.get(day, ()) if item.line_id == line_id), None)


def load_plan(patient: Patient, first: date, last: date) -> LoadedPlan | None:
    """Load the patient's plan from first to last; None without an active programme.

    The programme and its current version come with the patient (accounts.session_user
    loads them with the user, so on a patient's own requests this usually reads nothing):
    the plan in force is kept by them (plans.kept_plans_in_force).
    """
    programme = active_plan(patient)
    if programme is None:
        return None
    programmes = kept_plans_in_force(patient, first, last)
    schedule = schedule_of(programmes)
    versions = [_plan_version(version) for found in programmes for version in found.versions]
    return LoadedPlan(
        programme=programme,
        schedule=schedule,
        versions={version.id: version for version in versions},
        prescriptions={(line.version_id, line.line_id): line for v in versions for line in v.lines},
        due=due_by_day(schedule, first, last),
    )


def _plan_version(version: VersionInForce) -> PlanVersion:
    return PlanVersion(
        id=version.id,
        snapshot=version.snapshot,
        thresholds=version.thresholds,
        lines=tuple(_planned_line(line) for line in version.lines),
    )


def _planned_line(line: LineColumns) -> PlannedLine:
    return PlannedLine(
        id=line.id,
        version_id=line.version_id,
        line_id=line.line_id,
        exercise_id=line.exercise_id,
        dose=line.dose,
        note=line.note or "",
    )


# ---------------------------------------------------------------------------------------------
# Reading the day


LogKey = tuple[date, int, int, str]  # a tick unit's: (day, line_id, session, side)
CheckInKey = tuple[date, str]  # a check-in's: (session_date, kind)


@dataclass
class UnitLog:
    """What is stored of one tick unit (a row of exercise_logs), read and written as plain data."""

    local_date: date
    line_id: int
    session: int
    side: str
    prescription_id: int
    done: bool
    sets_done: int
    pain: int | None
    client_time: datetime
    reps_done: list[int] | None = None  # reps of each set, when entered


@dataclass
class DayCheckIn:
    """What is stored of one check-in (a row of check_ins), read and written as plain data."""

    session_date: date
    kind: str
    pain: int
    usual_pain: int | None
    note: str
    version_id: int | None
    edits: int
    client_time: datetime
    settled: bool | None = None  # morning: settled within 24 hours?
    test_task: str = ""  # task: the test task rated


@dataclass(frozen=True)
class UnitView:
    """One tick unit of an exercise on the day, and what the patient has done of it."""

    session: int
    side: str  # both | left | right
    done: bool
    sets_done: int
    pain: int | None
    reps_done: tuple[int, ...] | None = None  # reps of each set, when entered


@dataclass(frozen=True)
class ItemView:
    """An exercise due on the day, ready to show."""

    line_id: int
    prescription_id: int
    exercise_id: int
    name: str
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    dose: Dose  # as prescribed; its side is both | left | right | each
    figure: str | None  # the library figure's keyframes as stored (JSON text), if it has one
    sessions: int
    note: str
    units: tuple[UnitView, ...]
    exercise_has_media: bool = False  # the clinic attached photos or videos (issue 16)

    @property
    def done(self) -> bool:
        return all(unit.done for unit in self.units)

    @property
    def done_units(self) -> int:
        return sum(unit.done for unit in self.units)

    @property
    def pain(self) -> int | None:
        """Return the highest pain reported for this exercise today, if any."""
        return max((u.pain for u in self.units if u.pain is not None), default=None)

    @property
    def timer_seconds(self) -> int | None:
        """Return the length of one hold or timed round, for the timer."""
        return self.dose.hold_seconds or self.dose.duration_seconds


@dataclass(frozen=True)
class CheckInView:
    kind: str
    session_date: date
    pain: int
    note: str
    usual_pain: int | None
    edits: int
    settled: bool | None = None
    test_task: str = ""


@dataclass(frozen=True)
class MorningPrompt:
    """The next-morning question about an earlier session day."""

    session_date: date
    usual_pain: int | None
    answer: CheckInView | None
    zone: Zone | None  # of that session day, once answered
    advice: str | None
    words: MorningWords | None = None  # the questions, worded for when they are asked
    asks_settled: bool = False  # after a day with exercise: "settled within 24 hours?"

    @property
    def due(self) -> bool:
        return self.answer is None


@dataclass(frozen=True)
class TestTaskPrompt:
    """The weekly rating of the current phase's test task (clinical.md s. 4, tendon stages)."""

    task: str
    last_rated: date | None
    last_pain: int | None
    due: bool  # not rated in the last week
    answer: CheckInView | None  # the rating given on the day shown, if any


@dataclass(frozen=True)
class TodayView:
    """Everything the patient's day page shows."""

    day: date
    today: date  # the patient's local today; day may be up to CATCH_UP_DAYS earlier
    state: DayState
    items: tuple[ItemView, ...] = ()
    during: CheckInView | None = None
    zone: Zone | None = None  # the day's traffic light so far
    advice: str | None = None
    morning: MorningPrompt | None = None
    usual_pain: int | None = None
    starts_on: date | None = None  # when the programme has not started yet
    catch_up_dates: tuple[date, ...] = field(default_factory=tuple)
    test_task: TestTaskPrompt | None = None

    @property
    def is_today(self) -> bool:
        return self.day == self.today

    @property
    def total_count(self) -> int:
        return len(self.items)

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def due_units(self) -> int:
        return sum(len(item.units) for item in self.items)

    @property
    def done_units(self) -> int:
        return sum(item.done_units for item in self.items)

    @property
    def all_done(self) -> bool:
        return bool(self.items) and self.done_count == self.total_count

    @property
    def progress_text(self) -> str:
        return f"{self.done_count} of {self.total_count} done"


def catch_up_window(today: date) -> list[date]:
    """Return the days a patient may log for, oldest first: today and CATCH_UP_DAYS before."""
    return days_between(today - timedelta(days=CATCH_UP_DAYS), today)


FUTURE_DATE = "That date is in the future. You can only fill in today or earlier."


def date_error(day: date, today: date) -> str | None:
    """Return why a day cannot be logged for, or None when it can."""
    if day > today:
        return FUTURE_DATE
    if day < today - timedelta(days=CATCH_UP_DAYS):
        return f"You can fill in up to {CATCH_UP_DAYS} days back, not earlier."
    return None


def today_view(patient: Patient, day: date | None = None, now: datetime | None = None) -> TodayView:
    """Build the day page for a patient-local date (today by default).

    Two statements (the day's exercises, the ticks and check-ins) once the plan is known.
    """
    today = local_today(patient.timezone, now)
    day = day or today
    catch_up = tuple(d for d in catch_up_window(today) if d != day)
    yesterday = day - timedelta(days=1)
    plan = load_plan(patient, yesterday, day)
    if plan is None:
        return TodayView(day, today, DayState.NO_PROGRAMME, catch_up_dates=catch_up)
    logs, checkins = _read_days(patient, yesterday, day)

    exercises = _exercises({item.exercise_id for item in plan.due[day]})
    items = tuple(_item_view(plan, item, day, logs, exercises) for item in plan.due[day])
    during = checkins.get((day, "during"))
    exercise_pain = highest_pain(item.pain for item in items)
    zone = _zone(
        plan, day, during, checkins.get((day, "morning")), patient.usual_pain, exercise_pain
    )
    started = day >= plan.programme.start_date
    words = morning_words(yesterday, day, today, local_hour(patient.timezone, now))
    return TodayView(
        day=day,
        today=today,
        state=DayState.DUE if items else DayState.REST_DAY,
        items=items,
        during=_checkin_view(during) if during else None,
        zone=zone,
        advice=ZONE_ADVICE[zone] if zone else None,
        morning=_morning_prompt(patient, plan, yesterday, today, logs, checkins, words),
        usual_pain=patient.usual_pain,
        starts_on=None if started else plan.programme.start_date,
        catch_up_dates=catch_up,
        test_task=_test_task_prompt(patient, plan.programme, day, checkins.get((day, "task"))),
    )


def _test_task_prompt(
    patient: Patient, programme: ActivePlan, day: date, answer: DayCheckIn | None
) -> TestTaskPrompt | None:
    """Return the weekly test task question of the current phase; None when it has none.

    One statement, and only when a phase has a test task: the phase's task with the
    patient's latest rating before the day shown.
    """
    if programme.version_id is None or not programme.has_test_tasks:
        return None
    latest = (
        sa.select(CheckIn.session_date, CheckIn.pain)
        .where(CheckIn.patient_id == patient.id, CheckIn.kind == "task", CheckIn.session_date < day)
        .order_by(CheckIn.session_date.desc())
        .limit(1)
        .subquery()
    )
    row = db.session.execute(
        sa.select(ProgrammePhase.test_task, latest.c.session_date, latest.c.pain)
        .outerjoin(latest, sa.true())
        .where(
            ProgrammePhase.programme_id == programme.programme_id,
            ProgrammePhase.position == programme.phase_position,
        )
    ).first()
    if row is None or not row.test_task:
        return None
    return TestTaskPrompt(
        task=row.test_task,
        last_rated=row.session_date,
        last_pain=row.pain,
        due=answer is None and rating_due(row.session_date, day),
        answer=_checkin_view(answer) if answer else None,
    )


def _morning_prompt(
    patient: Patient,
    plan: LoadedPlan,
    session_day: date,
    today: date,
    logs: Mapping[LogKey, UnitLog],
    checkins: Mapping[CheckInKey, DayCheckIn],
    words: MorningWords | None = None,
) -> MorningPrompt | None:
    """Return the next-morning question about session_day, when it was a session day.

    Asked while that day may still be logged for, if anything was due or done then, or a
    session check-in was given; with its answer, that day's zone and advice.
    """
    day_logs = [log for key, log in logs.items() if key[0] == session_day]
    active = bool(plan.due[session_day]) or any(log.done for log in day_logs)
    if date_error(session_day, today) is not None or not (
        active or (session_day, "during") in checkins
    ):
        return None
    answer = checkins.get((session_day, "morning"))
    zone = None
    if answer:
        during = checkins.get((session_day, "during"))
        zone = _zone(
            plan, session_day, during, answer, patient.usual_pain, _max_exercise_pain(day_logs)
        )
    # "Settled within 24 hours?" is asked after a day with exercise (clinical.md s. 2).
    exercised = any(log.done for log in day_logs) or (session_day, "during") in checkins
    return MorningPrompt(
        session_date=session_day,
        usual_pain=patient.usual_pain,
        answer=_checkin_view(answer) if answer else None,
        zone=zone,
        advice=ZONE_ADVICE[zone] if zone else None,
        words=words,
        asks_settled=exercised,
    )


# What the day page shows of each exercise (built once: building it cost more than running it).
EXERCISES_STATEMENT = sa.select(
    Exercise.id,
    Exercise.name,
    Exercise.steps,
    Exercise.cues,
    Exercise.media_count,
    # As text, unparsed: the day page's figure and card caches key on it.
    sa.cast(Exercise.figure, sa.Text).label("figure"),
).where(Exercise.id.in_(sa.bindparam("ids", expanding=True)))


def _exercises(ids: set[int]) -> dict[int, sa.Row[*tuple[Any, ...]]]:
    """Return what the day page shows of each exercise (read fresh: clinics edit them)."""
    if not ids:
        return {}
    return {row.id: row for row in run(EXERCISES_STATEMENT, {"ids": sorted(ids)})}


def _item_view(
    plan: LoadedPlan,
    item: DueItem,
    day: date,
    logs: Mapping[LogKey, UnitLog],
    exercises: Mapping[int, sa.Row[*tuple[Any, ...]]],
) -> ItemView:
    prescription = plan.prescriptions[(item.version_id, item.line_id)]
    exercise = exercises[prescription.exercise_id]
    units = []
    for unit in item.units:
        log = logs.get((day, unit.line_id, unit.session, unit.side))
        units.append(
            UnitView(
                session=unit.session,
                side=unit.side,
                done=bool(log and log.done),
                sets_done=(log.sets_done or 0) if log else 0,
                pain=log.pain if log else None,
                reps_done=tuple(log.reps_done) if log and log.reps_done else None,
            )
        )
    return ItemView(
        line_id=item.line_id,
        prescription_id=prescription.id,
        exercise_id=exercise.id,
        name=exercise.name,
        steps=tuple(exercise.steps or ()),
        cues=tuple(exercise.cues or ()),
        dose=prescription.dose,
        # A clinic-made exercise has none: SQL NULL, or JSON null (the column's default for None).
        figure=None if exercise.figure in (None, "null") else exercise.figure,
        sessions=item.sessions,
        note=prescription.note or "",
        units=tuple(units),
        exercise_has_media=bool(exercise.media_count),
    )


def _checkin_view(checkin: DayCheckIn) -> CheckInView:
    return CheckInView(
        kind=checkin.kind,
        session_date=checkin.session_date,
        pain=checkin.pain,
        note=checkin.note or "",
        usual_pain=checkin.usual_pain,
        edits=checkin.edits,
        settled=checkin.settled,
        test_task=checkin.test_task,
    )


def _zone(
    plan: LoadedPlan | None,
    day: date,
    during: DayCheckIn | None,
    morning: DayCheckIn | None,
    usual_pain: int | None,
    exercise_pain: int | None = None,
) -> Zone | None:
    """Return the day's zone (pain.zone_of_day); exercise_pain is the highest on one exercise.

    The morning is compared with the usual pain recorded with its answer, else the patient's.
    """
    usual = morning.usual_pain if morning and morning.usual_pain is not None else usual_pain
    return zone_of_day(
        during.pain if during else None,
        (exercise_pain,),
        morning.pain if morning else None,
        usual,
        plan.thresholds_on(day) if plan else PainThresholds(),
        morning.settled if morning else None,
    )


def _max_exercise_pain(logs: Iterable[UnitLog]) -> int | None:
    """Return the highest pain given on any exercise among the logs, if any."""
    return highest_pain(log.pain for log in logs)


_UNIT_LOG_COLUMNS = tuple(getattr(ExerciseLog, name) for name in UnitLog.__dataclass_fields__)
_CHECKIN_COLUMNS = tuple(getattr(CheckIn, name) for name in DayCheckIn.__dataclass_fields__)


def _days_statement() -> sa.Select:
    """The statement _read_days runs (built once: building it costs more than running it)."""
    patient_id = sa.bindparam("patient_id", type_=sa.Integer)
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    ticked = sa.and_(
        ExerciseLog.patient_id == patient_id, ExerciseLog.local_date.between(first, last)
    )
    checked = sa.and_(CheckIn.patient_id == patient_id, CheckIn.session_date.between(first, last))
    days = sa.union(
        sa.select(ExerciseLog.local_date.label("day")).where(ticked),
        sa.select(CheckIn.session_date).where(checked),
    ).subquery("days")
    return (
        sa.select(*_UNIT_LOG_COLUMNS, *_CHECKIN_COLUMNS)
        .select_from(days)
        .outerjoin(ExerciseLog, sa.and_(ticked, ExerciseLog.local_date == days.c.day))
        .outerjoin(CheckIn, sa.and_(checked, CheckIn.session_date == days.c.day))
    )


DAYS_STATEMENT = _days_statement()


def _read_days(
    patient: Patient, first: date, last: date
) -> tuple[dict[LogKey, UnitLog], dict[CheckInKey, DayCheckIn]]:
    """Return the patient's tick units and check-ins about days first..last, in one statement.

    Ticks keyed by (day, line_id, session, side), check-ins by (session_date, kind). Each day
    with anything logged is joined to its ticks and to its check-ins (at most two a day), so
    a day of n ticks comes back as up to 2n rows, told apart by those keys.
    """
    rows = run(DAYS_STATEMENT, {"patient_id": patient.id, "first": first, "last": last})
    logs: dict[LogKey, UnitLog] = {}
    checkins: dict[CheckInKey, DayCheckIn] = {}
    split = len(_UNIT_LOG_COLUMNS)
    for row in rows:
        if row[0] is not None:
            log = UnitLog(*row[:split])
            logs[(log.local_date, log.line_id, log.session, log.side)] = log
        if row[split] is not None:
            checkin = DayCheckIn(*row[split:])
            checkins[(checkin.session_date, checkin.kind)] = checkin
    return logs, checkins


# ---------------------------------------------------------------------------------------------
# This week


@dataclass(frozen=True)
class WeekView:
    """The week so far (Monday to today): days done and adherence, in honest words."""

    first: date
    today: date
    days: tuple[tuple[date, str], ...]  # (day, done|partial|missed|rest|upcoming)
    days_with_exercise: int
    days_done: int
    ratio: adherence.Ratio | None

    @property
    def percent(self) -> int | None:
        return self.ratio.percent if self.ratio else None

    @property
    def message(self) -> str:
        if self.ratio is None:
            return "Nothing has been due yet this week. Rest is part of the plan."
        if self.ratio.is_adherent:
            return "You are keeping up well this week. Keep going."
        if self.ratio.done:
            return (
                "Every session counts. Pick up where you left off; "
                "there is no need to catch up all at once."
            )
        return "Nothing ticked yet this week. A short session today is a good restart."


def week_view(patient: Patient, now: datetime | None = None) -> WeekView:
    """Summarise the patient's week so far in two statements."""
    today = local_today(patient.timezone, now)
    first = week_start(today)
    plan = load_plan(patient, first, today)
    due = plan.due if plan else {}
    logs, _ = _read_days(patient, first, today)
    done = {key for key, log in logs.items() if log.done}
    statuses = adherence.days_done(first, today, due, done)
    days = [(day, str(status)) for day, status in statuses.items()]
    days += [(today + timedelta(days=n), "upcoming") for n in range(1, 7 - today.weekday())]
    exercise_days = [s for s in statuses.values() if s != adherence.DayStatus.REST]
    return WeekView(
        first=first,
        today=today,
        days=tuple(days),
        days_with_exercise=len(exercise_days),
        days_done=sum(s == adherence.DayStatus.DONE for s in exercise_days),
        ratio=adherence.adherence_over(first, today, due, done),
    )


# ---------------------------------------------------------------------------------------------
# Events from the phone


@dataclass
class _Batch:
    """What apply_events loaded once for the whole batch, and what it will write."""

    patient: Patient
    now: datetime
    today: date
    plan: LoadedPlan | None
    logs: dict[tuple, UnitLog]
    checkins: dict[tuple, DayCheckIn]
    seen: dict[str, int]  # event id -> its patient: the ids received before, and this batch's
    changed: set[date] = field(default_factory=set)
    changed_logs: set[tuple] = field(default_factory=set)
    changed_checkins: set[tuple] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)  # the SyncEvent rows
    checkin_results: list[tuple[EventResult, date]] = field(default_factory=list)
    suggestions_may_change: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)  # the Message rows
    messages_sent: int | None = None  # the patient's messages in the rate window (read once)


def apply_events(
    patient: Patient,
    events: Sequence[EventIn],
    now: datetime | None = None,
    *,
    ids_checked: bool = False,
) -> list[EventResult]:
    """Validate and apply a batch of events, each on its own; return one result per event.

    Idempotent by event id. Ticks settle last-writer-wins per unit by client time, so the
    same events in any order give the same state. Changed days get fresh summaries.
    The caller commits; use apply_and_commit, which handles a resent event id.

    Ids are trusted to be new: a resent one makes the INSERT of the sync events fail with
    an IntegrityError before anything else is written. With ids_checked, the ids already
    received are read first and answered as duplicates (or refused, if another patient's).
    """
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise ValueError(f"at most {MAX_EVENTS_PER_BATCH} events per batch")
    now = now or utcnow()
    today = local_today(patient.timezone, now)
    first = today - timedelta(days=CATCH_UP_DAYS)
    seen = _received_before(events) if ids_checked else {}
    logs, checkins = _read_days(patient, first, today)
    batch = _Batch(patient, now, today, load_plan(patient, first, today), logs, checkins, seen)
    done_today_before = _anything_done(batch.logs, today)
    results = [_apply_event(batch, event) for event in events]
    # The sync events first: a resent id fails here, before anything else is written.
    bulk.insert_rows(SyncEvent, batch.received)
    if batch.messages:  # an id a staff reply already has (never shown to the phone): not stored
        run(bulk.insert_new_only(Message), batch.messages)
    _write_changes(batch)
    summaries = _refresh_changed_days(batch, done_today_before)
    _answer_checkin_zones(batch, summaries)
    return results


def _received_before(events: Sequence[EventIn]) -> dict[str, int]:
    """Return event id -> patient of the batch's ids already received (one statement)."""
    ids = {event.id for event in events if event.id and not event.errors}
    if not ids:
        return {}
    rows = run(sa.select(SyncEvent.id, SyncEvent.patient_id).where(SyncEvent.id.in_(ids)))
    return {event_id: owner for event_id, owner in rows}


def _apply_event(batch: _Batch, event: EventIn) -> EventResult:
    """Apply one event to the batch's state and note its SyncEvent row; return its answer."""
    if isinstance(event, RejectedEvent):
        return EventResult(event.id, EventStatus.REJECTED, dict(event.errors))
    assert event.id is not None and event.client_time is not None
    if batch.seen.get(event.id) == batch.patient.id:
        return EventResult(event.id, EventStatus.DUPLICATE)
    if event.id in batch.seen:
        errors = {"id": "That id is already used. Make a new UUID for each event."}
        return EventResult(event.id, EventStatus.REJECTED, errors)
    if event.type == "checkin":
        status, errors, day = _apply_checkin(batch, event)
    elif event.type == "message":
        status, errors, day = _apply_message(batch, event)
    elif event.type == "outcome":  # a whole questionnaire (services.outcomes stores it)
        status, errors, day = outcomes.apply_outcome_event(batch.patient, event, batch.now)
    else:
        status, errors, day = _apply_unit_event(batch, event)
    result = EventResult(event.id, status, errors)
    if status == EventStatus.REJECTED:
        return result
    assert day is not None  # an event not rejected is about a day
    batch.seen[event.id] = batch.patient.id
    batch.received.append(
        {
            "id": event.id,
            "patient_id": batch.patient.id,
            "kind": event.type,
            "local_date": day,
            "client_time": event.client_time,
            "received_at": batch.now,
            "status": str(status),
            "payload": event.payload,
        }
    )
    if event.type == "checkin":
        batch.checkin_results.append((result, day))
    if status == EventStatus.APPLIED and isinstance(
        event, TickEvent | UntickEvent | SetsEvent | CheckInEvent
    ):
        # What the rules read of today is its pains and whether anything was logged
        # (suggestions.what_rules_read_of_today): a later painless tick of today is not.
        # Messages and questionnaires are not exercise days.
        pain = isinstance(event, CheckInEvent) or event.pain is not None
        batch.suggestions_may_change |= day != batch.today or pain
    return result


def _refresh_changed_days(batch: _Batch, done_today_before: bool) -> dict[date, DaySummary]:
    """Store fresh summaries of the changed days; tell the suggestions when they may change."""
    if not batch.changed:
        return {}
    summaries = _refresh(batch.patient, batch.changed, batch.plan, batch.logs, batch.checkins)
    done_today_changed = _anything_done(batch.logs, batch.today) != done_today_before
    if batch.suggestions_may_change or done_today_changed:
        on_days_changed(batch.patient, sorted(batch.changed))
    return summaries


def _answer_checkin_zones(batch: _Batch, summaries: Mapping[date, DaySummary]) -> None:
    """Give each check-in's answer its day's zone: the fresh summary's, else worked out."""
    for result, day in batch.checkin_results:
        summary = summaries.get(day)
        if summary is None:
            result.zone = _zone(
                batch.plan,
                day,
                batch.checkins.get((day, "during")),
                batch.checkins.get((day, "morning")),
                batch.patient.usual_pain,
                _max_exercise_pain(log for key, log in batch.logs.items() if key[0] == day),
            )
        else:
            result.zone = Zone(summary.zone) if summary.zone else None


def apply_and_commit(patient: Patient, events: Sequence[EventIn]) -> list[EventResult]:
    """Apply a batch (apply_events) and commit it, answering a resent event as a duplicate.

    The first try trusts the ids to be new, which saves reading them for every batch; when
    one was received before (the phone did not hear the answer and sent it again), that try
    is rolled back and the batch applied again with the ids read first.
    """
    try:
        results = apply_events(patient, events)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        results = apply_events(patient, events, ids_checked=True)
        db.session.commit()
    return results


def _anything_done(logs: Mapping[tuple, UnitLog], day: date) -> bool:
    return any(key[0] == day and log.done for key, log in logs.items())


def _ordering_time(event: ParsedEvent, now: datetime) -> datetime:
    # A phone whose clock runs ahead must not pin a unit for ever: never trust the future.
    assert event.client_time is not None
    return min(event.client_time, now)


def _apply_unit_event(
    batch: _Batch, event: TickEvent | UntickEvent | SetsEvent
) -> tuple[EventStatus, dict[str, str], date | None]:
    assert event.local_date is not None and event.line_id is not None
    day = event.local_date
    message = date_error(day, batch.today)
    if message:
        return EventStatus.REJECTED, {"local_date": message}, None
    plan = batch.plan
    item = plan.due_item(day, event.line_id) if plan else None
    # Another patient's line or prescription looks exactly like one that is not due: no leak.
    if plan is None or item is None:
        return EventStatus.REJECTED, {"line_id": NOT_DUE}, None
    prescription = plan.prescriptions[(item.version_id, item.line_id)]
    refusal = _unit_refusal(event, item, prescription)
    if refusal:
        return EventStatus.REJECTED, refusal, None

    key = (day, event.line_id, event.session, event.side)
    when = _ordering_time(event, batch.now)
    log = batch.logs.get(key)
    if log is not None and log.client_time > when:
        return EventStatus.SUPERSEDED, {}, day
    if log is None:
        log = UnitLog(
            day, event.line_id, event.session, event.side, prescription.id, False, 0, None, when
        )
        batch.logs[key] = log
    log.prescription_id = prescription.id
    log.client_time = when
    # Each tick says all there is about the unit's sets: reps per set, or as prescribed.
    # Today's reps count for 2-for-2 once in (reps.two_for_two), so a change to them may
    # change a suggestion even without pain.
    had_reps = log.reps_done is not None
    log.reps_done = None
    if event.type == "tick":
        log.done = True
        log.sets_done = event.sets_done if event.sets_done is not None else prescription.dose.sets
        if event.reps_done is not None:
            log.reps_done = list(event.reps_done)
            log.sets_done = sum(1 for reps in event.reps_done if reps > 0)
    elif event.type == "untick":
        log.done = False
        log.sets_done = 0
    else:  # sets: counting sets; done once all prescribed sets are counted
        assert event.sets_done is not None
        log.sets_done = event.sets_done
        log.done = event.sets_done >= prescription.dose.sets
    if event.pain is not None:
        log.pain = event.pain
    batch.suggestions_may_change |= had_reps or log.reps_done is not None
    batch.changed_logs.add(key)
    batch.changed.add(day)
    return EventStatus.APPLIED, {}, day


def _unit_refusal(
    event: TickEvent | UntickEvent | SetsEvent, item: DueItem, prescription: PlannedLine
) -> dict[str, str] | None:
    """Return why the event does not fit the line due that day, or None when it does."""
    if event.prescription_id is not None and event.prescription_id != prescription.id:
        return {"prescription_id": NOT_DUE}
    if event.session > item.sessions:
        return {"session": f"Only {item.sessions} session(s) that day."}
    if event.side not in item.sides:
        wanted = "left or right" if item.sides != ("both",) else "both"
        return {"side": f"side must be {wanted} for this exercise."}
    if event.sets_done is not None and event.sets_done > prescription.dose.sets:
        return {"sets_done": f"sets_done must be from 0 to {prescription.dose.sets}."}
    if event.reps_done is not None:
        if prescription.dose.reps is None:
            return {"reps_done": "This exercise is counted in time, not reps: tick it instead."}
        sets = prescription.dose.sets
        if len(event.reps_done) != sets:
            missing = f"Give the reps of each of the {sets} sets (0 for a set not done)."
            return {"reps_done": missing}
    return None


def _apply_checkin(
    batch: _Batch, event: CheckInEvent
) -> tuple[EventStatus, dict[str, str], date | None]:
    if event.local_date is not None and event.local_date > batch.today:
        return EventStatus.REJECTED, {"local_date": FUTURE_DATE}, None
    if event.kind == "morning":
        entered_on = event.local_date or batch.today
        day = event.session_date or entered_on - timedelta(days=1)
        if day >= batch.today:
            ended = "A morning check-in is about a day that has ended: yesterday or before."
            return EventStatus.REJECTED, {"session_date": ended}, None
    else:
        assert event.session_date is not None
        day = event.session_date
    message = date_error(day, batch.today)
    if message:
        return EventStatus.REJECTED, {"session_date": message}, None

    assert event.kind is not None and event.pain is not None
    key = (day, event.kind)
    when = _ordering_time(event, batch.now)
    checkin = batch.checkins.get(key)
    if checkin is not None and checkin.client_time > when:
        return EventStatus.SUPERSEDED, {}, day
    version = batch.plan.version_on(day) if batch.plan else None
    task = ""
    if event.kind == "task":
        task = _test_task_on(batch.plan, day)
        if not task:
            return EventStatus.REJECTED, {"kind": NO_TEST_TASK}, None
    if checkin is None:
        checkin = DayCheckIn(day, event.kind, event.pain, None, "", None, 0, when)
        batch.checkins[key] = checkin
    else:
        checkin.edits += 1  # the history itself is kept in SyncEvent
    checkin.pain = event.pain
    checkin.note = event.note
    checkin.client_time = when
    checkin.version_id = version.id if version else None
    checkin.settled = event.settled
    checkin.test_task = task
    if event.kind == "morning":
        checkin.usual_pain = batch.patient.usual_pain
    batch.changed_checkins.add(key)
    batch.changed.add(day)
    return EventStatus.APPLIED, {}, day


NO_TEST_TASK = "Your physio has not set a test task for this phase of your plan."


def _test_task_on(plan: LoadedPlan | None, day: date) -> str:
    """Return the test task of the phase in force on day ("" when none; one statement)."""
    version = plan.version_on(day) if plan else None
    if plan is None or version is None:
        return ""
    task = db.session.scalar(
        sa.select(ProgrammePhase.test_task)
        .join(ProgrammeVersion, ProgrammeVersion.programme_id == ProgrammePhase.programme_id)
        .where(
            ProgrammeVersion.id == version.id,
            ProgrammePhase.position == ProgrammeVersion.phase_position,
        )
    )
    return task or ""


def _apply_message(
    batch: _Batch, event: MessageEvent
) -> tuple[EventStatus, dict[str, str], date | None]:
    """Keep a message for the patient's staff (the rate limit is read once per batch)."""
    if batch.messages_sent is None:
        batch.messages_sent = patient_words.sent_recently(batch.patient.user_id, batch.now)
    problem = patient_words.refusal(event.body, batch.messages_sent)
    if problem:
        return EventStatus.REJECTED, {"body": problem}, None
    batch.messages_sent += 1
    assert event.client_time is not None
    batch.messages.append(
        patient_words.message_row(
            batch.patient, batch.patient.user_id, event.id, event.body, event.client_time, batch.now
        )
    )
    return EventStatus.APPLIED, {}, batch.today


_LOG_KEYS = ("patient_id", "local_date", "line_id", "session", "side")
_CHECKIN_KEYS = ("patient_id", "session_date", "kind")


def _write_changes(batch: _Batch) -> None:
    """Write the changed tick units and check-ins: one statement each (none when unchanged).

    Last writer wins in the database too: a stored row newer (by client time) than the one
    written stays, in case another request for the same patient wrote it meanwhile.
    """
    stamp = {"patient_id": batch.patient.id, "updated_at": batch.now}
    logs = [{**asdict(batch.logs[key]), **stamp} for key in sorted(batch.changed_logs)]
    bulk.upsert(ExerciseLog, logs, keys=_LOG_KEYS, newer_than="client_time")
    checkins = [{**asdict(batch.checkins[k]), **stamp} for k in sorted(batch.changed_checkins)]
    bulk.upsert(CheckIn, checkins, keys=_CHECKIN_KEYS, newer_than="client_time")


# ---------------------------------------------------------------------------------------------
# Day summaries


def refresh_day_summaries(patient: Patient, dates: Iterable[date]) -> dict[date, DaySummary]:
    """Recompute and store the DaySummary of each date from its logs and check-ins."""
    dates = set(dates)
    if not dates:
        return {}
    first, last = min(dates), max(dates)
    plan = load_plan(patient, first, last)
    logs, checkins = _read_days(patient, first, last)
    return _refresh(patient, dates, plan, logs, checkins)


def _refresh(
    patient: Patient,
    dates: set[date],
    plan: LoadedPlan | None,
    logs: Mapping[LogKey, UnitLog],
    checkins: Mapping[CheckInKey, DayCheckIn],
) -> dict[date, DaySummary]:
    """Write each date's summary (one upsert, nothing read) and flag the red days.

    Returns the summaries as unsaved DaySummary objects (what was written).
    """
    by_day: dict[date, list[UnitLog]] = {day: [] for day in dates}
    for (day, *_), log in logs.items():
        if day in by_day:
            by_day[day].append(log)
    summaries = {day: _summary(patient, day, plan, by_day[day], checkins) for day in sorted(dates)}
    rows = [{name: getattr(row, name) for name in _SUMMARY_COLUMNS} for row in summaries.values()]
    bulk.upsert(DaySummary, rows, keys=("patient_id", "local_date"))
    # The zones are known here: flag red days now (one INSERT if any day is red, else none).
    suggestions.flag_red_days(patient, summaries.values())
    return summaries


def _summary(
    patient: Patient,
    day: date,
    plan: LoadedPlan | None,
    day_logs: Sequence[UnitLog],
    checkins: Mapping[CheckInKey, DayCheckIn],
) -> DaySummary:
    """Return the summary of one day from its tick units and check-ins (not stored)."""
    units = {(day, *unit) for item in (plan.due_on(day) if plan else []) for unit in item.units}
    done = {(day, log.line_id, log.session, log.side) for log in day_logs if log.done}
    during = checkins.get((day, "during"))
    morning = checkins.get((day, "morning"))
    version = plan.version_on(day) if plan else None
    max_exercise_pain = _max_exercise_pain(day_logs)
    zone = _zone(plan, day, during, morning, patient.usual_pain, max_exercise_pain)
    recorded_usual = morning.usual_pain if morning else None
    return DaySummary(
        patient_id=patient.id,
        local_date=day,
        version_id=version.id if version else None,
        due_units=len(units),
        done_units=len(units & done),
        during_pain=during.pain if during else None,
        morning_pain=morning.pain if morning else None,
        usual_pain=recorded_usual if recorded_usual is not None else patient.usual_pain,
        max_exercise_pain=max_exercise_pain,
        settled=morning.settled if morning else None,
        zone=str(zone) if zone else None,
        logged=bool(done) or during is not None or morning is not None,
        updated_at=utcnow(),
    )


_SUMMARY_COLUMNS = tuple(c.key for c in sa.inspect(DaySummary).column_attrs if c.key not in ("id",))


def on_days_changed(patient: Patient, dates: list[date]) -> None:
    """Hook called after a patient's days changed in a way the suggestion rules may see.

    Red days are already flagged (by the summary refresh). The suggestions are refreshed by
    the worker (suggestions.queue_refresh, in this transaction): the phone need not wait for
    advice meant for the physio, and a patient's syncs before the worker's next run make one
    refresh. A further tick of today without pain does not call this (see apply_events).
    """
    suggestions.queue_refresh(patient.id)
