"""Read the plans in force: programmes' versions as the plain snapshots the schedule rules use.

plans_in_force() is the one reader of "the plan in force" for every page (the day page and
the sync, charts, caseload, suggestions) and for the seeders: for many patients over a date
range, in one statement. What is due is then worked out by the pure schedule rules
(schedule.due_by_day), which follow the programme running each day (an archived programme
up to its end date, then its successor).
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, TypeVarTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.domain.dose import Dose
from app.domain.pain import PainThresholds
from app.domain.plan_draft import THRESHOLD_FIELDS
from app.domain.schedule import (
    DueItem,
    PlanSnapshot,
    PrescriptionSpec,
    ProgrammePlan,
    due_by_day,
    weekdays_from_mask,
)
from app.extensions import db, run
from app.models import (
    ActivePlan,
    Exercise,
    Patient,
    Prescription,
    Programme,
    ProgrammeStatus,
    ProgrammeVersion,
)

Ts = TypeVarTuple("Ts")


def active_programme(patient_id: int) -> Programme | None:
    """The patient's one active programme, if any."""
    return db.session.scalar(
        sa.select(Programme).where(
            Programme.patient_id == patient_id, Programme.status == ProgrammeStatus.ACTIVE
        )
    )


# What a staff page loads of a patient's plan with the patient row, in the same statement:
# the active programme and its current version, which active_plan reads. The signed-in
# patient's own statement reads the same as plain columns (ACTIVE_PLAN_COLUMNS), cheaper than
# two more entities on every request (accounts.session_user).
ACTIVE_PLAN = (
    joinedload(Patient.active_programme)
    .joinedload(Programme.current_version)
    .load_only(
        ProgrammeVersion.number, ProgrammeVersion.created_at, ProgrammeVersion.phase_position
    )
)

# ActivePlan's fields, in order, for a statement that joins with_active_plan.
ACTIVE_PLAN_COLUMNS = (
    Programme.id,
    Programme.start_date,
    Programme.has_test_tasks,
    Programme.seen_version_number,
    ProgrammeVersion.id,
    ProgrammeVersion.number,
    ProgrammeVersion.created_at,
    ProgrammeVersion.phase_position,
)


def with_active_plan(statement: sa.Select[*Ts]) -> sa.Select[*Ts]:
    """statement (which has the patients table) outer-joined to the active programme and its
    current version, for ACTIVE_PLAN_COLUMNS."""
    return statement.outerjoin(
        Programme,
        sa.and_(Programme.patient_id == Patient.id, Programme.status == ProgrammeStatus.ACTIVE),
    ).outerjoin(ProgrammeVersion, ProgrammeVersion.id == Programme.current_version_id)


def active_plan_of(columns: tuple[Any, ...]) -> ActivePlan | None:
    """The ActivePlan in a row's ACTIVE_PLAN_COLUMNS (None: no active programme)."""
    return None if columns[0] is None else ActivePlan(*columns)


def active_plan(patient: Patient) -> ActivePlan | None:
    """The patient's active programme and current version as the hot paths read them.

    The signed-in patient's come with their own statement (accounts.session_user); for any
    other patient they are the ORM's (loaded with the patient by ACTIVE_PLAN, else read now).
    """
    if patient.plan_read is not None:
        return patient.plan_read[0]
    programme = patient.active_programme
    if programme is None:
        return None
    current = programme.current_version
    return ActivePlan(
        programme.id,
        programme.start_date,
        programme.has_test_tasks,
        programme.seen_version_number,
        current.id if current else None,
        current.number if current else None,
        current.created_at if current else None,
        current.phase_position if current else None,
    )


class ProgrammeColumns(NamedTuple):
    """What the reader selects of a programme."""

    id: int
    patient_id: int
    start_date: date
    end_date: date | None
    status: str


class VersionColumns(NamedTuple):
    """What the reader selects of a programme version (its thresholds apart)."""

    id: int
    programme_id: int
    number: int
    effective_from: date
    phase_position: int
    change_kind: str
    summary: str | None
    created_at: datetime
    created_by_id: int | None


