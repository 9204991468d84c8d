"""Read a programme's versions as the plain snapshots the schedule rules work on."""

from collections import defaultdict

import sqlalchemy as sa

from app.domain.schedule import PlanSnapshot, PrescriptionSpec, weekdays_from_mask
from app.extensions import db
from app.models import Prescription, Programme, ProgrammeStatus, ProgrammeVersion


def active_programme(patient_id: int) -> Programme | None:
    """The patient's one active programme, if any."""
    return db.session.scalar(
        sa.select(Programme).where(
            Programme.patient_id == patient_id, Programme.status == ProgrammeStatus.ACTIVE
        )
    )


def spec_for(prescription: Prescription) -> PrescriptionSpec:
    """The schedule's view of one prescription row."""
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
