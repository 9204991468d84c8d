"""Clinic-made condition templates: create, edit phase by phase, copy from the library."""

import re
import secrets
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from app.domain.library_files import CONDITIONS, TYPICAL_WEEKS_RANGE
from app.domain.plan_draft import DEFAULT_LINE_DOSE, DraftLine, ProgrammeError
from app.extensions import db
from app.models import Exercise, ProgrammeTemplate, TemplatePhase, TemplatePrescription, User
from app.policy import can_edit, find_prescribable
from app.services import audit


def _check_editable(user: User, template: ProgrammeTemplate) -> None:
    if not can_edit(user, template):
        raise ProgrammeError(
            {"template": "Library templates are read-only: make a copy to change it."}
        )


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "template"
    return f"{base}-{secrets.token_hex(4)}"


def _template_errors(name: str, condition: str | None) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "Enter a name."
    if condition and condition not in CONDITIONS:
        errors["condition"] = "Choose a condition from the list."
    return errors


def create_template(
    actor: User, name: str, condition: str | None, description: str = ""
) -> ProgrammeTemplate:
    """Start a clinic template (no phases yet); the caller commits."""
    if errors := _template_errors(name, condition):
        raise ProgrammeError(errors)
    template = ProgrammeTemplate(
        slug=_slug(name),
        clinic_id=actor.clinic_id,
        created_by_id=actor.id,
        name=name.strip(),
        condition=condition or None,
        description=description.strip(),
    )
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "template.create", "template", template.id)
    return template


def update_template(
    actor: User, template: ProgrammeTemplate, name: str, condition: str | None, description: str
) -> None:
    """Change a clinic template's name, condition and description."""
    _check_editable(actor, template)
    if errors := _template_errors(name, condition):
        raise ProgrammeError(errors)
    template.name, template.condition = name.strip(), condition or None
    template.description = description.strip()
    audit.record(actor, "template.update", "template", template.id)


def _phase_errors(name: str, typical_weeks: int | None) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "Enter a name."
    low, high = TYPICAL_WEEKS_RANGE
    if typical_weeks is None or not low <= typical_weeks <= high:
        errors["typical_weeks"] = f"Typical weeks must be between {low} and {high}."
    return errors


def save_phase(
    actor: User,
    template: ProgrammeTemplate,
    phase: TemplatePhase | None,
    *,
    name: str,
    goal: str,
    typical_weeks: int | None,
    criteria: str,
) -> TemplatePhase:
    """Add a phase at the end (phase None) or change one."""
    _check_editable(actor, template)
    if errors := _phase_errors(name, typical_weeks):
        raise ProgrammeError(errors)
    if phase is None:
        phase = TemplatePhase(position=len(template.phases))
        template.phases.append(phase)
    phase.name, phase.goal, phase.criteria = name.strip(), goal.strip(), criteria.strip()
    phase.typical_weeks = typical_weeks  # type: ignore[assignment]
    db.session.flush()
    audit.record(actor, "template.update", "template", template.id)
    return phase


def remove_phase(actor: User, template: ProgrammeTemplate, phase: TemplatePhase) -> None:
    """Delete a phase and its lines; later phases move up."""
    _check_editable(actor, template)
    template.phases.remove(phase)
    for position, other in enumerate(template.phases):
        other.position = position
    audit.record(actor, "template.update", "template", template.id)


def _checked_dose(exercise: Exercise, dose: dict[str, Any]) -> dict[str, Any]:
    """Return the full line dose, or raise ProgrammeError: the same rules as a programme line."""
    values = dict(dose)
    note = values.pop("note", "")
    line = DraftLine(
        line_id=0,
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        phase_position=0,
        dose=replace(DEFAULT_LINE_DOSE, **values),
        note=note,
    )
    if errors := line.errors():
        raise ProgrammeError(errors)
    return {**line.dose.to_dict(), "note": line.note}


def add_line(
    actor: User,
    template: ProgrammeTemplate,
    phase: TemplatePhase,
    exercise_id: int | None,
    **dose: Any,
) -> TemplatePrescription:
    """Add an exercise with its dose to a phase; the exercise must be visible to the clinic."""
    _check_editable(actor, template)
    exercise = find_prescribable(actor.clinic_id, exercise_id)
    if exercise is None:
        raise ProgrammeError({"exercise_id": "Choose an exercise available to your clinic."})
    item = TemplatePrescription(
        position=len(phase.prescriptions),
        exercise_id=exercise.id,
        **_checked_dose(exercise, dose),
    )
    phase.prescriptions.append(item)
    db.session.flush()
    audit.record(actor, "template.update", "template", template.id)
    return item


def set_line_dose(
    actor: User, template: ProgrammeTemplate, item: TemplatePrescription, **dose: Any
) -> None:
    """Change a template line's dose; nothing changes when it is out of range."""
    _check_editable(actor, template)
    for name, value in _checked_dose(item.exercise, dose).items():
        setattr(item, name, value)
    audit.record(actor, "template.update", "template", template.id)


def _moved(items: list[Any], item: Any, step: int) -> bool:
    """Move item by step places in items (clamped) and renumber positions; False if it stayed."""
    ordered = list(items)
    old = ordered.index(item)
    new = max(0, min(old + step, len(ordered) - 1))
    if new == old:
        return False
    ordered.insert(new, ordered.pop(old))
    for position, other in enumerate(ordered):
        other.position = position
    return True


def move_line(
    actor: User, template: ProgrammeTemplate, item: TemplatePrescription, step: int
) -> None:
    """Move a line up (step -1) or down (step 1) within its phase."""
    _check_editable(actor, template)
    if _moved(item.phase.prescriptions, item, step):
        audit.record(actor, "template.update", "template", template.id)


def move_phase(actor: User, template: ProgrammeTemplate, phase: TemplatePhase, step: int) -> None:
    """Move a phase earlier (step -1) or later (step 1) in the template."""
    _check_editable(actor, template)
    if _moved(template.phases, phase, step):
        audit.record(actor, "template.update", "template", template.id)


def remove_line(actor: User, template: ProgrammeTemplate, item: TemplatePrescription) -> None:
    """Take an exercise out of a template phase."""
    _check_editable(actor, template)
    phase = item.phase
    phase.prescriptions.remove(item)
    for position, other in enumerate(phase.prescriptions):
        other.position = position
    audit.record(actor, "template.update", "template", template.id)


def copy_template(actor: User, template: ProgrammeTemplate) -> ProgrammeTemplate:
    """Make an editable clinic copy of a template (library or the clinic's own)."""
    copy = ProgrammeTemplate(
        slug=_slug(template.name),
        clinic_id=actor.clinic_id,
        created_by_id=actor.id,
        name=f"{template.name} (copy)"[:120],
        condition=template.condition,
        description=template.description,
    )
    for phase in template.phases:
        new_phase = TemplatePhase(
            position=phase.position,
            name=phase.name,
            goal=phase.goal,
            typical_weeks=phase.typical_weeks,
            criteria=phase.criteria,
        )
        for item in phase.prescriptions:
            new_phase.prescriptions.append(
                TemplatePrescription(
                    **{
                        column.key: getattr(item, column.key)
                        for column in sa.inspect(TemplatePrescription).column_attrs
                        if column.key not in ("id", "phase_id")
                    }
                )
            )
        copy.phases.append(new_phase)
    db.session.add(copy)
    db.session.flush()
    audit.record(actor, "template.copy", "template", copy.id, source=template.id)
    return copy
