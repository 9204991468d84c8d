"""Condition templates: the library's (read-only, copyable) and the clinic's own (editable)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.domain.errors import Refused
from app.extensions import db
from app.models import Exercise, ProgrammeTemplate, TemplatePhase, TemplatePrescription
from app.policy import (
    can_edit,
    editable_or_403,
    find_prescribable,
    get_or_404,
    prescribable,
    staff_required,
    visible,
)
from app.programmes import bp
from app.programmes.forms import ChangeForm, DoseForm, PhaseForm, TemplateForm, TemplateLineForm
from app.programmes.routes import DOSE_FIELDS, line_view
from app.services import programme_templates as templates
from app.views import number_arg, submit

CHOOSE_EXERCISE = "Choose an exercise available to your clinic."


# A template's pages show its phases and lines: load them with it.
WITH_LINES = (
    selectinload(ProgrammeTemplate.phases)
    .selectinload(TemplatePhase.prescriptions)
    .joinedload(TemplatePrescription.exercise),
)


def _template_or_404(template_id: int) -> ProgrammeTemplate:
    return get_or_404(current_user, ProgrammeTemplate, template_id, *WITH_LINES)


def _editable_or_404(template_id: int) -> ProgrammeTemplate:
    return editable_or_403(current_user, ProgrammeTemplate, template_id, *WITH_LINES)


def _phase_or_404(template: ProgrammeTemplate, phase_id: int) -> TemplatePhase:
    phase = next((p for p in template.phases if p.id == phase_id), None)
    if phase is None:
        abort(404)
    return phase


def _item_or_404(template: ProgrammeTemplate, item_id: int) -> TemplatePrescription:
    item = next(
        (i for phase in template.phases for i in phase.prescriptions if i.id == item_id), None
    )
    if item is None:
        abort(404)
    return item


def _step() -> int:
    return -1 if request.form.get("direction") == "up" else 1


def _to_phase(template: ProgrammeTemplate, phase_id: int) -> ResponseReturnValue:
    return redirect(url_for("programmes.phase_edit", template_id=template.id, phase_id=phase_id))


def _to_template(template: ProgrammeTemplate) -> ResponseReturnValue:
    return redirect(url_for("programmes.template_detail", template_id=template.id))


@bp.get("/templates")
@staff_required
def templates_index() -> ResponseReturnValue:
    """The templates the clinic can start a programme from."""
    rows = db.session.scalars(
        visible(current_user, ProgrammeTemplate).order_by(
            ProgrammeTemplate.clinic_id.is_(None), ProgrammeTemplate.name
        )
    ).all()
    return render_template(
        "programmes/templates/index.html",
        clinic_templates=[t for t in rows if t.clinic_id is not None],
        library_templates=[t for t in rows if t.clinic_id is None],
    )


@bp.route("/templates/new", methods=["GET", "POST"])
@staff_required
def template_new() -> ResponseReturnValue:
    """Start a clinic template; phases are added next."""
    form = TemplateForm()
    return submit(
        form,
        lambda: templates.create_template(
            current_user, form.name.data, form.condition.data, form.description.data or ""
        ),
        done="Template created. Now add its first phase.",
        then=lambda template: redirect(url_for("programmes.phase_new", template_id=template.id)),
        page=lambda general: render_template(
            "programmes/templates/form.html", form=form, template=None, general=general
        ),
    )


@bp.get("/templates/<int:template_id>")
@staff_required
def template_detail(template_id: int) -> ResponseReturnValue:
    """A template's phases, criteria and exercises."""
    template = _template_or_404(template_id)
    return render_template(
        "programmes/templates/detail.html",
        template=template,
        editable=can_edit(current_user, template),
        lines={
            item.id: line_view(item) for phase in template.phases for item in phase.prescriptions
        },
        form=ChangeForm(),
    )


