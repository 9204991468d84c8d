"""Assign programmes and change them, every change as a new immutable version with a summary."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.domain.dose import dose_errors, format_seconds
from app.domain.errors import Refused
from app.domain.localtime import local_today
from app.domain.pain import PainThresholds
from app.domain.schedule import WEEKLY_PATTERN, weekdays_from_mask
from app.extensions import db
from app.models import (
    Exercise,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeStatus,
    ProgrammeTemplate,
    ProgrammeVersion,
    TemplatePhase,
    User,
)
from app.services import audit
from app.services.library import EXERCISE_DOSE_FIELDS

MAX_DAYS_AHEAD = 366  # a start date "more than a year away" is refused
MAX_DAYS_BACK = 30  # back-dating a little lets the physio record a plan already started
AFFECTED_SIDES = ("left", "right", "both", "none")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A programme or template line's dose and schedule; set_dose accepts exactly these. An
# exercise's library default (EXERCISE_DOSE_FIELDS) is the subset a new line starts from.
LINE_DOSE_FIELDS = (
    "sets",
    "reps",
    "hold_seconds",
    "duration_seconds",
    "rest_seconds",
    "side",
    "times_per_day",
    "load_kg",
    "load_text",
    "tempo",
    "days_of_week",
    "times_per_week",
    "note",
)
AMOUNT_FIELDS = ("reps", "hold_seconds", "duration_seconds")
SCHEDULE_FIELDS = ("days_of_week", "times_per_week")
THRESHOLD_FIELDS = (
    "green_max_during",
    "amber_max_during",
    "amber_morning_rise",
    "red_morning_rise",
    "mcid",
    "walk_run_max_pain",
)
TEXT_LIMITS = {"load_text": 60, "tempo": 20, "note": 1000}


class ProgrammeError(Refused):
    """Bad input for a programme change; .errors maps field -> message. Nothing was saved."""


# ---------------------------------------------------------------------------
# Drafts: a plain, mutable copy of a version that the change functions edit.
# ---------------------------------------------------------------------------


@dataclass
class DraftLine:
    """One prescription of a draft: an exercise and its dose, in a phase."""

    line_id: int
    exercise_id: int
    exercise_name: str
    phase_position: int
    sets: int = 3
    reps: int | None = 10
    hold_seconds: int | None = None
    duration_seconds: int | None = None
    rest_seconds: int = 60
    side: str = "both"
    times_per_day: int = 1
    load_kg: float | None = None
    load_text: str | None = None
    tempo: str | None = None
    days_of_week: int | None = None  # bit mask, Monday = 1 << 0
    times_per_week: int | None = 3
    note: str = ""

    def dose(self) -> dict[str, Any]:
        """Return the dose fields as a dict."""
        return {name: getattr(self, name) for name in LINE_DOSE_FIELDS}


@dataclass
class PlanDraft:
    """The next version of a programme, being edited; commit it with commit_draft()."""

    programme_id: int
    base_version_id: int
    base_number: int
    lines: list[DraftLine]
    phase_position: int
    affected_side: str
    thresholds: PainThresholds
    phase_names: dict[int, str]
    next_line_id: int
    # (change_kind, summary) for each edit, in order: the version's summary is made from them.
    changes: list[tuple[str, str]] = field(default_factory=list)
    new_exercise_ids: set[int] = field(default_factory=set)

    def line(self, line_id: int) -> DraftLine:
        """Return the line with this id, or raise ProgrammeError."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ProgrammeError({"line": "That exercise is no longer in the plan."})

    def phase_lines(self, phase_position: int) -> list[DraftLine]:
        """Return the lines of one phase, in order."""
        return [line for line in self.lines if line.phase_position == phase_position]

    def add_line(self, exercise: Exercise, phase: int | None = None, **dose: Any) -> DraftLine:
        """Add an exercise at the end of a phase (the current one by default).

        The dose starts from the exercise's own defaults; keyword arguments override them.
        """
        phase_position = self.phase_position if phase is None else phase
        line = DraftLine(
            line_id=self.next_line_id,
            exercise_id=exercise.id,
            exercise_name=exercise.name,
            phase_position=phase_position,
            days_of_week=None,
            **exercise_default_dose(exercise),
        )
        _apply_dose(line, dose)
        self.next_line_id += 1
        last = max(
            (i for i, other in enumerate(self.lines) if other.phase_position <= phase_position),
            default=-1,
        )
        self.lines.insert(last + 1, line)
        self.new_exercise_ids.add(exercise.id)
        summary = f"Added {exercise.name}"
        if phase_position != self.phase_position and phase_position in self.phase_names:
            summary += f" to {phase_label(phase_position, self.phase_names[phase_position])}"
        self.changes.append(("add", summary))
        return line

    def remove_line(self, line_id: int) -> None:
        """Take an exercise out of the plan."""
        line = self.line(line_id)
        self.lines.remove(line)
        self.changes.append(("remove", f"Removed {line.exercise_name}"))

    def move_line(self, line_id: int, new_position: int) -> None:
        """Move a line to a 0-based position among the lines of its phase."""
        line = self.line(line_id)
        siblings = self.phase_lines(line.phase_position)
        old_position = siblings.index(line)
        new_position = max(0, min(new_position, len(siblings) - 1))
        if new_position == old_position:
            return
        siblings.remove(line)
        siblings.insert(new_position, line)
        # Put the phase's lines back where they were in the whole list, in the new order.
        slots = [
            i for i, other in enumerate(self.lines) if other.phase_position == line.phase_position
        ]
        for slot, sibling in zip(slots, siblings, strict=True):
            self.lines[slot] = sibling
        direction = "up" if new_position < old_position else "down"
        self.changes.append(
            ("reorder", f"Moved {line.exercise_name} {direction} to place {new_position + 1}")
        )

    def set_dose(self, line_id: int, **dose: Any) -> None:
        """Change any dose fields of a line (see LINE_DOSE_FIELDS).

        Giving one of reps / hold_seconds / duration_seconds clears the other two unless they
        are given too; likewise days_of_week and times_per_week.
        """
        line = self.line(line_id)
        before = replace(line)
        _apply_dose(line, dose)
        summary = describe_dose_change(before, line)
        if summary:
            self.changes.append(("dose", f"{line.exercise_name}: {summary}"))

    def swap_exercise(self, line_id: int, exercise: Exercise) -> None:
        """Put another exercise on a line, keeping its dose and its line id."""
        line = self.line(line_id)
        if exercise.id == line.exercise_id:
            return
        old_name = line.exercise_name
        line.exercise_id = exercise.id
        line.exercise_name = exercise.name
        self.new_exercise_ids.add(exercise.id)
        self.changes.append(("swap", f"Swapped {old_name} for {exercise.name}"))

    def set_phase(self, position: int) -> None:
        """Make another phase the current one."""
        if position not in self.phase_names:
            raise ProgrammeError({"phase": "That phase does not exist in this programme."})
        if position == self.phase_position:
            return
        verb = "Moved to" if position > self.phase_position else "Moved back to"
        self.phase_position = position
        self.changes.append(("phase", f"{verb} phase {position + 1}: {self.phase_names[position]}"))

    def set_thresholds(self, **values: int) -> None:
        """Change the pain thresholds (any of THRESHOLD_FIELDS)."""
        unknown = set(values) - set(THRESHOLD_FIELDS)
        if unknown:
            raise TypeError(f"unknown threshold settings: {', '.join(sorted(unknown))}")
        before = self.thresholds
        self.thresholds = replace(before, **values)
        parts = [
            _THRESHOLD_WORDS[name].format(getattr(self.thresholds, name))
            for name in THRESHOLD_FIELDS
            if getattr(self.thresholds, name) != getattr(before, name)
        ]
        if parts:
            self.changes.append(("thresholds", "Pain thresholds: " + ", ".join(parts)))

    def set_affected_side(self, side: str) -> None:
        """Change the affected side recorded on the plan."""
        if side == self.affected_side:
            return
        before, self.affected_side = self.affected_side, side
        self.changes.append(("side", f"Affected side: {before} -> {side}"))


