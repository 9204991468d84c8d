"""Read a programme's versions as the plain snapshots the schedule rules work on."""

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from app.domain.schedule import (
    DueItem,
    PlanSnapshot,
    PrescriptionSpec,
    due_between,
    weekdays_from_mask,
)
from app.extensions import db
from app.models import Patient, Prescription, Programme, ProgrammeStatus, ProgrammeVersion


def active_programme(patient_id: int) -> Programme | None:
    """The patient's one active programme, if any."""
    return db.session.scalar(
        sa.select(Programme).where(
            Programme.patient_id == patient_id, Programme.status == ProgrammeStatus.ACTIVE
        )
    )


# The prescription columns spec_for reads: select these to build specs from plain rows.
SPEC_COLUMNS = (
    Prescription.line_id,
    Prescription.exercise_id,
    Prescription.phase_position,
    Prescription.side,
    Prescription.days_of_week,
    Prescription.times_per_week,
    Prescription.times_per_day,
)


def spec_for(prescription: Prescription | sa.Row) -> PrescriptionSpec:
    """The schedule's view of one prescription row (an ORM object, or a row of SPEC_COLUMNS)."""
    return PrescriptionSpec(
        line_id=prescription.line_id,
        exercise_id=prescription.exercise_id,
        phase=prescription.phase_position,
        side=prescription.side,
        days_of_week=(
            weekdays_from_mask(prescription.days_of_week)
            if prescription.days_of_week is not None
            else None
        ),
        times_per_week=prescription.times_per_week,
        times_per_day=prescription.times_per_day,
    )


def plan_snapshots(programme_id: int) -> list[PlanSnapshot]:
    """Every version of a programme as a PlanSnapshot, oldest first, in two queries."""
    versions = db.session.execute(
        sa.select(
            ProgrammeVersion.id, ProgrammeVersion.effective_from, ProgrammeVersion.phase_position
        )
        .where(ProgrammeVersion.programme_id == programme_id)
        .order_by(ProgrammeVersion.number)
    ).all()
    rows = db.session.scalars(
        sa.select(Prescription)
        .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == programme_id)
        .order_by(Prescription.version_id, Prescription.position)
    )
    by_version: dict[int, list[PrescriptionSpec]] = defaultdict(list)
    for row in rows:
        by_version[row.version_id].append(spec_for(row))
    return [
        PlanSnapshot(
            version_id=v.id,
            effective_from=v.effective_from,
            phase=v.phase_position,
            prescriptions=tuple(by_version[v.id]),
        )
        for v in versions
    ]


def _programmes_running(patient_id: int, first: date, last: date) -> list[Programme]:
    """The patient's programmes that run on some day from first to last, oldest start first."""
    return list(
        db.session.scalars(
            sa.select(Programme)
            .where(
                Programme.patient_id == patient_id,
                Programme.start_date <= last,
                sa.or_(Programme.end_date.is_(None), Programme.end_date >= first),
            )
            .order_by(Programme.start_date, Programme.id)
        )
    )


def due_for_patient_between(patient: Patient, first: date, last: date) -> dict[date, list[DueItem]]:
    """Return what is due for a patient on every local date from first to last.

    Each day follows the programme running that day (an archived one up to its end date, then
    its successor), and within it the version in force and that version's current phase.
    """
    due: dict[date, list[DueItem]] = {}
    for programme in _programmes_running(patient.id, first, last):
        snapshots = plan_snapshots(programme.id)
        for day, items in due_between(
            programme.start_date, snapshots, first, last, programme.end_date
        ).items():
            # Days are the running programme's; a later-starting one takes over the days it covers.
            if programme.start_date <= day and (
                programme.end_date is None or day <= programme.end_date
            ):
                due[day] = items
    for day in _dates(first, last):
        due.setdefault(day, [])
    return dict(sorted(due.items()))


def due_for_patient(patient: Patient, day: date) -> list[DueItem]:
    """Return what is due for a patient on one local date (empty outside any programme)."""
    return due_for_patient_between(patient, day, day)[day]


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
