"""Staff pages for a patient's programme, and the patient's own read-only plan and handout."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain.errors import Refused
from app.domain.guidance import pain_guidance
from app.domain.inputs import whole_number
from app.domain.library_files import WalkRunMarked, is_walk_run
from app.domain.localtime import UnreadableDate, days_between, local_today, parse_date
from app.domain.plan_draft import PlanDraft, phase_label
from app.domain.rule_settings import CLINIC_DEFAULTS, PROGRAMME_SETTINGS, RuleSettings
from app.domain.schedule import back_to_back_days, weekdays_from_mask
from app.domain.test_task import SUGGESTED_TEST_TASKS, TEST_TASK_MAX_CHARS
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
    TemplatePrescription,
)
from app.policy import (
    current_patient,
    find_prescribable,
    get_or_404,
    patient_required,
    staff_required,
    visible,
)
from app.programmes import bp
from app.programmes.forms import (
    AddLineForm,
    AssignForm,
    ChangeForm,
    LineDoseForm,
    TestTaskForm,
    ThresholdsForm,
)
from app.services import media, plan_changes
from app.services import programmes as svc
from app.services.plans import active_programme, due_for_patient_between
from app.services.programmes import ProgrammeError
from app.views import number_arg, submit

BACK_TO_BACK_RUNNING = (
    "Running on back-to-back days: clinical.md advises 3 non-consecutive days a week."
)

HANDOUT_DAYS = 14
DOSE_FIELDS = {"days_of_week": "days"}  # the dose key -> the form field it is entered in


# --- helpers ----------------------------------------------------------------------------


def _programme_or_404(patient: Patient, programme_id: int) -> Programme:
    programme = db.session.scalar(
        sa.select(Programme).where(Programme.id == programme_id, Programme.patient_id == patient.id)
    )
    if programme is None:
        abort(404)
    return programme


def _load(patient_id: int, programme_id: int) -> tuple[Patient, Programme]:
    patient = get_or_404(current_user, Patient, patient_id)
    return patient, _programme_or_404(patient, programme_id)


def _version_id(form: LineDoseForm | ChangeForm | ThresholdsForm) -> int:
    version_id = whole_number(form.version_id.data, "version_id")
    if version_id is None:
        abort(400)
    return version_id


def _page(programme: Programme) -> ResponseReturnValue:
    return redirect(
        url_for("programmes.show", patient_id=programme.patient_id, programme_id=programme.id)
    )


def _new_version(
    programme: Programme,
    form: LineDoseForm | ChangeForm | ThresholdsForm,
    edit: Callable[[PlanDraft], object],
) -> ProgrammeVersion:
    """Apply one edit to the version the page showed, as a new version (the view commits)."""
    draft = svc.draft_for(programme, expect_version_id=_version_id(form))
    edit(draft)
    return svc.commit_draft(current_user, programme, draft, form.reason.data or "")


def _one_click(
    patient_id: int, programme_id: int, edit: Callable[[PlanDraft], None], done: str
) -> ResponseReturnValue:
    """The shared body of the POST-only changes: validate CSRF, change, back to the programme."""
    _, programme = _load(patient_id, programme_id)
    form = ChangeForm()
    return submit(
        form,
        lambda: _new_version(programme, form, edit),
        done=done,
        then=lambda _: _page(programme),
        back=lambda: _page(programme),
    )


def line_view(prescription: Prescription | TemplatePrescription) -> dict[str, Any]:
    """The display values of one prescription, the same on every page."""
    p = prescription
    return {
        "p": p,
        "exercise": p.exercise,
        "dose": p.dose.describe(),
        "load": p.dose.load_words(),
        "days": p.dose.days(),
        "per_day": p.dose.per_day(),
    }


def _plan_context(programme: Programme, version: ProgrammeVersion | None) -> dict[str, Any]:
    phases = programme.phases
    lines = [line_view(p) for p in version.prescriptions] if version else []
    current = version.phase_position if version else 0
    return {
        "programme": programme,
        "version": version,
        "phases": phases,
        "current_phase": next((ph for ph in phases if ph.position == current), None),
        "current_lines": [line for line in lines if line["p"].phase_position == current],
        "lines_by_phase": {
            ph.position: [line for line in lines if line["p"].phase_position == ph.position]
            for ph in phases
        },
        "guidance": pain_guidance(svc.settings_of(version)) if version else [],
        # Photos and videos first on each card (issue 16): one statement for the whole page.
        "card_media": media.for_cards(
            (line["p"].exercise_id for line in lines),
            programme.patient_id,
            programme.id,
            [line["p"].line_id for line in lines],
        ),
    }


# --- staff: the programme -------------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/programme")
@staff_required
def current(patient_id: int) -> ResponseReturnValue:
    """The patient's active programme, or the list of earlier ones and a way to assign."""
    patient = get_or_404(current_user, Patient, patient_id)
    programme = active_programme(patient.id)
    if programme is not None:
        return _page(programme)
    return redirect(url_for("programmes.index", patient_id=patient.id))