def phase_label(position: int, name: str) -> str:
    """Return "Phase 2: Isotonic"; names that already say "Phase ..." (the library's) stay."""
    if name.lower().startswith("phase"):
        return name
    return f"Phase {position + 1}: {name}"


_THRESHOLD_WORDS = {
    "green_max_during": "green up to {}",
    "amber_max_during": "amber up to {}",
    "amber_morning_rise": "amber when next morning is {} above usual",
    "red_morning_rise": "red when next morning is {} above usual",
    "mcid": "a change of {} points matters",
    "walk_run_max_pain": "walk-run levels done well at pain up to {}",
}


def _apply_dose(line: DraftLine, dose: dict[str, Any]) -> None:
    unknown = set(dose) - set(LINE_DOSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown dose fields: {', '.join(sorted(unknown))}")
    for group in (AMOUNT_FIELDS, SCHEDULE_FIELDS):
        if any(dose.get(name) is not None for name in group):
            for name in group:
                dose.setdefault(name, None)
    for name, value in dose.items():
        if isinstance(value, str) and name != "side":
            value = value.strip() or (None if name != "note" else "")
        setattr(line, name, value)


# ---------------------------------------------------------------------------
# Words for summaries.
# ---------------------------------------------------------------------------


def short_dose(line: Any) -> str:
    """Return a compact dose for summaries: "3 x 12", "5 x 30 s hold", "3 x 10 @ 5 kg"."""
    if line.reps is not None:
        text = f"{line.sets} x {line.reps}"
    elif line.hold_seconds is not None:
        text = f"{line.sets} x {format_seconds(line.hold_seconds)} hold"
    elif line.duration_seconds is not None:
        time = format_seconds(line.duration_seconds)
        text = time if line.sets == 1 else f"{line.sets} x {time}"
    else:
        text = f"{line.sets} sets"
    if line.load_kg is not None:
        text += f" @ {line.load_kg:g} kg"
    if line.load_text:
        text += f", {line.load_text}"
    return text


def describe_days(days_of_week: int | None, times_per_week: int | None) -> str:
    """Return the days in words: "Mon, Wed, Fri", "every day", "3 times a week"."""
    if days_of_week is not None:
        days = weekdays_from_mask(days_of_week)
        if days == WEEKLY_PATTERN[7]:
            return "every day"
        return ", ".join(WEEKDAY_NAMES[day] for day in sorted(days))
    if times_per_week == 7:
        return "every day"
    count = {1: "once", 2: "twice"}.get(times_per_week or 0, f"{times_per_week} times")
    return f"{count} a week"


def describe_dose_change(before: DraftLine, after: DraftLine) -> str:
    """Return what changed in a line's dose, e.g. "3 x 10 -> 3 x 12; rest 60 s -> 90 s"."""
    parts = []
    if short_dose(before) != short_dose(after):
        parts.append(f"{short_dose(before)} -> {short_dose(after)}")
    days_before = describe_days(before.days_of_week, before.times_per_week)
    days_after = describe_days(after.days_of_week, after.times_per_week)
    if days_before != days_after:
        parts.append(f"{days_before} -> {days_after}")
    if before.times_per_day != after.times_per_day:
        parts.append(f"{before.times_per_day} -> {after.times_per_day} times a day")
    if before.side != after.side:
        parts.append(f"side {before.side} -> {after.side}")
    if before.rest_seconds != after.rest_seconds:
        parts.append(
            f"rest {format_seconds(before.rest_seconds)} -> {format_seconds(after.rest_seconds)}"
        )
    if before.tempo != after.tempo:
        parts.append(f"tempo {before.tempo or 'none'} -> {after.tempo or 'none'}")
    if before.note != after.note:
        parts.append("note changed")
    return "; ".join(parts)


# ---------------------------------------------------------------------------
# Visibility of exercises and templates to a clinic.
# ---------------------------------------------------------------------------


def visible_exercises(clinic_id: int) -> sa.Select[tuple[Exercise]]:
    """Select the exercises a clinic may prescribe: the library and its own, not archived."""
    return sa.select(Exercise).where(
        sa.or_(Exercise.clinic_id.is_(None), Exercise.clinic_id == clinic_id),
        Exercise.archived.is_(False),
    )


def visible_exercise(clinic_id: int, exercise_id: int | None) -> Exercise | None:
    """Return the exercise if the clinic may prescribe it, else None."""
    if exercise_id is None:
        return None
    return db.session.scalar(visible_exercises(clinic_id).where(Exercise.id == exercise_id))


def search_exercises(clinic_id: int, query: str = "", limit: int = 30) -> list[Exercise]:
    """Return visible exercises whose name or text matches the query, by name."""
    stmt = visible_exercises(clinic_id)
    words = query.lower().split()
    for word in words[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Exercise.name).like(f"%{escaped}%", escape="\\"),
                Exercise.search_text.like(f"%{escaped}%", escape="\\"),
            )
        )
    return list(db.session.scalars(stmt.order_by(Exercise.name).limit(limit)))