@bp.post("/templates/<int:template_id>/copy")
@staff_required
def template_copy(template_id: int) -> ResponseReturnValue:
    """Make an editable clinic copy."""
    template = _template_or_404(template_id)
    return submit(
        ChangeForm(),
        lambda: templates.copy_template(current_user, template),
        done="Copied: this is your clinic's own version, which you can edit.",
        then=_to_template,
    )


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@staff_required
def template_edit(template_id: int) -> ResponseReturnValue:
    """Change a clinic template's name, condition and description."""
    template = _editable_or_404(template_id)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.condition.data = template.condition or ""
    return submit(
        form,
        lambda: templates.update_template(
            current_user,
            template,
            form.name.data,
            form.condition.data,
            form.description.data or "",
        ),  # fmt: skip
        done="Template saved.",
        then=lambda _: _to_template(template),
        page=lambda general: render_template(
            "programmes/templates/form.html", form=form, template=template, general=general
        ),
    )


def _exercise_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        prescribable(current_user.clinic_id)
        .with_only_columns(Exercise.id, Exercise.name, Exercise.clinic_id)
        .order_by(Exercise.name)
    ).all()
    return [(row.id, row.name + (" (clinic)" if row.clinic_id else "")) for row in rows]


@bp.route("/templates/<int:template_id>/phases/new", methods=["GET", "POST"])
@staff_required
def phase_new(template_id: int) -> ResponseReturnValue:
    """Add a phase at the end of a clinic template."""
    return _phase_form(_editable_or_404(template_id), None)


@bp.route("/templates/<int:template_id>/phases/<int:phase_id>", methods=["GET", "POST"])
@staff_required
def phase_edit(template_id: int, phase_id: int) -> ResponseReturnValue:
    """Edit a phase and its exercises."""
    template = _editable_or_404(template_id)
    return _phase_form(template, _phase_or_404(template, phase_id))


def _phase_form(template: ProgrammeTemplate, phase: TemplatePhase | None) -> ResponseReturnValue:
    form = PhaseForm(obj=phase if request.method == "GET" else None)
    return submit(
        form,
        lambda: templates.save_phase(
            current_user,
            template,
            phase,
            name=form.name.data,
            goal=form.goal.data or "",
            typical_weeks=form.typical_weeks.data,
            criteria=form.criteria.data or "",
        ),  # fmt: skip
        done="Phase saved. Add its exercises below.",
        then=lambda saved: redirect(
            url_for("programmes.phase_edit", template_id=template.id, phase_id=saved.id)
        ),
        page=lambda general: _phase_page(template, phase, form, general),
    )


def _phase_page(
    template: ProgrammeTemplate, phase: TemplatePhase | None, form: PhaseForm, general: list[str]
) -> str:
    return render_template(
        "programmes/templates/phase.html",
        template=template,
        phase=phase,
        form=form,
        exercise_choices=_exercise_choices() if phase else [],
        lines={item.id: line_view(item) for item in phase.prescriptions} if phase else {},
        change_form=ChangeForm(),
        general=general,
    )


@bp.get("/templates/<int:template_id>/phases/<int:phase_id>/lines/new")
@staff_required
def phase_new_line(template_id: int, phase_id: int) -> ResponseReturnValue:
    """Set the dose of the exercise chosen on the phase page, starting from its library default."""
    template = _editable_or_404(template_id)
    phase = _phase_or_404(template, phase_id)
    try:
        exercise_id = number_arg("exercise_id")
    except Refused:  # unreadable: the same answer as an unknown exercise
        exercise_id = None
    exercise = find_prescribable(current_user.clinic_id, exercise_id)
    if exercise is None:
        flash(CHOOSE_EXERCISE, "error")
        return _to_phase(template, phase.id)
    line_form = TemplateLineForm(formdata=None)
    line_form.fill(exercise)
    line_form.exercise_id.data = exercise.id
    return _line_page(template, phase, exercise, line_form, [])


def _line_page(
    template: ProgrammeTemplate,
    phase: TemplatePhase,
    exercise: Exercise,
    line_form: TemplateLineForm,
    general: list[str],
) -> str:
    return render_template(
        "programmes/templates/add_line.html",
        template=template,
        phase=phase,
        exercise=exercise,
        form=line_form,
        general=general,
    )