@bp.get("/patients/<int:patient_id>/programmes")
@staff_required
def index(patient_id: int) -> ResponseReturnValue:
    """Every programme the patient has had, active first."""
    patient = get_or_404(current_user, Patient, patient_id)
    return render_template(
        "programmes/index.html", patient=patient, programmes=svc.patient_programmes(patient.id)
    )


@bp.route("/patients/<int:patient_id>/programme/new", methods=["GET", "POST"])
@staff_required
def assign(patient_id: int) -> ResponseReturnValue:
    """Give the patient a new programme from a template or blank; archives the current one."""
    patient = get_or_404(current_user, Patient, patient_id)
    previous = active_programme(patient.id)
    templates = db.session.scalars(
        visible(current_user, ProgrammeTemplate).order_by(
            ProgrammeTemplate.clinic_id.is_(None), ProgrammeTemplate.name
        )
    ).all()
    form = AssignForm()
    form.template_id.choices = [("", "Blank plan")] + [
        (str(t.id), f"{t.name}{' (clinic)' if t.clinic_id else ''}") for t in templates
    ]
    today = local_today(patient.timezone)
    if request.method == "GET":
        form.start_date.data = today
        form.template_id.data = request.args.get("template", "")

    def change() -> Programme:
        template, errors = None, {}
        if form.template_id.data:
            template = next((t for t in templates if str(t.id) == form.template_id.data), None)
            if template is None:
                errors["template_id"] = "Choose a template from the list."
        if previous is not None and not form.confirm_archive.data:
            errors["confirm_archive"] = "Tick the box to confirm the current programme ends."
        if errors:
            raise Refused(errors)
        return svc.assign_programme(
            current_user, patient, template, form.start_date.data, form.title.data
        )

    return submit(
        form,
        change,
        done="Programme assigned.",
        then=_page,
        page=lambda general: render_template(
            "programmes/assign.html",
            patient=patient,
            form=form,
            previous=previous,
            general=general,
            today=today,
        ),
        fields={"template": "template_id"},
    )