def chain_neighbours(clinic_id: int, exercise_id: int) -> tuple[list[Exercise], list[Exercise]]:
    """Return the easier exercises (nearest first) and the harder ones of an exercise's chain.

    One query: the visible library is small, so the chain is walked in memory.
    """
    by_id = {e.id: e for e in db.session.scalars(visible_exercises(clinic_id))}
    current = db.session.get(Exercise, exercise_id)

    def walk(start: int | None, step: str) -> list[Exercise]:
        found: list[Exercise] = []
        seen = {exercise_id}
        while start is not None and start in by_id and start not in seen:
            seen.add(start)
            found.append(by_id[start])
            start = getattr(by_id[start], step)
        return found

    if current is None:
        return [], []
    return walk(current.regression_id, "regression_id"), walk(
        current.progression_id, "progression_id"
    )


# ---------------------------------------------------------------------------
# Assigning a programme.
# ---------------------------------------------------------------------------


def start_date_error(start_date: date | None, today: date) -> str | None:
    """Return why a start date is refused, or None when it is fine."""
    if start_date is None:
        return "Enter a start date."
    if start_date > today + timedelta(days=MAX_DAYS_AHEAD - 1):
        return "The start date must be within a year from today."
    if start_date < today - timedelta(days=MAX_DAYS_BACK):
        return f"The start date cannot be more than {MAX_DAYS_BACK} days ago."
    return None