class LineColumns(NamedTuple):
    """What the reader selects of a prescription of a version's current phase."""

    id: int
    version_id: int
    line_id: int
    exercise_id: int
    phase_position: int
    side: str
    days_of_week: int | None
    times_per_week: int | None
    times_per_day: int
    sets: int
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    rest_seconds: int
    load_kg: float | None
    load_text: str | None
    tempo: str | None
    note: str | None
    exercise_name: str

    @property
    def dose(self) -> Dose:
        return Dose.of(self)


@dataclass(frozen=True)
class VersionInForce:
    """One version read: its schedule snapshot, its own columns, thresholds and lines.

    lines are the current phase's prescriptions, in the order of snapshot.prescriptions.
    """

    snapshot: PlanSnapshot
    columns: VersionColumns
    thresholds: PainThresholds
    lines: tuple[LineColumns, ...]

    @property
    def id(self) -> int:
        return self.snapshot.version_id


@dataclass(frozen=True)
class ProgrammeInForce:
    """A programme running in the window, with its versions in force there, oldest first."""

    columns: ProgrammeColumns
    plan: ProgrammePlan
    versions: tuple[VersionInForce, ...]


def schedule_of(programmes: Collection[ProgrammeInForce]) -> list[ProgrammePlan]:
    """Return the schedule rules' view of the programmes read (for schedule.due_by_day)."""
    return [programme.plan for programme in programmes]


_PROGRAMME = tuple(getattr(Programme, name) for name in ProgrammeColumns._fields)
_VERSION = tuple(getattr(ProgrammeVersion, name) for name in VersionColumns._fields) + tuple(
    getattr(ProgrammeVersion, name) for name in THRESHOLD_FIELDS
)
_LINE = (
    *(getattr(Prescription, name) for name in LineColumns._fields[:-1]),
    Exercise.name,
)


def plans_in_force(
    patient_ids: Collection[int], first: date, last: date
) -> dict[int, list[ProgrammeInForce]]:
    """Read, per patient, the programmes running from first to last with their versions.

    One statement for any number of patients. A programme runs from its start date to its
    end date (archived) or on (active). Of its versions, those in force on some day of the
    window are read: the one in force on `first` and any later ones up to `last`, so the
    rows read depend on the window, not on how long the programme has run. Each version
    comes with its current phase's prescriptions only (the only ones ever due). Patients
    with nothing running are left out.
    """
    window = {"patient_ids": list(patient_ids), "first": first, "last": last}
    rows = run(_STATEMENT, window).all()
    # Each row is a programme's columns, then its version's, the thresholds, and one line's.
    at_version = len(_PROGRAMME)
    at_thresholds = at_version + len(VersionColumns._fields)
    at_line = at_version + len(_VERSION)
    programmes: dict[int, ProgrammeColumns] = {}
    versions: dict[int, list[tuple[VersionColumns, PainThresholds]]] = defaultdict(list)
    lines: dict[int, list[LineColumns]] = {}
    for row in rows:
        programme = ProgrammeColumns._make(row[:at_version])
        version = VersionColumns._make(row[at_version:at_thresholds])
        if version.id not in lines:  # a version's first row (a version without lines has one)
            lines[version.id] = []
            programmes.setdefault(programme.id, programme)
            limits = zip(THRESHOLD_FIELDS, row[at_thresholds:at_line], strict=True)
            versions[programme.id].append((version, PainThresholds(**dict(limits))))
        if row[at_line] is not None:
            lines[version.id].append(LineColumns._make(row[at_line:]))
    found: dict[int, list[ProgrammeInForce]] = defaultdict(list)
    for programme in programmes.values():
        read = tuple(
            _version_in_force(version, thresholds, lines[version.id])
            for version, thresholds in versions[programme.id]
        )
        plan = ProgrammePlan(
            programme.id,
            programme.start_date,
            programme.end_date,
            tuple(version.snapshot for version in read),
        )
        found[programme.patient_id].append(ProgrammeInForce(programme, plan, read))
    return dict(found)


def kept_plans_in_force(patient: Patient, first: date, last: date) -> tuple[ProgrammeInForce, ...]:
    """plans_in_force for one patient, kept per worker while their plan stays the same.

    Versions never change once written, every change to a plan makes a new current version,
    and archiving changes which programme is active (or leaves none): so what was read is
    kept by the active programme, its current version and the window. The programme and
    version come with the patient (active_plan), so a kept read runs no statement.
    Without an active programme it is read afresh.
    """
    plan = active_plan(patient)
    if plan is None:
        return tuple(plans_in_force([patient.id], first, last).get(patient.id, ()))
    return _kept(patient.id, plan.programme_id, plan.version_id, plan.version_made, first, last)