@bp.get("/patients/<int:patient_id>/programmes/<int:programme_id>")
@staff_required
def show(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """The programme: phases with criteria, the current exercises and the tools to tailor."""
    patient, programme = _load(patient_id, programme_id)
    version = (
        svc.load_version(programme.current_version_id) if programme.current_version_id else None
    )
    return render_template(
        "programmes/show.html",
        patient=patient,
        editable=programme.status == ProgrammeStatus.ACTIVE,
        form=ChangeForm(),
        test_task_form=TestTaskForm(formdata=None),
        test_task_choices=SUGGESTED_TEST_TASKS,
        test_task_max=TEST_TASK_MAX_CHARS,
        today=local_today(patient.timezone),
        **_plan_context(programme, version),
    )


@bp.post("/patients/<int:patient_id>/programmes/<int:programme_id>/phase")
@staff_required
def move_phase(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """Move the patient to the next phase or back to the previous one."""
    step = 1 if request.form.get("direction") == "next" else -1

    def edit(draft: PlanDraft) -> None:
        draft.set_phase(draft.phase_position + step)

    done = "Moved to the next phase." if step == 1 else "Moved back to the previous phase."
    return _one_click(patient_id, programme_id, edit, done)


@bp.post("/patients/<int:patient_id>/programmes/<int:programme_id>/phases/<int:position>/test-task")
@staff_required
def test_task(patient_id: int, programme_id: int, position: int) -> ResponseReturnValue:
    """Choose the test task the patient rates weekly in a phase (empty: none)."""
    _, programme = _load(patient_id, programme_id)
    form = TestTaskForm()
    return submit(
        form,
        lambda: svc.set_test_task(current_user, programme, position, form.test_task.data or ""),
        done=lambda phase: (
            f"Test task for {phase.name}: {phase.test_task}."
            if phase.test_task
            else f"{phase.name} has no test task now."
        ),
        then=lambda _: _page(programme),
        back=lambda: _page(programme),
    )


@bp.post("/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/move")
@staff_required
def move_line(patient_id: int, programme_id: int, line_id: int) -> ResponseReturnValue:
    """Move an exercise up or down within its phase."""
    step = -1 if request.form.get("direction") == "up" else 1

    def edit(draft: PlanDraft) -> None:
        line = draft.line(line_id)
        siblings = draft.phase_lines(line.phase_position)
        draft.move_line(line_id, siblings.index(line) + step)

    return _one_click(patient_id, programme_id, edit, "Order changed.")


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/remove",
    methods=["GET", "POST"],
)
@staff_required
def remove_line(patient_id: int, programme_id: int, line_id: int) -> ResponseReturnValue:
    """Ask, then take an exercise out of the plan."""
    patient, programme = _load(patient_id, programme_id)
    if request.method == "POST":
        return _one_click(
            patient_id, programme_id, lambda d: d.remove_line(line_id), "Exercise removed."
        )
    line = _current_line_or_404(programme, line_id)
    return render_template(
        "programmes/remove.html",
        patient=patient,
        programme=programme,
        line=line,
        phase=_phase_of(programme, line.phase_position),
        form=ChangeForm(),
    )


def _current_line_or_404(programme: Programme, line_id: int) -> Prescription:
    version = (
        svc.load_version(programme.current_version_id) if programme.current_version_id else None
    )
    line = (
        next((p for p in version.prescriptions if p.line_id == line_id), None) if version else None
    )
    if line is None:
        abort(404)
    return line


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/new", methods=["GET", "POST"]
)
@staff_required
def add_line(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """Find an exercise the clinic may use, then add it to a phase with its dose set.

    ?exercise_id= shows the dose form, pre-filled with the exercise's library default;
    ?phase= chooses the phase (the current one by default).
    """
    patient, programme = _load(patient_id, programme_id)
    form = AddLineForm()
    form.phase.choices = _phase_choices(programme)
    raw_id = form.exercise_id.data if request.method == "POST" else request.args.get("exercise_id")
    exercise = find_prescribable(current_user.clinic_id, whole_number(raw_id, "exercise_id"))
    if raw_id and exercise is None:
        flash("That exercise is not available to your clinic.", "error")
        return _search_page(patient, programme), 422
    if exercise is None:
        return _search_page(patient, programme)
    if request.method == "GET":
        form.fill(exercise)
        form.exercise_id.data = str(exercise.id)
        form.version_id.data = str(programme.current_version_id)
        wanted = number_arg("phase", low=0)
        form.phase.data = (
            wanted if wanted in dict(form.phase.choices) else _current_phase(programme)
        )
    return _dose_change(
        form,
        lambda draft, dose: draft.add_line(exercise, form.phase.data, **dose),
        exercise,
        programme,
        f"{exercise.name} added.",
        lambda general: render_template(
            "programmes/add_dose.html",
            patient=patient,
            programme=programme,
            exercise=exercise,
            form=form,
            general=general,
        ),
    )


def _dose_change(
    form: LineDoseForm,
    edit: Callable[[PlanDraft, dict[str, Any]], object],
    exercise: Exercise,
    programme: Programme,
    done: str,
    page: Callable[[list[str]], str],
) -> ResponseReturnValue:
    """Save a line's dose as a new version, warning when running falls on back-to-back days."""
    days: list[int | None] = []

    def change() -> ProgrammeVersion:
        dose = form.dose()
        days.append(dose["days_of_week"])
        return _new_version(programme, form, lambda draft: edit(draft, dose))

    def saved(_: ProgrammeVersion) -> ResponseReturnValue:
        _warn_if_running_back_to_back(exercise, days[-1])
        return _page(programme)

    return submit(form, change, done=done, then=saved, page=page, fields=DOSE_FIELDS)


def _phase_choices(programme: Programme) -> list[tuple[int, str]]:
    current = _current_phase(programme)
    return [
        (
            phase.position,
            phase_label(phase.position, phase.name)
            + (" (current)" if phase.position == current else ""),
        )
        for phase in programme.phases
    ]


def _current_phase(programme: Programme) -> int:
    return (
        db.session.scalar(
            sa.select(ProgrammeVersion.phase_position).where(
                ProgrammeVersion.id == programme.current_version_id
            )
        )
        or 0
    )


def _phase_of(programme: Programme, position: int) -> ProgrammePhase | None:
    return next((phase for phase in programme.phases if phase.position == position), None)


def _search_page(patient: Patient, programme: Programme) -> str:
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "programmes/add.html",
        patient=patient,
        programme=programme,
        query=query,
        phase=number_arg("phase", low=0),
        results=svc.search_exercises(current_user.clinic_id, query),
    )


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/swap",
    methods=["GET", "POST"],
)
@staff_required
def swap(patient_id: int, programme_id: int, line_id: int) -> ResponseReturnValue:
    """Swap a line's exercise, offering the easier and harder ones of its chain first."""
    patient, programme = _load(patient_id, programme_id)
    form = ChangeForm()
    chosen = find_prescribable(current_user.clinic_id, number_arg("exercise_id", form=True))

    def change() -> Exercise:
        if chosen is None:
            raise ProgrammeError({"exercise": "That exercise is not available to your clinic."})
        _new_version(programme, form, lambda d: d.swap_exercise(line_id, chosen))
        return chosen

    def page(general: list[str]) -> str:
        for message in general:
            flash(message, "error")
        return _swap_page(patient, programme, line_id, form)

    return submit(
        form,
        change,
        done=lambda exercise: f"Swapped to {exercise.name}.",
        then=lambda _: _page(programme),
        page=page,
    )