def assign_programme(
    physio: User,
    patient: Patient,
    template: ProgrammeTemplate | None,
    start_date: date,
    title: str | None = None,
    *,
    now: datetime | None = None,
) -> Programme:
    """Give a patient a new programme (from a template or blank), archiving the active one.

    Version 1 holds the prescriptions of every phase of the template; phase 1 is current.
    The caller commits.
    """
    today = local_today(patient.timezone, now)
    errors: dict[str, str] = {}
    if message := start_date_error(start_date, today):
        errors["start_date"] = message
    title = (title or "").strip() or (template.name if template else "Home programme")
    if len(title) > 120:
        errors["title"] = "The title must be at most 120 characters."
    phases: list[TemplatePhase] = []
    if template is not None:
        if template.archived or template.clinic_id not in (None, physio.clinic_id):
            errors["template"] = "That template is not available to your clinic."
        else:
            phases = list(
                db.session.scalars(
                    sa.select(TemplatePhase)
                    .where(TemplatePhase.template_id == template.id)
                    .options(selectinload(TemplatePhase.prescriptions))
                    .order_by(TemplatePhase.position)
                )
            )
            wanted = {p.exercise_id for phase in phases for p in phase.prescriptions}
            usable = _usable_exercise_ids(patient.clinic_id, wanted)
            if wanted - usable:
                errors["template"] = (
                    "This template uses an exercise that is no longer available; "
                    "edit the template or start from a blank plan."
                )
    if errors:
        raise ProgrammeError(errors)

    previous = db.session.scalar(
        sa.select(Programme)
        .where(Programme.patient_id == patient.id, Programme.status == ProgrammeStatus.ACTIVE)
        .with_for_update()
    )
    if previous is not None:
        archive_programme(physio, previous, end_date=start_date - timedelta(days=1))
        db.session.flush()  # the one-active index must see the old row archived first

    programme = Programme(
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        created_by_id=physio.id,
        template_id=template.id if template else None,
        title=title,
        start_date=start_date,
        status=ProgrammeStatus.ACTIVE,
    )
    if phases:
        for index, phase in enumerate(phases):
            programme.phases.append(
                ProgrammePhase(
                    position=index,
                    name=phase.name,
                    goal=phase.goal,
                    typical_weeks=phase.typical_weeks,
                    criteria=phase.criteria,
                )
            )
    else:
        programme.phases.append(ProgrammePhase(position=0, name="Phase 1", goal="", criteria=""))
    db.session.add(programme)
    db.session.flush()

    defaults = PainThresholds()
    version = ProgrammeVersion(
        programme_id=programme.id,
        number=1,
        effective_from=start_date,
        created_by_id=physio.id,
        change_kind="created",
        summary=f"Started from template {template.name}" if template else "Blank plan",
        phase_position=0,
        affected_side=patient.affected_side if patient.affected_side in AFFECTED_SIDES else "both",
        **{name: getattr(defaults, name) for name in THRESHOLD_FIELDS},
    )
    line_id = 0
    for index, phase in enumerate(phases):
        for item in phase.prescriptions:
            line_id += 1
            version.prescriptions.append(
                Prescription(
                    line_id=line_id,
                    phase_position=index,
                    position=line_id - 1,
                    exercise_id=item.exercise_id,
                    **_line_dose_of(item),
                )
            )
    db.session.add(version)
    db.session.flush()
    programme.current_version_id = version.id
    audit.record(physio, "programme.assign", "programme", programme.id, patient_id=patient.id)
    db.session.flush()
    return programme


