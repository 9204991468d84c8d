"""The progress charts' reading: a patient's days and plan history, in two statements.

load_history() reads everything in two statements, whatever the length of the range (day
summaries; the plan, from plans.plans_in_force, kept while the plan stays the same), and
hands a History to the pure figure builders of app.domain.charts.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from app.domain.charts import DoseStep, History, PlanChange
from app.domain.localtime import days_between
from app.domain.pain import PainThresholds
from app.domain.plan_changes import sittings
from app.domain.progress import DayTotals
from app.domain.schedule import ProgrammePlan, due_units_by_day
from app.extensions import run
from app.models import CheckIn, DaySummary, Patient
from app.services.plans import ProgrammeInForce, kept_plans_in_force, schedule_of


def _note_of(kind: str) -> sa.ScalarSelect[str]:
    """The day's check-in note of one kind (the unique (patient, day, kind) index finds it)."""
    return (
        sa.select(CheckIn.note)
        .where(
            CheckIn.patient_id == DaySummary.patient_id,
            CheckIn.session_date == DaySummary.local_date,
            CheckIn.kind == kind,
        )
        .scalar_subquery()
    )


# The day summaries load_history reads, built once. Columns, not ORM objects: a year is a
# few hundred rows, and nothing here changes them. The patient's check-in notes come with
# their days (the pain table shows them), in the same statement. (Joining check_ins per kind
# instead is no cheaper under the generic plan PostgreSQL keeps for a prepared statement, and
# with the range on check_ins too it made that plan scan the range once per day: 14 ms.)
SUMMARIES_STATEMENT = sa.select(
    DaySummary.local_date,
    DaySummary.due_units,
    DaySummary.done_units,
    DaySummary.during_pain,
    DaySummary.morning_pain,
    DaySummary.usual_pain,
    DaySummary.zone,
    _note_of("during").label("during_note"),
    _note_of("morning").label("morning_note"),
).where(
    DaySummary.patient_id == sa.bindparam("patient_id"),
    DaySummary.local_date.between(
        sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    ),
)


def load_history(patient: Patient, first: date, last: date, today: date) -> History:
    """Read the patient's days and plan history for the charts, in two statements.

    The day summaries of the range (and the 6 days before it, for the rolling mean), and the
    plan (plans.plans_in_force) read whole: the dose table lists every dose since the first
    programme began, and the bands are the active programme's newest.
    """
    summaries = run(
        SUMMARIES_STATEMENT,
        {"patient_id": patient.id, "first": first - timedelta(days=6), "last": last},
    ).all()
    programmes = kept_plans_in_force(patient, date.min, date.max)
    history = History(first=first, last=last, today=today)
    history.days = _day_totals(summaries, schedule_of(programmes), first, last)
    # By position (the statement's column order): a Row's attribute read costs more than its value.
    history.during_before = {
        day: during for day, _, _, during, *_ in summaries if day < first and during is not None
    }
    history.notes = {
        day: note
        for day, *_, during_note, morning_note in summaries
        if day >= first and (note := _day_note(during_note, morning_note))
    }
    history.thresholds = _bands(programmes)
    for programme in programmes:
        _add_plan_history(history, programme)
    return history


def _day_note(during: str | None, morning: str | None) -> str:
    """Return a day's notes in words: the session's, then the next morning's."""
    parts = [f"During: {during}" if during else "", f"Next morning: {morning}" if morning else ""]
    return " / ".join(part for part in parts if part)


def _day_totals(
    summaries: Sequence[sa.Row[*tuple[Any, ...]]],
    schedule: Sequence[ProgrammePlan],
    first: date,
    last: date,
) -> dict[date, DayTotals]:
    """Return every day first..last: its summary, or what was due on a day nothing was logged."""
    # SUMMARIES_STATEMENT's first seven columns are DayTotals' fields, in order.
    known = {row[0]: DayTotals._make(row[:7]) for row in summaries if first <= row[0] <= last}
    due = due_units_by_day(schedule, first, last)
    return {day: known.get(day) or DayTotals(day, due[day]) for day in days_between(first, last)}


def _bands(programmes: Sequence[ProgrammeInForce]) -> PainThresholds:
    """Return the thresholds the pain chart draws: the active (else latest) programme's newest."""
    if not programmes:
        return PainThresholds()
    latest = next((p for p in programmes if p.columns.status == "active"), programmes[-1])
    return max(latest.versions, key=lambda v: v.columns.number).thresholds


def _add_plan_history(history: History, programme: ProgrammeInForce) -> None:
    """Add a programme's changes in the range, and its lines' doses and when each left the plan.

    Only the lines of the phase in force were being done (the reader reads no others): other
    phases' lines would draw flat doses nobody was doing.
    """
    in_plan: set[tuple[int, int]] = set()
    # Quick edits in one sitting are one change: only the sitting's last plan draws doses.
    stamps = [v.columns for v in programme.versions]
    last_of_sitting = {g[-1].id for g in sittings(stamps, key=lambda c: c.effective_from)}
    for version in programme.versions:
        columns = version.columns
        if history.first <= columns.effective_from <= history.last:
            history.changes.append(
                PlanChange(
                    columns.id,
                    columns.number,
                    columns.effective_from,
                    columns.change_kind,
                    columns.summary or columns.change_kind,
                    columns.created_at,
                    columns.created_by_id,
                )
            )
        if columns.id not in last_of_sitting:
            continue
        now_in_plan = {(columns.programme_id, line.line_id) for line in version.lines}
        for key in in_plan - now_in_plan:
            history.dose_ends[key] = columns.effective_from
        for key in now_in_plan:
            history.dose_ends.pop(key, None)
        in_plan = now_in_plan
        for line in version.lines:
            history.doses.append(
                DoseStep(
                    columns.programme_id,
                    line.line_id,
                    columns.effective_from,
                    line.exercise_name,
                    line.dose,
                )
            )