@bp.post("/templates/<int:template_id>/phases/<int:phase_id>/lines")
@staff_required
def phase_add_line(template_id: int, phase_id: int) -> ResponseReturnValue:
    """Add an exercise with its dose to a template phase."""
    template = _editable_or_404(template_id)
    phase = _phase_or_404(template, phase_id)
    line_form = TemplateLineForm()
    exercise = find_prescribable(current_user.clinic_id, line_form.exercise_id.data)
    if exercise is None:
        form = PhaseForm(obj=phase, formdata=None)
        return _phase_page(template, phase, form, [CHOOSE_EXERCISE]), 422
    return submit(
        line_form,
        lambda: templates.add_line(
            current_user, template, phase, line_form.exercise_id.data, **line_form.dose()
        ),
        done="Exercise added to the phase.",
        then=lambda _: _to_phase(template, phase.id),
        page=lambda general: _line_page(template, phase, exercise, line_form, general),
        fields=DOSE_FIELDS,
    )


@bp.route("/templates/<int:template_id>/lines/<int:item_id>/dose", methods=["GET", "POST"])
@staff_required
def template_line_dose(template_id: int, item_id: int) -> ResponseReturnValue:
    """Change the dose of an exercise in a template phase."""
    template = _editable_or_404(template_id)
    item = _item_or_404(template, item_id)
    form = DoseForm()
    if request.method == "GET":
        form.fill(item)
    return submit(
        form,
        lambda: templates.set_line_dose(current_user, template, item, **form.dose()),
        done=f"Dose of {item.exercise.name} saved.",
        then=lambda _: _to_phase(template, item.phase_id),
        page=lambda general: render_template(
            "programmes/templates/line_dose.html",
            template=template,
            item=item,
            form=form,
            general=general,
        ),
        fields=DOSE_FIELDS,
    )


@bp.post("/templates/<int:template_id>/lines/<int:item_id>/move")
@staff_required
def template_move_line(template_id: int, item_id: int) -> ResponseReturnValue:
    """Move an exercise up or down within its template phase."""
    template = _editable_or_404(template_id)
    item = _item_or_404(template, item_id)
    return submit(
        ChangeForm(),
        lambda: templates.move_line(current_user, template, item, _step()),
        done=None,
        then=lambda _: _to_phase(template, item.phase_id),
    )


@bp.post("/templates/<int:template_id>/phases/<int:phase_id>/move")
@staff_required
def phase_move(template_id: int, phase_id: int) -> ResponseReturnValue:
    """Move a phase earlier or later in the template."""
    template = _editable_or_404(template_id)
    phase = _phase_or_404(template, phase_id)
    return submit(
        ChangeForm(),
        lambda: templates.move_phase(current_user, template, phase, _step()),
        done=None,
        then=lambda _: _to_template(template),
    )


@bp.post("/templates/<int:template_id>/lines/<int:item_id>/remove")
@staff_required
def template_remove_line(template_id: int, item_id: int) -> ResponseReturnValue:
    """Take an exercise out of a template phase."""
    template = _editable_or_404(template_id)
    item = _item_or_404(template, item_id)
    phase_id = item.phase_id
    return submit(
        ChangeForm(),
        lambda: templates.remove_line(current_user, template, item),
        done="Exercise removed from the phase.",
        then=lambda _: _to_phase(template, phase_id),
    )


@bp.route("/templates/<int:template_id>/phases/<int:phase_id>/remove", methods=["GET", "POST"])
@staff_required
def phase_remove(template_id: int, phase_id: int) -> ResponseReturnValue:
    """Ask, then delete a phase of a clinic template with its exercises."""
    template = _editable_or_404(template_id)
    phase = _phase_or_404(template, phase_id)
    form = ChangeForm()
    if request.method == "GET":
        return render_template(
            "programmes/templates/phase_remove.html", template=template, phase=phase, form=form
        )
    return submit(
        form,
        lambda: templates.remove_phase(current_user, template, phase),
        done=f"Phase {phase.name} removed.",
        then=lambda _: _to_template(template),
    )