def _line_dose_of(source: Any) -> dict[str, Any]:
    """Return a stored line's dose (a template's or a version's prescription)."""
    dose = {name: getattr(source, name) for name in LINE_DOSE_FIELDS}
    if dose["days_of_week"] is not None:
        dose["times_per_week"] = None  # chosen days win over a weekly count
    return dose


def exercise_default_dose(exercise: Exercise) -> dict[str, Any]:
    """Return the dose an exercise has by default in the library: a new line starts from it."""
    return {name: getattr(exercise, name) for name in EXERCISE_DOSE_FIELDS}


def archive_programme(actor: User, programme: Programme, end_date: date) -> None:
    """Archive a programme: it stays readable but can no longer change."""
    programme.status = ProgrammeStatus.ARCHIVED
    programme.end_date = end_date
    audit.record(
        actor, "programme.archive", "programme", programme.id, patient_id=programme.patient_id
    )


def _usable_exercise_ids(clinic_id: int, exercise_ids: Iterable[int]) -> set[int]:
    ids = set(exercise_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            visible_exercises(clinic_id).with_only_columns(Exercise.id).where(Exercise.id.in_(ids))
        )
    )


# ---------------------------------------------------------------------------
# Changing a programme: draft, edit, commit.
# ---------------------------------------------------------------------------