# Keyed by what changes with the plan: the active programme, its current version (with the
# time it was made, as SQLite may hand a rolled-back version's id to the next one) and the
# days. Each worker keeps its own; an entry is small (pickled, the bench patient's three days
# are 1.2 KB and the whole history the charts read, nine versions, 5.8 KB).
@lru_cache(maxsize=4096)
def _kept(
    patient_id: int,
    programme_id: int,
    current_version_id: int | None,
    current_version_made: datetime | None,
    first: date,
    last: date,
) -> tuple[ProgrammeInForce, ...]:
    """The programme and current version only key the cache: they are not read here."""
    return tuple(plans_in_force([patient_id], first, last).get(patient_id, ()))


def _statement() -> sa.Select[*tuple[Any, ...]]:
    """The reader's statement, for the bound patient_ids, first and last (built once)."""
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    running = sa.and_(
        Programme.patient_id.in_(sa.bindparam("patient_ids", expanding=True)),
        Programme.start_date <= last,
        sa.or_(Programme.end_date.is_(None), Programme.end_date >= first),
    )
    # When the version in force on `first` took effect, per programme: grouped once, not a
    # correlated max per version row (which made PostgreSQL scan every programme version).
    since = (
        sa.select(
            ProgrammeVersion.programme_id,
            sa.func.max(ProgrammeVersion.effective_from).label("since"),
        )
        .join(Programme, ProgrammeVersion.programme_id == Programme.id)
        .where(running, ProgrammeVersion.effective_from <= first)
        .group_by(ProgrammeVersion.programme_id)
        .subquery("since")
    )
    return (
        sa.select(*_PROGRAMME, *_VERSION, *_LINE)
        .select_from(ProgrammeVersion)
        # Only the current phase's lines are ever due; a version without any still counts.
        .outerjoin(
            Prescription,
            sa.and_(
                Prescription.version_id == ProgrammeVersion.id,
                Prescription.phase_position == ProgrammeVersion.phase_position,
            ),
        )
        .outerjoin(Exercise, Prescription.exercise_id == Exercise.id)
        .join(Programme, ProgrammeVersion.programme_id == Programme.id)
        .outerjoin(since, since.c.programme_id == Programme.id)
        .where(
            running,
            ProgrammeVersion.effective_from <= last,
            ProgrammeVersion.effective_from >= sa.func.coalesce(since.c.since, date.min),
        )
        .order_by(
            Programme.start_date, Programme.id, ProgrammeVersion.number, Prescription.position
        )
    )


# Building the statement costs more than running it for one patient: build it once.
_STATEMENT = _statement()


def _version_in_force(
    version: VersionColumns, thresholds: PainThresholds, lines: list[LineColumns]
) -> VersionInForce:
    snapshot = PlanSnapshot(
        version_id=version.id,
        effective_from=version.effective_from,
        phase=version.phase_position,
        prescriptions=tuple(_spec(line) for line in lines),
    )
    return VersionInForce(snapshot, version, thresholds, tuple(lines))


def _spec(line: LineColumns) -> PrescriptionSpec:
    """The schedule's view of one prescription."""
    return PrescriptionSpec(
        line_id=line.line_id,
        exercise_id=line.exercise_id,
        phase=line.phase_position,
        side=line.side,
        days_of_week=(
            weekdays_from_mask(line.days_of_week) if line.days_of_week is not None else None
        ),
        times_per_week=line.times_per_week,
        times_per_day=line.times_per_day,
    )


def due_for_patient_between(patient: Patient, first: date, last: date) -> dict[date, list[DueItem]]:
    """Return what is due for a patient on every local date from first to last.

    Each day follows the programme running that day (an archived one up to its end date, then
    its successor), and within it the version in force and that version's current phase.
    """
    programmes = plans_in_force([patient.id], first, last).get(patient.id, [])
    return due_by_day(schedule_of(programmes), first, last)


def due_for_patient(patient: Patient, day: date) -> list[DueItem]:
    """Return what is due for a patient on one local date (empty outside any programme)."""
    return due_for_patient_between(patient, day, day)[day]
