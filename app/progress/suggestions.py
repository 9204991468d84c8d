"""The physio's decisions: apply, edit then apply, or dismiss a suggestion; mark a flag seen."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from app.domain import suggestions as rules
from app.domain.errors import Refused
from app.domain.plan_draft import phase_label
from app.extensions import db
from app.models import Flag, Patient, ProgrammePhase, ProgrammeVersion, Suggestion
from app.policy import get_or_404, staff_required
from app.progress import bp
from app.progress.forms import DismissForm, DoseForm
from app.services import suggestions as service
from app.views import submit

KIND_LABELS = {
    "progress": "Progress",
    "hold": "Hold",
    "regress": "Regress",
    "review": "Review",
}
NUMBER_LABELS = {
    "adherence": "Adherence",
    "max_during": "Highest pain during",
    "max_morning_rise": "Largest next-morning rise",
    "days": "Days",
    "max_pain": "Highest pain",
    "limit": "Limit",
    "days_above": "Days above the limit",
    "rise_first": "First morning rise",
    "rise_second": "Second morning rise",
    "days_running": "Days running",
    "green_max_during": "Green limit",
    "done_units": "Ticks done",
    "due_units": "Ticks due",
    "recent_mean": "Recent average pain",
    "earlier_mean": "Average two weeks earlier",
    "change": "Change in points",
    "change_percent": "Change in percent",
    "mcid": "Change that matters",
    "mornings_known": "Mornings compared with usual",
    "sessions": "Sessions",
    "during": "Pain during",
    "exercise_pain": "Exercise pain",
    "morning_rise": "Next-morning rise",
    "pain_limit": "Pain limit for the level",
    "weeks_in_phase": "Weeks in this phase",
    "typical_weeks": "Typical weeks for the phase",
    "test_task_pain": "Pain on the test task",
    "stage_gate_pain": "Test task pain must be below",
}
PERCENT_NUMBERS = {"change_percent"}  # already a percentage: shown with %


def physio_panel(patient: Patient) -> dict[str, object]:
    """Return the open flags and pending suggestions shown on the patient's page."""
    flags = db.session.scalars(
        sa.select(Flag)
        .where(Flag.patient_id == patient.id, Flag.resolved_at.is_(None))
        .order_by(Flag.local_date.desc())
    ).all()
    pending = db.session.scalars(
        sa.select(Suggestion)
        .where(Suggestion.patient_id == patient.id, Suggestion.status == service.PENDING)
        .order_by(Suggestion.created_at, Suggestion.id)
    ).all()
    phases = _phases_of([s.id for s in pending if s.rule == rules.PROGRESS_PHASE_READY])
    return {"flags": flags, "suggestions": [_view(s, phases.get(s.id)) for s in pending]}


