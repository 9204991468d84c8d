"""Library pages for staff: browse and search, an exercise's page, clinic-made exercises."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain import library_files as lib
from app.domain.errors import Refused
from app.domain.inputs import PAGE_MAX
from app.extensions import db
from app.library import bp
from app.library.forms import NO_LINK, ArchiveForm, ExerciseForm
from app.models import Exercise
from app.policy import editable_or_403, find, get_or_404, staff_required, visible_condition
from app.services import audit, library, media
from app.views import number_arg, submit

PER_PAGE = 30


def _filters() -> library.LibraryFilters:
    args = request.args
    level = number_arg("level", high=5)
    return library.LibraryFilters(
        query=args.get("q", "").strip()[:100],
        category=args.get("category", "") if args.get("category") in lib.CATEGORIES else "",
        region=args.get("region", "") if args.get("region") in lib.BODY_REGIONS else "",
        equipment=args.get("equipment", "") if args.get("equipment") in lib.EQUIPMENT else "",
        level=level if level is not None and 1 <= level <= 5 else None,
    )


@bp.get("/")
@staff_required
def index() -> ResponseReturnValue:
    """Browse and search the library and the clinic's own exercises."""
    filters = _filters()
    pagination = db.paginate(
        library.search_statement(current_user, filters),
        page=number_arg("page", high=PAGE_MAX) or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    # Page links keep the search and filters.
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "library/index.html",
        filters=filters,
        pagination=pagination,
        page_args=args,
        lib=lib,
    )


@bp.get("/<int:exercise_id>")
@staff_required
def detail(exercise_id: int) -> ResponseReturnValue:
    """An exercise's instructions, default dose and its chain."""
    exercise = get_or_404(current_user, Exercise, exercise_id)
    return render_template(
        "library/detail.html",
        exercise=exercise,
        chain=library.chain_of(exercise, current_user),
        dose=exercise.dose.describe(),
        frequency=exercise.dose.frequency(),
        lib=lib,
        media=media.of_exercise(exercise.id) if exercise.is_custom else [],
    )


def _link_choices(exercise: Exercise | None) -> list[tuple[int, str]]:
    stmt = (
        sa.select(Exercise.id, Exercise.name, Exercise.level, Exercise.clinic_id)
        .where(visible_condition(current_user, Exercise))
        .order_by(Exercise.name, Exercise.id)
    )
    if exercise is not None:
        # Keep today's links choosable even if one of them has been archived since.
        current = [i for i in (exercise.regression_id, exercise.progression_id) if i]
        live = Exercise.archived.is_(False)
        stmt = stmt.where(sa.or_(live, Exercise.id.in_(current)) if current else live)
        stmt = stmt.where(Exercise.id != exercise.id)
    else:
        stmt = stmt.where(Exercise.archived.is_(False))
    return [
        (row.id, f"{row.name} (level {row.level}{', clinic' if row.clinic_id else ''})")
        for row in db.session.execute(stmt)
    ]


def _chosen(exercise_id: int) -> Exercise | None:
    return find(current_user, Exercise, exercise_id) if exercise_id != NO_LINK else None


def _save(form: ExerciseForm, exercise: Exercise | None, action: str) -> Exercise:
    """Check the links, save and audit; refuse links that break a rule."""
    regression, progression = _chosen(form.regression.data), _chosen(form.progression.data)
    target = exercise or Exercise(clinic_id=current_user.clinic_id)
    errors = library.link_errors(current_user, target, form.level.data, regression, progression)
    if errors:
        raise Refused(errors)
    saved = library.save_custom_exercise(
        current_user, exercise, form.exercise_values(), regression, progression
    )
    audit.record(current_user, action, "exercise", saved.id)
    return saved


def _to_detail(exercise: Exercise) -> ResponseReturnValue:
    return redirect(url_for("library.detail", exercise_id=exercise.id))


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new() -> ResponseReturnValue:
    """Create a clinic-made exercise, blank or copied from a visible one (?copy=<id>)."""
    form = ExerciseForm()
    form.set_link_choices(_link_choices(None))
    copy_of = None
    copy_id = number_arg("copy")
    if request.method == "GET" and copy_id:
        copy_of = get_or_404(current_user, Exercise, copy_id)
        form.fill_from(copy_of, copy=True)
    return submit(
        form,
        lambda: _save(form, None, "exercise.create"),
        done=lambda exercise: f"{exercise.name} was added to your clinic's exercises.",
        then=_to_detail,
        page=lambda _: render_template(
            "library/form.html", form=form, exercise=None, copy_of=copy_of
        ),
    )


@bp.route("/<int:exercise_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(exercise_id: int) -> ResponseReturnValue:
    """Edit one of the clinic's own exercises."""
    exercise = editable_or_403(current_user, Exercise, exercise_id)
    if exercise.archived:
        flash("Archived exercises cannot be edited.", "error")
        return redirect(url_for("library.detail", exercise_id=exercise.id))
    form = ExerciseForm()
    form.set_link_choices(_link_choices(exercise))
    if request.method == "GET":
        form.fill_from(exercise)
    return submit(
        form,
        lambda: _save(form, exercise, "exercise.update"),
        done=f"{exercise.name} was saved.",
        then=_to_detail,
        page=lambda _: render_template("library/form.html", form=form, exercise=exercise),
    )


@bp.route("/<int:exercise_id>/archive", methods=["GET", "POST"])
@staff_required
def archive(exercise_id: int) -> ResponseReturnValue:
    """Ask to confirm, then archive a clinic-made exercise (it stays in existing plans)."""
    exercise = editable_or_403(current_user, Exercise, exercise_id)
    if exercise.archived:
        return redirect(url_for("library.detail", exercise_id=exercise.id))
    form = ArchiveForm()

    def change() -> Exercise:
        library.archive_custom_exercise(exercise)
        audit.record(current_user, "exercise.archive", "exercise", exercise.id)
        return exercise

    return submit(
        form,
        change,
        done=f"{exercise.name} was archived.",
        then=_to_detail,
        page=lambda _: render_template("library/archive.html", form=form, exercise=exercise),
    )
