"""Staff pages for a patient's programme, and the patient's own read-only plan and handout."""

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.domain.dose import describe_dose
from app.domain.library_files import WalkRunMarked, is_walk_run
from app.domain.localtime import local_today
from app.domain.pain import PainThresholds
from app.domain.schedule import back_to_back_days, weekdays_from_mask
from app.extensions import db
from app.models import Patient, Programme, ProgrammeStatus, ProgrammeTemplate, ProgrammeVersion
from app.programmes import bp
from app.programmes.forms import AddLineForm, AssignForm, ChangeForm, LineDoseForm, ThresholdsForm
from app.security import current_patient, patient_for, patient_required, staff_required
from app.services import audit
from app.services import programmes as svc
from app.services.plans import active_programme, due_for_patient_between
from app.services.programmes import PlanDraft, ProgrammeError

BACK_TO_BACK_RUNNING = (
    "Running on back-to-back days: clinical.md advises 3 non-consecutive days a week."
)

HANDOUT_DAYS = 14


# --- helpers ----------------------------------------------------------------------------


def _programme_or_404(patient: Patient, programme_id: int) -> Programme:
    programme = db.session.scalar(
        sa.select(Programme).where(Programme.id == programme_id, Programme.patient_id == patient.id)
    )
    if programme is None:
        abort(404)
    return programme


def _load(patient_id: int, programme_id: int) -> tuple[Patient, Programme]:
    patient = patient_for(current_user, patient_id)
    return patient, _programme_or_404(patient, programme_id)


def _version_id(form: FlaskForm) -> int:
    raw = form.version_id.data or ""  # type: ignore[attr-defined]
    if not raw.isdigit():
        abort(400)
    return int(raw)


def _page(programme: Programme):  # type: ignore[no-untyped-def]
    return redirect(
        url_for("programmes.show", patient_id=programme.patient_id, programme_id=programme.id)
    )


def _change(
    programme: Programme, form: FlaskForm, edit: Callable[[PlanDraft], None], done: str
) -> ProgrammeVersion:
    """Apply one edit as a new version and commit; ProgrammeError propagates, nothing saved."""
    draft = svc.draft_for(programme, expect_version_id=_version_id(form))
    edit(draft)
    version = svc.commit_draft(
        current_user,
        programme,
        draft,
        form.reason.data or "",  # type: ignore[attr-defined]
    )
    db.session.commit()
    flash(done, "success")
    return version


def _flash_errors(error: ProgrammeError) -> None:
    for message in error.errors.values():
        flash(message, "error")


def _attach_errors(form: FlaskForm, error: ProgrammeError, names: dict[str, str]) -> list[str]:
    """Put each message by its form field; return the ones that belong to no field."""
    general = []
    for key, message in error.errors.items():
        field = getattr(form, names.get(key, key), None)
        if field is None or key == "version_id":
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def _one_click(patient_id: int, programme_id: int, edit, done: str):  # type: ignore[no-untyped-def]
    """The shared body of the POST-only changes: validate CSRF, change, redirect."""
    _, programme = _load(patient_id, programme_id)
    form = ChangeForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return _page(programme)
    try:
        _change(programme, form, edit, done)
    except ProgrammeError as error:
        db.session.rollback()
        _flash_errors(error)
    return _page(programme)


def line_view(prescription) -> dict:  # type: ignore[no-untyped-def]
    """The display values of one prescription, the same on every page."""
    p = prescription
    return {
        "p": p,
        "exercise": p.exercise,
        "dose": describe_dose(
            p.sets,
            reps=p.reps,
            hold_seconds=p.hold_seconds,
            duration_seconds=p.duration_seconds,
            side=p.side,
        ),
        "load": (f"{p.load_kg:g} kg" if p.load_kg is not None else (p.load_text or "")),
        "days": svc.describe_days(p.days_of_week, p.times_per_week),
        "per_day": {1: "once a day", 2: "twice a day"}.get(
            p.times_per_day, f"{p.times_per_day} times a day"
        ),
    }


def _plan_context(programme: Programme, version: ProgrammeVersion | None) -> dict:  # type: ignore[type-arg]
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
        "guidance": svc.pain_guidance(svc.thresholds_of(version)) if version else [],
    }


