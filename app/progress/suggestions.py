"""The physio's decisions: apply, edit then apply, or dismiss a suggestion; mark a flag seen."""

from collections.abc import Callable, Mapping

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain import suggestions as rules
from app.domain.errors import Refused
from app.domain.plan_draft import phase_label
from app.domain.rule_settings import SETTING_WORDS, settings_words
from app.extensions import db
from app.forms import Form
from app.models import Flag, Patient, ProgrammePhase, ProgrammeVersion, Suggestion
from app.policy import get_or_404, staff_required
from app.progress import bp
from app.progress.forms import DismissForm, DoseForm
from app.services import suggestions as service
from app.views import number_arg, submit

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
    "max_pain": "Highest pain",
    "days_above": "Days above the limit",
    "rise_first": "First morning rise",
    "rise_second": "Second morning rise",
    "done_units": "Ticks done",
    "due_units": "Ticks due",
    "recent_mean": "Recent average pain",
    "earlier_mean": "Average two weeks earlier",
    "change": "Change in points",
    "change_percent": "Change in percent",
    "mornings_known": "Mornings compared with usual",
    "sessions": "Sessions",
    "during": "Pain during",
    "exercise_pain": "Exercise pain",
    "morning_rise": "Next-morning rise",
    "weeks_in_phase": "Weeks in this phase",
    "typical_weeks": "Typical weeks for the phase",
    "test_task_pain": "Pain on the test task",
    "lines": "Exercises",
    "days_not_settled": "Days not settled within 24 hours",
    "hours": "Hours the pain had to settle in",
    "target_reps": "Rep target",
    "min_last_set_reps": "Fewest reps in a last set",
    "line_adherence": "Adherence of this exercise",
    "walk_minutes": "Brisk walking (minutes)",
    "readiness_tests": "Readiness tests in the plan",
    "max_readiness_pain": "Highest readiness test pain",
}
# A number named after a rule setting is shown as a setting used, in the physio's words.
SETTING_NAMES = frozenset(SETTING_WORDS)
PERCENT_NUMBERS = {"change_percent"}  # already a percentage: shown with %


def physio_panel(patient: Patient) -> dict[str, object]:
    """Return the open flare and the pending decisions shown on the patient's page."""
    pending = db.session.scalars(
        sa.select(Suggestion)
        .where(Suggestion.patient_id == patient.id, Suggestion.status == service.PENDING)
        .order_by(Suggestion.created_at, Suggestion.id)
    ).all()
    phases = _phases_of([s.id for s in pending if s.rule == rules.PROGRESS_PHASE_READY])
    return {
        "flare": service.open_flare(patient.id),
        "suggestions": [_view(s, phases.get(s.id)) for s in pending],
    }


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


def _view(
    suggestion: Suggestion,
    phase: tuple[str, str] | None = None,
    forms: Mapping[int, DoseForm] | None = None,
) -> dict[str, object]:
    numbers = [
        (NUMBER_LABELS.get(name, name.replace("_", " ").capitalize()), _number(name, value))
        for name, value in (suggestion.numbers or {}).items()
        if value is not None and name not in SETTING_NAMES
    ]
    used = {n: v for n, v in (suggestion.numbers or {}).items() if n in SETTING_NAMES}
    lines = [
        _line_view(suggestion.id, change, (forms or {}).get(change.line_id))
        for change in service.stored_changes(suggestion)
    ]
    changing = [line for line in lines if line["proposal"]]
    return {
        "row": suggestion,
        "kind": KIND_LABELS.get(suggestion.kind, suggestion.kind),
        "rule": suggestion.rule.replace("_", " "),
        "numbers": numbers,
        "settings": settings_words(used),
        "lines": lines,
        "title": _title(suggestion, changing),
        "applies": bool(changing),  # something to apply (else "Mark as reviewed")
        # "Ready for the next phase": the phase and what the physio checks before moving on.
        "phase": phase[0] if phase else None,
        "criteria": phase[1] if phase else None,
    }


def dose_prefix(suggestion_id: int, line_id: int) -> str:
    """Return the field prefix of a line's dose inputs: unique on a page of several decisions."""
    return f"s{suggestion_id}-line-{line_id}"


def _line_view(
    suggestion_id: int, change: rules.LineChange, form: DoseForm | None
) -> dict[str, object]:
    proposal = change.proposal
    editable = proposal is not None and proposal.action == rules.Action.DOSE
    if editable and form is None:
        assert proposal is not None and proposal.dose is not None
        form = DoseForm(
            prefix=dose_prefix(suggestion_id, change.line_id),
            data=proposal.dose.strength(),
            meta={"csrf": False},
        )
    return {
        "change": change,
        "proposal": proposal_words(proposal),
        "editable": editable,
        "form": form if editable else None,
    }


def _title(suggestion: Suggestion, changing: list[dict[str, object]]) -> str:
    """Return the decision's heading: the one change, or how many exercises it covers."""
    if len(changing) == 1:
        return f"{changing[0]['change'].exercise_name}: {changing[0]['proposal']}"  # type: ignore[attr-defined]
    if changing:
        return f"{len(changing)} exercises to change"
    return "Please review"


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
    """Answer 409: nothing was changed, why, and the decisions as they stand now."""
    return (
        render_template(
            "progress/conflict.html", patient=patient, message=message, panel=physio_panel(patient)
        ),
        409,
    )


