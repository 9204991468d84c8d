"""The patient's plan-change notice and the plan page's recent changes, and "Got it".

The programme's recent versions with their current phase's lines are read in one statement
and kept per worker (versions never change once written; every change makes a new current
version, which keys the cache), so the day page pays for the notice once per change and
worker. What changed is worked out by app.domain.plan_changes.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa

from app.domain.dose import FIELD_NAMES, Dose
from app.domain.errors import Refused
from app.domain.plan_changes import (
    LineChange,
    PlanLine,
    changes_by_sitting,
    plan_changes,
    reasons,
    unseen_change,
)
from app.extensions import db
from app.models import (
    ActivePlan,
    Exercise,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
)
from app.services.plans import active_plan

VERSIONS_READ = 30  # the newest versions read: a notice or list never reaches further back
RECENT_SITTINGS = 5  # the plan page's short list


@dataclass(frozen=True)
class VersionRead:
    """One version as the notice needs it: who and when (for sittings), reason, phase, lines."""

    number: int
    created_at: datetime
    created_by_id: int | None
    effective_from: date
    reason: str
    phase_name: str | None
    lines: tuple[PlanLine, ...]


@dataclass(frozen=True)
class PlanNotice:
    """What changed in the plan, in words, with the physio's reasons."""

    number: int  # the newest version told about: "Got it" marks it seen
    day: date  # from when the newest version is the plan
    changes: tuple[LineChange, ...]
    reasons: tuple[str, ...]


def plan_notice(plan: ActivePlan | None) -> PlanNotice | None:
    """Return what changed since the patient last said "Got it" (None: nothing to tell).

    No statement when the patient has seen the current version (the active plan comes with
    the signed-in patient: plans.active_plan).
    """
    if plan is None or plan.version_id is None or plan.version_number is None:
        return None
    seen = plan.seen_version_number
    if seen is not None and seen >= plan.version_number:
        return None
    assert plan.version_made is not None  # made with its version
    found = unseen_change(
        _recent_versions(plan.programme_id, plan.version_id, plan.version_made), seen
    )
    if found is None:
        return None
    baseline, newer = found
    return _notice(baseline, newer)


def recent_changes(programme: Programme | None) -> list[PlanNotice]:
    """Return the plan's last few changes, one per sitting, newest first."""
    current = programme.current_version if programme else None
    if programme is None or current is None:
        return []
    versions = _recent_versions(programme.id, current.id, current.created_at)
    found = [_notice(baseline, sitting) for baseline, sitting in changes_by_sitting(versions)]
    return [notice for notice in reversed(found) if notice.changes][:RECENT_SITTINGS]


def mark_seen(patient: Patient, number: int) -> None:
    """Remember that the patient has read the notice up to version number; the caller commits."""
    plan = active_plan(patient)
    if plan is None or plan.version_number is None or not 1 <= number <= plan.version_number:
        raise Refused("That plan change could not be found. Here is your plan as it is now.")
    programme = db.session.get(Programme, plan.programme_id)
    assert programme is not None  # the active programme the patient was loaded with
    programme.seen_version_number = max(programme.seen_version_number or 0, number)


def _notice(baseline: VersionRead, newer: list[VersionRead]) -> PlanNotice:
    last = newer[-1]
    changes = plan_changes(
        baseline.lines,
        last.lines,
        phase_before=baseline.phase_name,
        phase_after=last.phase_name,
    )
    return PlanNotice(
        number=last.number,
        day=last.effective_from,
        changes=tuple(changes),
        reasons=tuple(reasons([v.reason for v in newer])),
    )


_DOSE = tuple(getattr(Prescription, name).label(f"dose_{name}") for name in FIELD_NAMES)


@lru_cache(maxsize=1024)
def _recent_versions(
    programme_id: int, current_version_id: int, current_made: datetime
) -> tuple[VersionRead, ...]:
    """Read the programme's newest versions with their current phase's lines, oldest first.

    One statement. The current version (and when it was made: SQLite may reuse a rolled-back
    id) only keys the cache.
    """
    del current_version_id, current_made
    newest = (
        sa.select(ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == programme_id)
        .order_by(ProgrammeVersion.number.desc())
        .limit(VERSIONS_READ)
    )
    version = ProgrammeVersion
    rows = db.session.execute(
        sa.select(
            version.number,
            version.created_at,
            version.created_by_id,
            version.effective_from,
            version.reason,
            ProgrammePhase.name.label("phase_name"),
            Prescription.line_id,
            Exercise.name.label("exercise_name"),
            *_DOSE,
        )
        .outerjoin(
            ProgrammePhase,
            sa.and_(
                ProgrammePhase.programme_id == version.programme_id,
                ProgrammePhase.position == version.phase_position,
            ),
        )
        .outerjoin(
            Prescription,
            sa.and_(
                Prescription.version_id == version.id,
                Prescription.phase_position == version.phase_position,
            ),
        )
        .outerjoin(Exercise, Exercise.id == Prescription.exercise_id)
        .where(version.id.in_(newest.scalar_subquery()))
        .order_by(version.number, Prescription.position)
    ).all()
    read: dict[int, tuple[sa.Row[*tuple[object, ...]], list[PlanLine]]] = {}
    for row in rows:
        _, lines = read.setdefault(row.number, (row, []))
        if row.line_id is not None:
            values = {name: getattr(row, f"dose_{name}") for name in FIELD_NAMES}
            dose = Dose(**{k: v for k, v in values.items() if v is not None})
            lines.append(PlanLine(row.line_id, row.exercise_name, dose))
    return tuple(
        VersionRead(
            number=first.number,
            created_at=first.created_at,
            created_by_id=first.created_by_id,
            effective_from=first.effective_from,
            reason=first.reason or "",
            phase_name=first.phase_name,
            lines=tuple(lines),
        )
        for first, lines in read.values()
    )