def load_version(version_id: int) -> ProgrammeVersion | None:
    """Return a version with its prescriptions and their exercises loaded."""
    return db.session.scalar(
        sa.select(ProgrammeVersion)
        .where(ProgrammeVersion.id == version_id)
        .options(selectinload(ProgrammeVersion.prescriptions).joinedload(Prescription.exercise))
    )


def draft_for(programme: Programme, expect_version_id: int | None = None) -> PlanDraft:
    """Copy the programme's current version into a draft to edit.

    expect_version_id: refuse (ProgrammeError) when the programme has moved on from the version
    the caller showed or reasoned about (a stale page, a suggestion made on an older version).
    """
    if programme.status != ProgrammeStatus.ACTIVE:
        raise ProgrammeError({"programme": ARCHIVED_MESSAGE})
    if expect_version_id is not None and expect_version_id != programme.current_version_id:
        raise ProgrammeError({"programme": STALE_MESSAGE})
    assert programme.current_version_id is not None
    version = load_version(programme.current_version_id)
    assert version is not None
    max_line_id = db.session.scalar(
        sa.select(sa.func.max(Prescription.line_id))
        .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == programme.id)
    )
    lines = [
        DraftLine(
            line_id=p.line_id,
            exercise_id=p.exercise_id,
            exercise_name=p.exercise.name,
            phase_position=p.phase_position,
            **{name: getattr(p, name) for name in LINE_DOSE_FIELDS},
        )
        for p in sorted(version.prescriptions, key=lambda p: (p.phase_position, p.position))
    ]
    return PlanDraft(
        programme_id=programme.id,
        base_version_id=version.id,
        base_number=version.number,
        lines=lines,
        phase_position=version.phase_position,
        affected_side=version.affected_side,
        thresholds=thresholds_of(version),
        phase_names={phase.position: phase.name for phase in programme.phases},
        next_line_id=(max_line_id or 0) + 1,
    )


ARCHIVED_MESSAGE = "This programme is archived and can no longer be changed."
STALE_MESSAGE = (
    "The plan was changed by someone else since this page was opened. "
    "Please look at the current plan and try again."
)


def thresholds_of(version: ProgrammeVersion) -> PainThresholds:
    """Return a version's pain thresholds."""
    return PainThresholds(**{name: getattr(version, name) for name in THRESHOLD_FIELDS})


def draft_errors(draft: PlanDraft, clinic_id: int) -> dict[str, str]:
    """Return field -> message for everything wrong with a draft; empty when it can be saved."""
    errors: dict[str, str] = {}
    for line in draft.lines:
        for name, message in line_errors(line).items():
            errors.setdefault(name, message)
    unusable = draft.new_exercise_ids - _usable_exercise_ids(clinic_id, draft.new_exercise_ids)
    if unusable & {line.exercise_id for line in draft.lines}:
        errors["exercise"] = "That exercise is not available to your clinic."
    if draft.phase_position not in draft.phase_names:
        errors["phase"] = "That phase does not exist in this programme."
    if any(line.phase_position not in draft.phase_names for line in draft.lines):
        errors.setdefault("phase", "That phase does not exist in this programme.")
    if draft.affected_side not in AFFECTED_SIDES:
        errors["affected_side"] = "Choose left, right, both or none."
    if problems := draft.thresholds.errors():
        errors["thresholds"] = " ".join(problems.values())
    return errors