def _phases_of(suggestion_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return suggestion id -> (phase name, its move-on criteria), for "next phase" advice.

    One statement, and none when no such advice is pending.
    """
    if not suggestion_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Suggestion.id, ProgrammePhase.position, ProgrammePhase.name, ProgrammePhase.criteria
        )
        .join(ProgrammeVersion, ProgrammeVersion.id == Suggestion.version_id)
        .join(
            ProgrammePhase,
            sa.and_(
                ProgrammePhase.programme_id == ProgrammeVersion.programme_id,
                ProgrammePhase.position == ProgrammeVersion.phase_position,
            ),
        )
        .where(Suggestion.id.in_(suggestion_ids))
    ).all()
    return {row.id: (phase_label(row.position, row.name), row.criteria) for row in rows}


def _view(suggestion: Suggestion, phase: tuple[str, str] | None = None) -> dict[str, object]:
    numbers = [
        (NUMBER_LABELS.get(name, name.replace("_", " ").capitalize()), _number(name, value))
        for name, value in (suggestion.numbers or {}).items()
        if value is not None
    ]
    proposal = service.stored_proposal(suggestion)
    return {
        "row": suggestion,
        "kind": KIND_LABELS.get(suggestion.kind, suggestion.kind),
        "rule": suggestion.rule.replace("_", " "),
        "numbers": numbers,
        "proposal": proposal_words(proposal),
        "editable": proposal is not None and proposal.action == rules.Action.DOSE,
        # "Ready for the next phase": the phase and what the physio checks before moving on.
        "phase": phase[0] if phase else None,
        "criteria": phase[1] if phase else None,
    }


def proposal_words(proposal: rules.Proposal | None) -> str | None:
    """Return the change in words: "Swap to Side plank" or "New dose: 3 sets of 12 with 20 kg"."""
    if proposal is None:
        return None
    if proposal.action == rules.Action.SWAP:
        return f"Swap to {proposal.to_exercise_name}"
    assert proposal.dose is not None
    return f"New dose: {proposal.dose.amount_words()}"


def _number(name: str, value: object) -> str:
    if name == "adherence" and isinstance(value, int | float):
        return f"{round(value * 100)}%"
    if name in PERCENT_NUMBERS:
        return f"{value:g}%" if isinstance(value, float) else f"{value}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _suggestion(patient_id: int, suggestion_id: int) -> tuple[Patient, Suggestion]:
    patient = get_or_404(current_user, Patient, patient_id)
    suggestion = db.session.scalar(
        sa.select(Suggestion).where(
            Suggestion.id == suggestion_id, Suggestion.patient_id == patient.id
        )
    )
    if suggestion is None:
        abort(404)
    return patient, suggestion


def _back(patient: Patient) -> ResponseReturnValue:
    return redirect(url_for("patients.detail", patient_id=patient.id, _anchor="suggestions"))


def _conflict(patient: Patient, message: str) -> ResponseReturnValue:
    """Answer 409 with a page saying nothing was changed, and why."""
    return render_template("progress/conflict.html", patient=patient, message=message), 409


def _stale(patient: Patient) -> Callable[[Refused], ResponseReturnValue | None]:
    """Answer a stale suggestion (decided already, or the plan moved on) with the 409 page."""

    def answer(refusal: Refused) -> ResponseReturnValue | None:
        if isinstance(refusal, service.StaleSuggestion):
            return _conflict(patient, str(refusal))
        return None

    return answer


@bp.post("/patients/<int:patient_id>/suggestions/<int:suggestion_id>/apply")
@staff_required
def apply(patient_id: int, suggestion_id: int) -> ResponseReturnValue:
    """Apply a suggestion as proposed (one click), or mark a review as seen."""
    patient, suggestion = _suggestion(patient_id, suggestion_id)
    return submit(
        FlaskForm(),
        lambda: service.apply_suggestion(current_user, suggestion),
        done=lambda version: (
            "Suggestion applied: the plan has a new version."
            if version
            else "Suggestion marked as reviewed."
        ),
        then=lambda _: _back(patient),
        # A one-click decision has no page to show a refusal on: every refusal is a conflict.
        refused=lambda refusal: _conflict(patient, str(refusal)),
    )


@bp.route(
    "/patients/<int:patient_id>/suggestions/<int:suggestion_id>/edit", methods=["GET", "POST"]
)
@staff_required
def edit(patient_id: int, suggestion_id: int) -> ResponseReturnValue:
    """Show the proposed dose pre-filled; apply it with the physio's changes."""
    patient, suggestion = _suggestion(patient_id, suggestion_id)
    view = _view(suggestion)
    if suggestion.status != service.PENDING:
        return _conflict(patient, service.decided_message(suggestion))
    proposal = service.stored_proposal(suggestion)
    if proposal is None or proposal.dose is None:  # not "editable": a swap, or a review
        return _conflict(patient, "Only a dose change can be edited before applying.")
    form = DoseForm(data=proposal.dose.strength())

    def page(general: list[str]) -> str:
        return render_template(
            "progress/edit_suggestion.html",
            patient=patient,
            suggestion=view,
            form=form,
            problem=" ".join(general) or None,
        )

    return submit(
        form,
        lambda: service.apply_suggestion(current_user, suggestion, form.dose()),
        done="Suggestion applied with your changes: the plan has a new version.",
        then=lambda _: _back(patient),
        page=page,
        refused=_stale(patient),
    )


@bp.post("/patients/<int:patient_id>/suggestions/<int:suggestion_id>/dismiss")
@staff_required
def dismiss(patient_id: int, suggestion_id: int) -> ResponseReturnValue:
    """Dismiss a suggestion with a note saying why."""
    patient, suggestion = _suggestion(patient_id, suggestion_id)
    if suggestion.status != service.PENDING:
        return _conflict(patient, service.decided_message(suggestion))
    form = DismissForm()

    def page(general: list[str]) -> str:
        message = " ".join(form.note.errors + general) or "Please say why you are dismissing it."
        return render_template(
            "progress/dismiss.html",
            patient=patient,
            suggestion=_view(suggestion),
            form=form,
            message=message,
        )

    return submit(
        form,
        lambda: service.dismiss_suggestion(current_user, suggestion, form.note.data or ""),
        done="Suggestion dismissed.",
        then=lambda _: _back(patient),
        page=page,
        refused=_stale(patient),
    )


@bp.post("/patients/<int:patient_id>/flags/<int:flag_id>/seen")
@staff_required
def flag_seen(patient_id: int, flag_id: int) -> ResponseReturnValue:
    """Mark a flag as seen: it leaves the top of the page and the dashboard's red group."""
    patient = get_or_404(current_user, Patient, patient_id)
    flag = db.session.scalar(
        sa.select(Flag).where(Flag.id == flag_id, Flag.patient_id == patient.id)
    )
    if flag is None:
        abort(404)
    return submit(
        FlaskForm(),
        lambda: service.resolve_flag(current_user, flag),
        done="Flag marked as seen.",
        then=lambda _: _back(patient),
    )


@bp.post("/patients/<int:patient_id>/flags/seen")
@staff_required
def flags_seen(patient_id: int) -> ResponseReturnValue:
    """Mark every open flag of the patient as seen, after reading them on the page."""
    patient = get_or_404(current_user, Patient, patient_id)
    flags = db.session.scalars(
        sa.select(Flag).where(Flag.patient_id == patient.id, Flag.resolved_at.is_(None))
    ).all()

    def resolve_all() -> int:
        for flag in flags:
            service.resolve_flag(current_user, flag)
        return len(flags)

    return submit(
        FlaskForm(),
        resolve_all,
        done=lambda count: f"{count} flag{'s' if count != 1 else ''} marked as seen.",
        then=lambda _: _back(patient),
    )