def _swap_page(patient: Patient, programme: Programme, line_id: int, form: ChangeForm) -> str:
    line = _current_line_or_404(programme, line_id)
    easier, harder = svc.chain_neighbours(current_user.clinic_id, line.exercise_id)
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "programmes/swap.html",
        patient=patient,
        programme=programme,
        line=line,
        phase=_phase_of(programme, line.phase_position),
        form=form,
        easier=easier,
        harder=harder,
        query=query,
        results=svc.search_exercises(current_user.clinic_id, query) if query else [],
    )


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/dose",
    methods=["GET", "POST"],
)
@staff_required
def edit_dose(patient_id: int, programme_id: int, line_id: int) -> ResponseReturnValue:
    """Change every part of a line's dose and schedule."""
    patient, programme = _load(patient_id, programme_id)
    line = _current_line_or_404(programme, line_id)
    form = LineDoseForm()
    if request.method == "GET":
        form.fill(line)
        form.version_id.data = str(programme.current_version_id)
    return _dose_change(
        form,
        lambda draft, dose: draft.set_dose(line_id, **dose),
        line.exercise,
        programme,
        f"Dose of {line.exercise.name} changed.",
        lambda general: render_template(
            "programmes/dose.html",
            patient=patient,
            programme=programme,
            line=line,
            phase=_phase_of(programme, line.phase_position),
            form=form,
            general=general,
        ),
    )


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/thresholds", methods=["GET", "POST"]
)
@staff_required
def thresholds(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """Change the pain thresholds, the programme's other rule settings and the affected side."""
    patient, programme = _load(patient_id, programme_id)
    version = svc.load_version(programme.current_version_id or 0)
    if version is None:
        abort(404)
    form = ThresholdsForm()
    if request.method == "GET":
        for name in svc.SETTING_FIELDS + ("affected_side",):
            getattr(form, name).data = getattr(version, name)
        form.version_id.data = str(version.id)

    def change() -> ProgrammeVersion:
        values = {name: getattr(form, name).data for name in svc.SETTING_FIELDS}
        for name in PROGRAMME_SETTINGS:  # blank: the clinic's default
            if values[name] is None:
                values[name] = getattr(CLINIC_DEFAULTS, name)
        if problems := RuleSettings(**values).errors():
            raise Refused(problems)

        def edit(draft: PlanDraft) -> None:
            draft.set_thresholds(**values)
            draft.set_affected_side(form.affected_side.data)

        return _new_version(programme, form, edit)

    return submit(
        form,
        change,
        done="Pain thresholds and rule settings saved.",
        then=lambda _: _page(programme),
        page=lambda general: render_template(
            "programmes/thresholds.html",
            patient=patient,
            programme=programme,
            form=form,
            general=general,
            defaults=CLINIC_DEFAULTS,
        ),
    )


def _warn_if_running_back_to_back(exercise: WalkRunMarked, days_of_week: int | None) -> None:
    """Warn, once saved, when a running line is set for consecutive days (clinical.md s. 6).

    A warning, not an error: the physio may have a reason, so the dose is saved as entered.
    """
    if days_of_week and is_walk_run(exercise):
        if back_to_back_days(weekdays_from_mask(days_of_week)):
            flash(BACK_TO_BACK_RUNNING, "warning")


@bp.get("/patients/<int:patient_id>/programmes/<int:programme_id>/history")
@staff_required
def history(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """Every version: when, who, what changed and why."""
    patient, programme = _load(patient_id, programme_id)
    return render_template(
        "programmes/history.html",
        patient=patient,
        programme=programme,
        entries=svc.version_history(programme.id),
    )


@bp.get("/patients/<int:patient_id>/programmes/<int:programme_id>/plan")
@staff_required
def plan_on_date(patient_id: int, programme_id: int) -> ResponseReturnValue:
    """The plan as it stood on a date (?date=YYYY-MM-DD)."""
    patient, programme = _load(patient_id, programme_id)
    raw = request.args.get("date", "")
    day, error = local_today(patient.timezone), None
    try:
        day = parse_date(raw) if raw else day
    except UnreadableDate as unreadable:
        error = unreadable.errors["date"]
    version = svc.plan_as_of(programme, day)
    return render_template(
        "programmes/plan_on_date.html",
        patient=patient,
        day=day,
        error=error,
        **_plan_context(programme, version),
    ), 422 if error else 200


# --- handouts and the patient's own plan -----------------------------------------------------


def _handout(patient: Patient, back_url: str) -> str:
    programme = active_programme(patient.id)
    version = (
        svc.load_version(programme.current_version_id)
        if programme and programme.current_version_id
        else None
    )
    today = local_today(patient.timezone)
    days = days_between(today, today + timedelta(days=HANDOUT_DAYS - 1))
    due = due_for_patient_between(patient, days[0], days[-1]) if programme else {}
    due_lines = {day: {item.line_id: item for item in items} for day, items in due.items()}
    context = _plan_context(programme, version) if programme else {"programme": None}
    return render_template(
        "programmes/handout.html",
        patient=patient,
        days=days,
        due=due_lines,
        back_url=back_url,
        **context,
    )


@bp.get("/patients/<int:patient_id>/programme/handout")
@staff_required
def handout(patient_id: int) -> ResponseReturnValue:
    """The printable plan with a two-week tick sheet."""
    patient = get_or_404(current_user, Patient, patient_id)
    return _handout(patient, url_for("programmes.current", patient_id=patient.id))


@bp.get("/plan")
@patient_required
def my_plan() -> ResponseReturnValue:
    """The patient's current plan, read-only, with the traffic-light guidance."""
    patient = current_patient()
    programme = active_programme(patient.id)
    version = (
        svc.load_version(programme.current_version_id)
        if programme and programme.current_version_id
        else None
    )
    context = _plan_context(programme, version) if programme else {"programme": None}
    return render_template(
        "programmes/my_plan.html",
        patient=patient,
        today=local_today(patient.timezone),
        recent_changes=plan_changes.recent_changes(programme),
        **context,
    )


@bp.get("/plan/handout")
@patient_required
def my_handout() -> ResponseReturnValue:
    """The patient's printable plan and tick sheet."""
    return _handout(current_patient(), url_for("programmes.my_plan"))
