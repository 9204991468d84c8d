"""Assign programmes and change them, every change as a new immutable version with a summary.

The edits themselves are pure (app.domain.plan_draft): draft_for() copies the current version
into a PlanDraft and commit_draft() saves it. ProgrammeError is the domain's, imported here so
callers may keep reaching it from the service.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import policy
from app.domain.localtime import local_today
from app.domain.plan_draft import (
    AFFECTED_SIDES,
    SETTING_FIELDS,
    DraftLine,
    PlanDraft,
)
from app.domain.plan_draft import (
    ProgrammeError as ProgrammeError,  # re-exported: callers catch it from the service
)
from app.domain.rule_settings import CLINIC_DEFAULTS, RuleSettings
from app.domain.test_task import problem_with_test_task
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
    TemplatePrescription,
    User,
)
from app.services import audit, outcomes

MAX_DAYS_AHEAD = 366  # a start date "more than a year away" is refused
MAX_DAYS_BACK = 30  # back-dating a little lets the physio record a plan already started


# ---------------------------------------------------------------------------
# Exercises a clinic may prescribe (the rule is policy.prescribable).
# ---------------------------------------------------------------------------


def search_exercises(clinic_id: int, query: str = "", limit: int = 30) -> list[Exercise]:
    """Return the prescribable exercises whose name or text matches the query, by name."""
    stmt = policy.prescribable(clinic_id)
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
    by_id = {e.id: e for e in db.session.scalars(policy.prescribable(clinic_id))}
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
        phases, problem = _template_phases(physio, patient, template)
        if problem:
            errors["template"] = problem
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
    programme.phases.extend(_programme_phases(phases))
    db.session.add(programme)
    db.session.flush()

    version = _first_version(physio, patient, programme, template, phases)
    db.session.add(version)
    db.session.flush()
    programme.current_version_id = version.id
    audit.record(physio, "programme.assign", "programme", programme.id, patient_id=patient.id)
    if template is not None:  # outcome questionnaires from the condition template (issue 15)
        outcomes.schedule_from_template(physio, patient, template.condition, start_date)
    db.session.flush()
    _plan_changed(patient.id)
    return programme


def _template_phases(
    physio: User, patient: Patient, template: ProgrammeTemplate
) -> tuple[list[TemplatePhase], str | None]:
    """Return the template's phases with their lines, and why it cannot be used (or None)."""
    if template.archived or template.clinic_id not in (None, physio.clinic_id):
        return [], "That template is not available to your clinic."
    phases = list(
        db.session.scalars(
            sa.select(TemplatePhase)
            .where(TemplatePhase.template_id == template.id)
            .options(selectinload(TemplatePhase.prescriptions))
            .order_by(TemplatePhase.position)
        )
    )
    wanted = {p.exercise_id for phase in phases for p in phase.prescriptions}
    if wanted - _usable_exercise_ids(patient.clinic_id, wanted):
        return phases, (
            "This template uses an exercise that is no longer available; "
            "edit the template or start from a blank plan."
        )
    return phases, None


def _programme_phases(phases: list[TemplatePhase]) -> list[ProgrammePhase]:
    """Return a new programme's phases: the template's, or one blank phase."""
    if not phases:
        return [ProgrammePhase(position=0, name="Phase 1", goal="", criteria="")]
    return [
        ProgrammePhase(
            position=index,
            name=phase.name,
            goal=phase.goal,
            typical_weeks=phase.typical_weeks,
            criteria=phase.criteria,
        )
        for index, phase in enumerate(phases)
    ]


def _first_version(
    physio: User,
    patient: Patient,
    programme: Programme,
    template: ProgrammeTemplate | None,
    phases: list[TemplatePhase],
) -> ProgrammeVersion:
    """Return version 1: every phase's lines from the template, default pain thresholds."""
    defaults = CLINIC_DEFAULTS
    version = ProgrammeVersion(
        programme_id=programme.id,
        number=1,
        effective_from=programme.start_date,
        created_by_id=physio.id,
        change_kind="created",
        summary=f"Started from template {template.name}" if template else "Blank plan",
        phase_position=0,
        affected_side=patient.affected_side if patient.affected_side in AFFECTED_SIDES else "both",
        **{name: getattr(defaults, name) for name in SETTING_FIELDS},
    )
    items = [(index, item) for index, phase in enumerate(phases) for item in phase.prescriptions]
    for line_id, (index, item) in enumerate(items, start=1):
        version.prescriptions.append(
            Prescription(
                line_id=line_id,
                phase_position=index,
                position=line_id - 1,
                exercise_id=item.exercise_id,
                **_line_dose_of(item),
            )
        )
    return version