def _stale(patient: Patient) -> Callable[[Refused], ResponseReturnValue | None]:
    """Answer a decision made already (stale, or done by someone else) with the 409 page."""

    def answer(refusal: Refused) -> ResponseReturnValue | None:
        if isinstance(refusal, service.StaleSuggestion | service.AlreadyDone):
            return _conflict(patient, str(refusal))
        return None

    return answer


def _choices(
    suggestion: Suggestion,
) -> tuple[service.Choices | None, dict[int, DoseForm], list[str]]:
    """Read the ticked lines and their doses from the posted form.

    Returns (choices, the dose forms by line, problems). choices is None for a one-click
    apply (a form without the lines), which applies every line as proposed.
    """
    if "lines_shown" not in request.form:
        return None, {}, []
    ticked = set(request.form.getlist("line"))
    choices: dict[int, Mapping[str, object] | None] = {}
    forms: dict[int, DoseForm] = {}
    problems: list[str] = []
    for change in service.stored_changes(suggestion):
        proposal = change.proposal
        if proposal is None:
            continue
        form = None
        if proposal.action == rules.Action.DOSE:
            form = forms[change.line_id] = DoseForm(
                prefix=dose_prefix(suggestion.id, change.line_id), meta={"csrf": False}
            )
        if str(change.line_id) not in ticked:
            continue
        if form is None:
            choices[change.line_id] = None
        elif not form.validate():
            messages = [m for errors in form.errors.values() for m in errors]
            problems.append(f"{change.exercise_name}: {' '.join(messages)}")
        else:
            dose = form.dose()
            as_proposed = {k: v for k, v in dose.items() if v is not None} == (
                proposal.dose.strength() if proposal.dose else {}
            )
            choices[change.line_id] = None if as_proposed else dose
    return choices, forms, problems


def _decision_page(
    patient: Patient, suggestion: Suggestion, forms: Mapping[int, DoseForm], problem: str | None
) -> str:
    return render_template(
        "progress/edit_suggestion.html",
        patient=patient,
        s=_view(suggestion, forms=forms),
        problem=problem,
    )


def _apply(patient: Patient, suggestion: Suggestion) -> ResponseReturnValue:
    """Apply the posted decision: the ticked lines with their doses, as one new version."""
    choices, forms, problems = _choices(suggestion)

    def change() -> ProgrammeVersion | None:
        if problems:
            raise service.SuggestionError(" ".join(problems))
        return service.apply_suggestion(current_user, suggestion, choices)

    def refused(refusal: Refused) -> ResponseReturnValue:
        if (answer := _stale(patient)(refusal)) is not None:
            return answer
        message = " ".join(refusal.errors.values())
        return _decision_page(patient, suggestion, forms, message), 422

    return submit(
        Form(),
        change,
        done=lambda version: (
            "Suggestion applied: the plan has a new version."
            if version
            else "Suggestion marked as reviewed."
        ),
        then=lambda _: _back(patient),
        refused=refused,
    )


@bp.post("/patients/<int:patient_id>/suggestions/<int:suggestion_id>/apply")
@staff_required
def apply(patient_id: int, suggestion_id: int) -> ResponseReturnValue:
    """Apply a decision: every line as proposed, or the lines ticked with their doses."""
    patient, suggestion = _suggestion(patient_id, suggestion_id)
    return _apply(patient, suggestion)


@bp.route(
    "/patients/<int:patient_id>/suggestions/<int:suggestion_id>/edit", methods=["GET", "POST"]
)
@staff_required
def edit(patient_id: int, suggestion_id: int) -> ResponseReturnValue:
    """Show the decision's lines, doses pre-filled, on a page of its own; apply the choices."""
    patient, suggestion = _suggestion(patient_id, suggestion_id)
    if suggestion.status != service.PENDING:
        return _conflict(patient, service.decided_message(suggestion))
    if not any(c.proposal for c in service.stored_changes(suggestion)):
        return _conflict(patient, "This suggestion has no change to edit.")
    if request.method == "POST":
        return _apply(patient, suggestion)
    return _decision_page(patient, suggestion, {}, None)


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
    """Mark one red day as seen (the page acknowledges the whole flare instead)."""
    patient = get_or_404(current_user, Patient, patient_id)
    flag = db.session.scalar(
        sa.select(Flag).where(Flag.id == flag_id, Flag.patient_id == patient.id)
    )
    if flag is None:
        abort(404)
    return submit(
        Form(),
        lambda: service.resolve_flag(current_user, flag),
        done="Red day marked as seen.",
        then=lambda _: _back(patient),
        refused=_stale(patient),
    )


@bp.post("/patients/<int:patient_id>/flags/seen")
@staff_required
def flags_seen(patient_id: int) -> ResponseReturnValue:
    """Acknowledge the open flare once: the red days the page showed (up to `through`)."""
    patient = get_or_404(current_user, Patient, patient_id)
    # The last red day's id the page showed: an id, so within an integer column's range.
    through = number_arg("through", form=True)
    return submit(
        Form(),
        lambda: service.acknowledge_flare(current_user, patient.id, through),
        done=lambda count: f"Flare acknowledged ({count} red day{'s' if count != 1 else ''}).",
        then=lambda _: _back(patient),
        refused=_stale(patient),
    )