# --- staff: the programme -------------------------------------------------------------------


@bp.get("/patients/<int:patient_id>/programme")
@staff_required
def current(patient_id: int):  # type: ignore[no-untyped-def]
    """The patient's active programme, or the list of earlier ones and a way to assign."""
    patient = patient_for(current_user, patient_id)
    programme = active_programme(patient.id)
    if programme is not None:
        return _page(programme)
    return redirect(url_for("programmes.index", patient_id=patient.id))


@bp.get("/patients/<int:patient_id>/programmes")
@staff_required
def index(patient_id: int):  # type: ignore[no-untyped-def]
    """Every programme the patient has had, active first."""
    patient = patient_for(current_user, patient_id)
    return render_template(
        "programmes/index.html", patient=patient, programmes=svc.patient_programmes(patient.id)
    )


@bp.route("/patients/<int:patient_id>/programme/new", methods=["GET", "POST"])
@staff_required
def assign(patient_id: int):  # type: ignore[no-untyped-def]
    """Give the patient a new programme from a template or blank; archives the current one."""
    patient = patient_for(current_user, patient_id)
    previous = active_programme(patient.id)
    templates = db.session.scalars(
        svc.visible_templates(current_user.clinic_id).order_by(
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
    general: list[str] = []
    if form.validate_on_submit():
        template = None
        if form.template_id.data:
            template = next((t for t in templates if str(t.id) == form.template_id.data), None)
            if template is None:
                form.template_id.errors = ["Choose a template from the list."]
        if previous is not None and not form.confirm_archive.data:
            form.confirm_archive.errors = ["Tick the box to confirm the current programme ends."]
        if not form.template_id.errors and not form.confirm_archive.errors:
            try:
                programme = svc.assign_programme(
                    current_user, patient, template, form.start_date.data, form.title.data
                )
            except ProgrammeError as error:
                db.session.rollback()
                general = _attach_errors(form, error, {"template": "template_id"})
            else:
                db.session.commit()
                flash("Programme assigned.", "success")
                return _page(programme)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programmes/assign.html",
        patient=patient,
        form=form,
        previous=previous,
        general=general,
        today=today,
    ), status


@bp.get("/patients/<int:patient_id>/programmes/<int:programme_id>")
@staff_required
def show(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    """The programme: phases with criteria, the current exercises and the tools to tailor."""
    patient, programme = _load(patient_id, programme_id)
    version = (
        svc.load_version(programme.current_version_id) if programme.current_version_id else None
    )
    audit.record(current_user, "programme.view", "programme", programme.id, patient_id=patient.id)
    db.session.commit()
    return render_template(
        "programmes/show.html",
        patient=patient,
        editable=programme.status == ProgrammeStatus.ACTIVE,
        form=ChangeForm(),
        today=local_today(patient.timezone),
        **_plan_context(programme, version),
    )


@bp.post("/patients/<int:patient_id>/programmes/<int:programme_id>/phase")
@staff_required
def move_phase(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    """Move the patient to the next phase or back to the previous one."""
    step = 1 if request.form.get("direction") == "next" else -1

    def edit(draft: PlanDraft) -> None:
        draft.set_phase(draft.phase_position + step)

    done = "Moved to the next phase." if step == 1 else "Moved back to the previous phase."
    return _one_click(patient_id, programme_id, edit, done)


@bp.post("/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/move")
@staff_required
def move_line(patient_id: int, programme_id: int, line_id: int):  # type: ignore[no-untyped-def]
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
def remove_line(patient_id: int, programme_id: int, line_id: int):  # type: ignore[no-untyped-def]
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


def _current_line_or_404(programme: Programme, line_id: int):  # type: ignore[no-untyped-def]
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
def add_line(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    """Find an exercise the clinic may use, then add it to a phase with its dose set.

    ?exercise_id= shows the dose form, pre-filled with the exercise's library default;
    ?phase= chooses the phase (the current one by default).
    """
    patient, programme = _load(patient_id, programme_id)
    form = AddLineForm()
    form.phase.choices = _phase_choices(programme)
    raw_id = form.exercise_id.data if request.method == "POST" else request.args.get("exercise_id")
    exercise = svc.visible_exercise(
        current_user.clinic_id, int(raw_id) if raw_id and raw_id.isdigit() else None
    )
    if raw_id and exercise is None:
        flash("That exercise is not available to your clinic.", "error")
        return _search_page(patient, programme), 422
    if exercise is None:
        return _search_page(patient, programme)
    general: list[str] = []
    if request.method == "GET":
        form.fill(exercise)
        form.exercise_id.data = str(exercise.id)
        form.version_id.data = str(programme.current_version_id)
        wanted = request.args.get("phase", type=int)
        form.phase.data = (
            wanted if wanted in dict(form.phase.choices) else _current_phase(programme)
        )
    elif form.validate_on_submit() and (dose := form.dose()) is not None:
        phase = form.phase.data
        try:
            _change(
                programme,
                form,
                lambda draft: draft.add_line(exercise, phase, **dose),
                f"{exercise.name} added.",
            )
            _warn_if_running_back_to_back(exercise, dose["days_of_week"])
            return _page(programme)
        except ProgrammeError as error:
            db.session.rollback()
            general = _attach_errors(form, error, {"days_of_week": "days"})
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programmes/add_dose.html",
        patient=patient,
        programme=programme,
        exercise=exercise,
        form=form,
        general=general,
    ), status


def _phase_choices(programme: Programme) -> list[tuple[int, str]]:
    current = _current_phase(programme)
    return [
        (
            phase.position,
            svc.phase_label(phase.position, phase.name)
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


def _phase_of(programme: Programme, position: int):  # type: ignore[no-untyped-def]
    return next((phase for phase in programme.phases if phase.position == position), None)


def _search_page(patient: Patient, programme: Programme):  # type: ignore[no-untyped-def]
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "programmes/add.html",
        patient=patient,
        programme=programme,
        query=query,
        phase=request.args.get("phase", type=int),
        results=svc.search_exercises(current_user.clinic_id, query),
    )


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/swap",
    methods=["GET", "POST"],
)
@staff_required
def swap(patient_id: int, programme_id: int, line_id: int):  # type: ignore[no-untyped-def]
    """Swap a line's exercise, offering the easier and harder ones of its chain first."""
    patient, programme = _load(patient_id, programme_id)
    form = ChangeForm()
    if request.method == "POST":
        exercise = svc.visible_exercise(
            current_user.clinic_id, request.form.get("exercise_id", type=int)
        )
        if form.validate_on_submit():
            try:
                if exercise is None:
                    raise ProgrammeError(
                        {"exercise": "That exercise is not available to your clinic."}
                    )
                _change(
                    programme,
                    form,
                    lambda d: d.swap_exercise(line_id, exercise),
                    f"Swapped to {exercise.name}.",
                )
                return _page(programme)
            except ProgrammeError as error:
                db.session.rollback()
                _flash_errors(error)
        status = 422
    else:
        status = 200
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
    ), status


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/dose",
    methods=["GET", "POST"],
)
@staff_required
def edit_dose(patient_id: int, programme_id: int, line_id: int):  # type: ignore[no-untyped-def]
    """Change every part of a line's dose and schedule."""
    patient, programme = _load(patient_id, programme_id)
    line = _current_line_or_404(programme, line_id)
    form = LineDoseForm()
    if request.method == "GET":
        form.fill(line)
        form.version_id.data = str(programme.current_version_id)
    general: list[str] = []
    if form.validate_on_submit() and (dose := form.dose()) is not None:
        try:
            _change(
                programme,
                form,
                lambda draft: draft.set_dose(line_id, **dose),
                f"Dose of {line.exercise.name} changed.",
            )
            _warn_if_running_back_to_back(line.exercise, dose["days_of_week"])
            return _page(programme)
        except ProgrammeError as error:
            db.session.rollback()
            general = _attach_errors(form, error, {"days_of_week": "days"})
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programmes/dose.html",
        patient=patient,
        programme=programme,
        line=line,
        phase=_phase_of(programme, line.phase_position),
        form=form,
        general=general,
    ), status


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/thresholds", methods=["GET", "POST"]
)
@staff_required
def thresholds(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    """Change the pain thresholds of the traffic light and the affected side."""
    patient, programme = _load(patient_id, programme_id)
    version = svc.load_version(programme.current_version_id)  # type: ignore[arg-type]
    assert version is not None
    form = ThresholdsForm()
    if request.method == "GET":
        for name in svc.THRESHOLD_FIELDS + ("affected_side",):
            getattr(form, name).data = getattr(version, name)
        form.version_id.data = str(version.id)
    general: list[str] = []
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in svc.THRESHOLD_FIELDS}
        general, by_field = _threshold_problems(form, values)

        def edit(draft: PlanDraft) -> None:
            draft.set_thresholds(**values)
            draft.set_affected_side(form.affected_side.data)

        if not (general or by_field):
            try:
                _change(programme, form, edit, "Pain thresholds saved.")
                return _page(programme)
            except ProgrammeError as error:
                db.session.rollback()
                general = _attach_errors(form, error, {})
    status = 422 if request.method == "POST" else 200
    return render_template(
        "programmes/thresholds.html",
        patient=patient,
        programme=programme,
        form=form,
        general=general,
    ), status