def _line_dose_of(source: TemplatePrescription) -> dict[str, object]:
    """Return a template line's dose and note, as a new prescription's columns."""
    dose = source.dose
    if dose.days_of_week is not None:
        dose = replace(dose, times_per_week=None)  # chosen days win over a weekly count
    return {**dose.to_dict(), "note": source.note}


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
            policy.prescribable(clinic_id)
            .with_only_columns(Exercise.id)
            .where(Exercise.id.in_(ids))
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
            dose=p.dose,
            note=p.note,
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
        thresholds=settings_of(version),
        phase_names={phase.position: phase.name for phase in programme.phases},
        next_line_id=(max_line_id or 0) + 1,
    )


ARCHIVED_MESSAGE = "This programme is archived and can no longer be changed."
STALE_MESSAGE = (
    "The plan was changed by someone else since this page was opened. "
    "Please look at the current plan and try again."
)


def settings_of(version: ProgrammeVersion) -> RuleSettings:
    """Return a version's rule settings: the clinic's, with its thresholds and overrides."""
    return RuleSettings(**{name: getattr(version, name) for name in SETTING_FIELDS})


def draft_errors(draft: PlanDraft, clinic_id: int) -> dict[str, str]:
    """Return field -> message for everything wrong with a draft; empty when it can be saved."""
    return draft.errors(_usable_exercise_ids(clinic_id, draft.new_exercise_ids))


def commit_draft(
    actor: User,
    programme: Programme,
    draft: PlanDraft,
    reason: str = "",
    *,
    change_kind: str | None = None,
    now: datetime | None = None,
    rework_suggestions: bool = True,
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

    patient_timezone = db.session.scalar(
        sa.select(Patient.timezone).where(Patient.id == programme.patient_id)
    )
    assert patient_timezone is not None
    version = ProgrammeVersion(
        programme_id=programme.id,
        number=draft.base_number + 1,
        effective_from=max(local_today(patient_timezone, now), programme.start_date),
        created_by_id=actor.id,
        change_kind=change_kind or draft.change_kind(),
        summary=draft.summary(),
        reason=reason,
        phase_position=draft.phase_position,
        affected_side=draft.affected_side,
        **{name: getattr(draft.thresholds, name) for name in SETTING_FIELDS},
    )
    for position, line in enumerate(draft.lines):
        version.prescriptions.append(
            Prescription(
                line_id=line.line_id,
                phase_position=line.phase_position,
                position=position,
                exercise_id=line.exercise_id,
                note=line.note,
                **line.dose.to_dict(),
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
    if rework_suggestions:  # applying a suggestion reworks them itself, once it is decided
        _plan_changed(programme.patient_id)
    return version


def set_test_task(actor: User, programme: Programme, position: int, text: str) -> ProgrammePhase:
    """Choose the test task the patient rates weekly in one phase ("" clears it).

    Not a plan version (the exercises and doses stay as they are); audited, and the pending
    suggestions are worked out again, as "ready for the next phase" reads the task.
    """
    if programme.status != ProgrammeStatus.ACTIVE:
        raise ProgrammeError({"test_task": ARCHIVED_MESSAGE})
    phase = next((p for p in programme.phases if p.position == position), None)
    if phase is None:
        raise ProgrammeError({"test_task": "That phase is not part of this programme."})
    text = " ".join(text.split())
    if problem := problem_with_test_task(text):
        raise ProgrammeError({"test_task": problem})
    phase.test_task = text
    programme.has_test_tasks = any(p.test_task for p in programme.phases)
    audit.record(
        actor,
        "programme.test_task",
        "programme",
        programme.id,
        patient_id=programme.patient_id,
        phase=position,
    )
    db.session.flush()
    _plan_changed(programme.patient_id)
    return phase


def _plan_changed(patient_id: int) -> None:
    """Work the patient's pending suggestions out again against the new plan (same transaction).

    Imported here, not at the top: the suggestions service builds on this one.
    """
    from app.services import suggestions

    suggestions.rework_after_plan_change(patient_id)


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
