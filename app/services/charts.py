"""The progress charts' reading: a patient's days and plan history, in three statements.

load_history() reads everything whatever the length of the range (day summaries; versions
with their programme; prescriptions with exercise names) and hands a History to the pure
figure builders of app.domain.charts.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.charts import DoseStep, History, PlanChange
from app.domain.dose import Dose
from app.domain.plan_draft import THRESHOLD_FIELDS
from app.domain.progress import DayTotals
from app.domain.schedule import PlanSnapshot, due_between
from app.extensions import db
from app.models import DaySummary, Exercise, Patient, Prescription, Programme, ProgrammeVersion
from app.services.plans import SPEC_COLUMNS, spec_for
from app.services.programmes import thresholds_of

_VERSION_COLUMNS = (
    ProgrammeVersion.id,
    ProgrammeVersion.programme_id,
    ProgrammeVersion.number,
    ProgrammeVersion.effective_from,
    ProgrammeVersion.phase_position,
    ProgrammeVersion.change_kind,
    ProgrammeVersion.summary,
    *(getattr(ProgrammeVersion, name) for name in THRESHOLD_FIELDS),
)
_LINE_COLUMNS = (
    Prescription.version_id,
    *SPEC_COLUMNS,
    Prescription.sets,
    Prescription.reps,
    Prescription.hold_seconds,
    Prescription.duration_seconds,
    Prescription.load_kg,
)


# The three statements load_history runs, built once. Columns, not ORM objects: a year of
# versions and lines is a few hundred rows, and nothing here changes them.
_PATIENT = sa.bindparam("patient_id")
_SUMMARIES = sa.select(
    DaySummary.local_date,
    DaySummary.due_units,
    DaySummary.done_units,
    DaySummary.during_pain,
    DaySummary.morning_pain,
    DaySummary.usual_pain,
    DaySummary.zone,
).where(
    DaySummary.patient_id == _PATIENT,
    DaySummary.local_date.between(
        sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    ),
)
_VERSIONS = (
    sa.select(*_VERSION_COLUMNS, Programme.start_date, Programme.end_date, Programme.status)
    .join(Programme, ProgrammeVersion.programme_id == Programme.id)
    .where(Programme.patient_id == _PATIENT)
    .order_by(Programme.start_date, ProgrammeVersion.number)
)
_LINES = (
    sa.select(*_LINE_COLUMNS, Exercise.name)
    .join(Exercise, Prescription.exercise_id == Exercise.id)
    .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
    .join(Programme, ProgrammeVersion.programme_id == Programme.id)
    .where(Programme.patient_id == _PATIENT)
    .order_by(Prescription.version_id, Prescription.position)
)


def load_history(patient: Patient, first: date, last: date, today: date) -> History:
    """Read the patient's days and plan history for the charts, in three statements."""
    lookback = first - timedelta(days=6)
    summaries = db.session.execute(
        _SUMMARIES, {"patient_id": patient.id, "first": lookback, "last": last}
    ).all()
    versions = db.session.execute(_VERSIONS, {"patient_id": patient.id}).all()
    lines = db.session.execute(_LINES, {"patient_id": patient.id}).all()

    history = History(first=first, last=last, today=today)
    by_version: dict[int, list[tuple[Any, str]]] = defaultdict(list)
    for line in lines:
        by_version[line.version_id].append((line, line.name))

    # What was due each day, from the plan, for days nothing was logged (no summary row).
    known = {row.local_date: row for row in summaries}
    due_units: dict[date, int] = defaultdict(int)
    programmes: dict[int, list[Any]] = defaultdict(list)
    bounds: dict[int, tuple[date, date | None]] = {}
    for version in versions:
        programmes[version.programme_id].append(version)
        bounds[version.programme_id] = (version.start_date, version.end_date)
    for programme_id, its_versions in programmes.items():
        start, end = bounds[programme_id]
        snapshots = [
            PlanSnapshot(
                version_id=v.id,
                effective_from=v.effective_from,
                phase=v.phase_position,
                prescriptions=tuple(spec_for(p) for p, _ in by_version[v.id]),
            )
            for v in its_versions
        ]
        for day, items in due_between(start, snapshots, first, last, end).items():
            if day not in known:
                due_units[day] += sum(item.unit_count for item in items)

    for day in _days(first, last):
        row = known.get(day)
        history.days[day] = (
            DayTotals(day, due_units.get(day, 0))
            if row is None
            else DayTotals(
                day,
                row.due_units,
                row.done_units,
                row.during_pain,
                row.morning_pain,
                row.usual_pain,
                row.zone,
            )
        )
    history.during_before = {
        row.local_date: row.during_pain
        for row in summaries
        if row.local_date < first and row.during_pain is not None
    }

    if versions:
        current = next((v for v in versions if v.status == "active"), None)
        latest = current or versions[-1]
        # The active programme's newest version sets the bands; the current_version_id
        # pointer is the newest, and versions are ordered by number within a programme.
        newest = max(
            (v for v in versions if v.programme_id == latest.programme_id),
            key=lambda v: v.number,
        )
        history.thresholds = thresholds_of(newest)
    in_plan: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for version in versions:
        if first <= version.effective_from <= last:
            history.changes.append(
                PlanChange(
                    version.id,
                    version.number,
                    version.effective_from,
                    version.change_kind,
                    version.summary or version.change_kind,
                )
            )
        # Only the lines of the phase in force were being done: other phases' lines would
        # draw flat doses nobody was doing.
        in_force = [
            (prescription, name)
            for prescription, name in by_version[version.id]
            if prescription.phase_position == version.phase_position
        ]
        now_in_plan = {(version.programme_id, p.line_id) for p, _ in in_force}
        for key in in_plan.get(version.programme_id, set()) - now_in_plan:
            history.dose_ends[key] = version.effective_from
        for key in now_in_plan:
            history.dose_ends.pop(key, None)
        in_plan[version.programme_id] = now_in_plan
        for prescription, name in in_force:
            history.doses.append(
                DoseStep(
                    version.programme_id,
                    prescription.line_id,
                    version.effective_from,
                    name,
                    Dose.of(prescription),
                )
            )
    return history


def _days(first: date, last: date) -> Iterator[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))