def line_errors(line: DraftLine) -> dict[str, str]:
    """Return field -> message for a line's dose, schedule and texts."""
    values = line.dose()
    # The dose rules want a weekly count; chosen days count as that many times a week.
    if line.days_of_week is not None and line.times_per_week is None:
        values["times_per_week"] = len(weekdays_from_mask(line.days_of_week))
    errors = dose_errors(values)
    if errors.get("times_per_week") and line.days_of_week is not None:
        errors["days_of_week"] = errors.pop("times_per_week")
    if (line.days_of_week is None) == (line.times_per_week is None):
        errors["days_of_week"] = "Choose the days of the week or a number of times per week."
    elif line.days_of_week is not None and not 0 < line.days_of_week < 128:
        errors["days_of_week"] = "Choose at least one day of the week."
    if line.load_kg is not None and not 0 < line.load_kg <= 500:
        errors["load_kg"] = "Load must be between 0 and 500 kg."
    if line.load_kg is not None and line.load_text:
        errors["load_text"] = "Give the load in kg or as text, not both."
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(line, name) or "") > limit:
            errors[name] = f"At most {limit} characters."
    return errors


def commit_draft(
    actor: User,
    programme: Programme,
    draft: PlanDraft,
    reason: str = "",
    *,
    change_kind: str | None = None,
    now: datetime | None = None,
) -> ProgrammeVersion:
    """Validate a draft and save it as the programme's next version; the caller commits.

    change_kind defaults to the kind of the draft's edits ("edit" when they differ); pass
    "suggestion" when applying a suggestion. Raises ProgrammeError and saves nothing when the
    draft is invalid, the programme is archived or has moved on, or nothing changed.
    """
    # Lock the programme row so two simultaneous changes cannot both become version n + 1.
    locked = db.session.scalar(
        sa.select(Programme)
        .where(Programme.id == programme.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is programme
    if programme.status != ProgrammeStatus.ACTIVE:
        raise ProgrammeError({"programme": ARCHIVED_MESSAGE})
    if draft.programme_id != programme.id or draft.base_version_id != programme.current_version_id:
        raise ProgrammeError({"programme": STALE_MESSAGE})
    if not draft.changes:
        raise ProgrammeError({"plan": "Nothing was changed."})
    reason = (reason or "").strip()
    errors = draft_errors(draft, programme.clinic_id)
    if len(reason) > 1000:
        errors["reason"] = "Keep the reason under 1000 characters."
    if errors:
        raise ProgrammeError(errors)

    kinds = {kind for kind, _ in draft.changes}
    patient_timezone = db.session.scalar(
        sa.select(Patient.timezone).where(Patient.id == programme.patient_id)
    )
    assert patient_timezone is not None
    version = ProgrammeVersion(
        programme_id=programme.id,
        number=draft.base_number + 1,
        effective_from=max(local_today(patient_timezone, now), programme.start_date),
        created_by_id=actor.id,
        change_kind=change_kind or (kinds.pop() if len(kinds) == 1 else "edit"),
        summary="; ".join(summary for _, summary in draft.changes),
        reason=reason,
        phase_position=draft.phase_position,
        affected_side=draft.affected_side,
        **{name: getattr(draft.thresholds, name) for name in THRESHOLD_FIELDS},
    )
    for position, line in enumerate(draft.lines):
        version.prescriptions.append(
            Prescription(
                line_id=line.line_id,
                phase_position=line.phase_position,
                position=position,
                exercise_id=line.exercise_id,
                **line.dose(),
            )
        )
    db.session.add(version)
    db.session.flush()
    programme.current_version_id = version.id
    audit.record(
        actor,
        "programme.change",
        "programme",
        programme.id,
        patient_id=programme.patient_id,
        version=version.number,
        change_kind=version.change_kind,
    )
    db.session.flush()
    return version


# ---------------------------------------------------------------------------
# Reading history.
# ---------------------------------------------------------------------------


def plan_as_of(programme: Programme, day: date) -> ProgrammeVersion | None:
    """Return the version that was the plan on a patient-local day (None before the start)."""
    version_id = db.session.scalar(
        sa.select(ProgrammeVersion.id)
        .where(
            ProgrammeVersion.programme_id == programme.id, ProgrammeVersion.effective_from <= day
        )
        .order_by(ProgrammeVersion.effective_from.desc(), ProgrammeVersion.id.desc())
        .limit(1)
    )
    return load_version(version_id) if version_id is not None else None


class VersionEntry(NamedTuple):
    """One version in a programme's history, with who made it."""

    id: int
    number: int
    effective_from: date
    created_at: datetime
    created_by: str | None
    change_kind: str
    summary: str
    reason: str


def version_history(programme_id: int) -> list[VersionEntry]:
    """Return a programme's versions, newest first, in one query."""
    rows = db.session.execute(
        sa.select(
            ProgrammeVersion.id,
            ProgrammeVersion.number,
            ProgrammeVersion.effective_from,
            ProgrammeVersion.created_at,
            User.name,
            ProgrammeVersion.change_kind,
            ProgrammeVersion.summary,
            ProgrammeVersion.reason,
        )
        .outerjoin(User, User.id == ProgrammeVersion.created_by_id)
        .where(ProgrammeVersion.programme_id == programme_id)
        .order_by(ProgrammeVersion.number.desc())
    )
    return [VersionEntry(*row) for row in rows]


class ProgrammeChange(NamedTuple):
    """A change to a patient's plan, for marking on charts."""

    effective_from: date
    created_at: datetime
    change_kind: str
    summary: str


def programme_changes(patient_id: int) -> list[ProgrammeChange]:
    """Return every version of every programme of a patient, oldest first, in one query.

    Version 1 of each programme has change_kind "created".
    """
    rows = db.session.execute(
        sa.select(
            ProgrammeVersion.effective_from,
            ProgrammeVersion.created_at,
            ProgrammeVersion.change_kind,
            ProgrammeVersion.summary,
        )
        .join(Programme, Programme.id == ProgrammeVersion.programme_id)
        .where(Programme.patient_id == patient_id)
        .order_by(ProgrammeVersion.effective_from, ProgrammeVersion.created_at, ProgrammeVersion.id)
    )
    return [ProgrammeChange(*row) for row in rows]


def patient_programmes(patient_id: int) -> list[Programme]:
    """Return a patient's programmes, the active one first, then newest first."""
    return list(
        db.session.scalars(
            sa.select(Programme)
            .where(Programme.patient_id == patient_id)
            .order_by(
                (Programme.status == ProgrammeStatus.ACTIVE).desc(),
                Programme.start_date.desc(),
                Programme.id.desc(),
            )
        )
    )


# ---------------------------------------------------------------------------
# What the patient reads: the traffic light in plain words.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Guidance:
    zone: str
    title: str
    text: str


def pain_guidance(thresholds: PainThresholds) -> list[Guidance]:
    """Return the traffic-light advice of clinical.md section 2 with this plan's numbers."""
    green, amber = thresholds.green_max_during, thresholds.amber_max_during
    amber_band = f"{green + 1}/10" if green + 1 == amber else f"{green + 1}-{amber}/10"
    amber_rise, red_rise = thresholds.amber_morning_rise, thresholds.red_morning_rise
    points = "point" if amber_rise == 1 else "points"
    result = [
        Guidance(
            "green",
            "Green: carry on",
            f"Pain up to {green}/10 during the exercises is fine, as long as it has settled "
            "by the next morning. Carry on as planned.",
        ),
    ]
    if amber > green:
        amber_text = (
            f"Pain of {amber_band} during the exercises, or next-morning pain "
            f"{amber_rise} {points} above your usual: keep the same dose and don't add more yet."
        )
    else:
        amber_text = (
            f"Next-morning pain {amber_rise} {points} above your usual: keep the same dose "
            "and don't add more yet."
        )
    result.append(Guidance("amber", "Amber: hold", amber_text))
    result.append(
        Guidance(
            "red",
            "Red: ease off",
            f"Pain above {amber}/10 during the exercises, next-morning pain {red_rise} or more "
            "points above your usual, or pain that has not settled within 24 hours: do less and "
            "your physio will be told.",
        )
    )
    return result