def _warn_if_running_back_to_back(exercise: WalkRunMarked, days_of_week: int | None) -> None:
    """Warn, once saved, when a running line is set for consecutive days (clinical.md s. 6).

    A warning, not an error: the physio may have a reason, so the dose is saved as entered.
    """
    if days_of_week and is_walk_run(exercise):
        if back_to_back_days(weekdays_from_mask(days_of_week)):
            flash(BACK_TO_BACK_RUNNING, "warning")


def _threshold_problems(form: ThresholdsForm, values: dict[str, int]) -> tuple[list[str], bool]:
    """Check the settings with PainThresholds.errors(); put each message by its field.

    A message about one setting starts with its name ("mcid must be at least 1."): it goes by
    that field, without the name. Return the other messages, and whether any went by a field.
    """
    general, by_field = [], False
    for message in PainThresholds(**values).errors():
        name = next((n for n in svc.THRESHOLD_FIELDS if message.startswith(f"{n} ")), None)
        if name is None:
            general.append(message)
            continue
        text = message.removeprefix(f"{name} ")
        field = getattr(form, name)
        field.errors = [*field.errors, text[:1].upper() + text[1:]]
        by_field = True
    return general, by_field


@bp.get("/patients/<int:patient_id>/programmes/<int:programme_id>/history")
@staff_required
def history(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
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
def plan_on_date(patient_id: int, programme_id: int):  # type: ignore[no-untyped-def]
    """The plan as it stood on a date (?date=YYYY-MM-DD)."""
    patient, programme = _load(patient_id, programme_id)
    raw = request.args.get("date", "")
    error = None
    try:
        day = date.fromisoformat(raw) if raw else local_today(patient.timezone)
    except ValueError:
        day, error = local_today(patient.timezone), "Enter the date as YYYY-MM-DD."
    version = svc.plan_as_of(programme, day)
    return render_template(
        "programmes/plan_on_date.html",
        patient=patient,
        day=day,
        error=error,
        **_plan_context(programme, version),
    ), 422 if error else 200


# --- handouts and the patient's own plan -----------------------------------------------------


def _handout(patient: Patient, back_url: str):  # type: ignore[no-untyped-def]
    programme = active_programme(patient.id)
    version = svc.load_version(programme.current_version_id) if programme else None
    today = local_today(patient.timezone)
    days = [today + timedelta(days=n) for n in range(HANDOUT_DAYS)]
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
def handout(patient_id: int):  # type: ignore[no-untyped-def]
    """The printable plan with a two-week tick sheet."""
    patient = patient_for(current_user, patient_id)
    return _handout(patient, url_for("programmes.current", patient_id=patient.id))


@bp.get("/plan")
@patient_required
def my_plan():  # type: ignore[no-untyped-def]
    """The patient's current plan, read-only, with the traffic-light guidance."""
    patient = current_patient()
    programme = active_programme(patient.id)
    version = svc.load_version(programme.current_version_id) if programme else None
    context = _plan_context(programme, version) if programme else {"programme": None}
    return render_template(
        "programmes/my_plan.html",
        patient=patient,
        today=local_today(patient.timezone),
        **context,
    )


@bp.get("/plan/handout")
@patient_required
def my_handout():  # type: ignore[no-untyped-def]
    """The patient's printable plan and tick sheet."""
    return _handout(current_patient(), url_for("programmes.my_plan"))
