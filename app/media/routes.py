"""Attach, list and remove media (staff), and serve a file to whoever may see it."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain import media as rules
from app.extensions import db
from app.input_limits import body_limit
from app.media import bp
from app.media.forms import RemoveMediaForm, UploadForm
from app.models import Exercise, Media, Patient, Prescription, Programme, ProgrammeStatus
from app.policy import (
    editable_or_403,
    get_or_404,
    login_required,
    media_or_404,
    staff_required,
)
from app.services import audit
from app.services import media as svc
from app.services import programmes as programmes_svc
from app.views import submit

# The largest video and room for the rest of the form: these pages' body cap only.
UPLOAD_BODY_MAX = rules.VIDEO_MAX_BYTES + 256 * 1024
TOO_LARGE = {"file": rules.UPLOAD_TOO_LARGE}


@bp.get("/media/<int:media_id>")
@login_required
def file(media_id: int) -> ResponseReturnValue:
    """Send one photo or video (with Range support for video), after the policy check."""
    media = media_or_404(current_user, media_id)
    path = svc.path_of(media)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=media.content_type,
        conditional=True,  # answers Range requests (206) and If-None-Match (304)
        etag=True,
        max_age=0,
        download_name=f"{media.kind}-{media.id}.{rules.EXTENSIONS[media.content_type]}",
    )
    # A patient's own media is health data: never kept by a browser or a shared cache.
    response.headers["Cache-Control"] = (
        "private, no-store" if media.patient_id is not None else "private, no-cache"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _upload(form: UploadForm, target: svc.Target, audit_target: tuple[str, int]) -> Media:
    saved = svc.store_upload(current_user, form.file.data, form.description.data or "", target)
    audit.record(
        current_user,
        "media.add",
        audit_target[0],
        audit_target[1],
        patient_id=target.patient_id,
        media_id=saved.id,
        kind=saved.kind,
    )
    return saved


def _upload_page(
    form: UploadForm,
    target: svc.Target,
    audit_target: tuple[str, int],
    here: str,
    page: Callable[[list[str]], str],
    closed: str | None,
) -> ResponseReturnValue:
    """Both upload pages: store a valid upload and come back; closed (why) shows the list only."""
    if closed is not None:
        if form.is_submitted():
            flash(closed, "error")
            return redirect(here)
        return page([])
    return submit(
        form,
        lambda: _upload(form, target, audit_target),
        done=lambda media: f"The {media.kind} was added.",
        then=lambda _: redirect(here),
        page=page,
    )


# --- a clinic exercise's media ---------------------------------------------------------------


@bp.route("/library/<int:exercise_id>/media", methods=["GET", "POST"])
@body_limit(UPLOAD_BODY_MAX, TOO_LARGE)
@staff_required
def exercise_media(exercise_id: int) -> ResponseReturnValue:
    """The clinic exercise's photos and videos: the list, and a form to add one."""
    exercise = editable_or_403(current_user, Exercise, exercise_id)
    here = url_for("media.exercise_media", exercise_id=exercise.id)
    form = UploadForm()

    def page(general: list[str]) -> str:
        return render_template(
            "media/exercise.html",
            exercise=exercise,
            form=None if exercise.archived else form,
            general=general,
            items=svc.of_exercise(exercise.id),
        )

    # Like editing: an archived exercise takes no new media (its media can still be removed).
    closed = "Archived exercises cannot be changed." if exercise.archived else None
    target = svc.Target.exercise(exercise)
    return _upload_page(form, target, ("exercise", exercise.id), here, page, closed)


@bp.route(
    "/library/<int:exercise_id>/media/<int:exercise_media_id>/remove", methods=["GET", "POST"]
)
@staff_required
def remove_exercise_media(exercise_id: int, exercise_media_id: int) -> ResponseReturnValue:
    """Ask to confirm, then remove one of the exercise's photos or videos (and its file)."""
    exercise = editable_or_403(current_user, Exercise, exercise_id)
    media = _one(Media.exercise_id == exercise.id, exercise_media_id)
    back = url_for("media.exercise_media", exercise_id=exercise.id)
    return _remove(media, back, ("exercise", exercise.id), exercise.name)


# --- one patient's line ---------------------------------------------------------------------


def _line(
    patient_id: int, programme_id: int, line_id: int
) -> tuple[Patient, Programme, Prescription]:
    """The patient (their physio or admin only), their programme, and the line in force."""
    patient = get_or_404(current_user, Patient, patient_id)
    programme = db.session.scalar(
        sa.select(Programme).where(Programme.id == programme_id, Programme.patient_id == patient.id)
    )
    if programme is None:
        abort(404)
    version = (
        programmes_svc.load_version(programme.current_version_id)
        if programme.current_version_id
        else None
    )
    line = next(
        (p for p in (version.prescriptions if version else []) if p.line_id == line_id), None
    )
    if line is None:
        abort(404)
    return patient, programme, line


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>/media",
    methods=["GET", "POST"],
)
@body_limit(UPLOAD_BODY_MAX, TOO_LARGE)
@staff_required
def line_media(patient_id: int, programme_id: int, line_id: int) -> ResponseReturnValue:
    """The patient's own photos and videos of one exercise ("recorded in clinic today")."""
    patient, programme, line = _line(patient_id, programme_id, line_id)
    here = url_for(
        "media.line_media", patient_id=patient.id, programme_id=programme.id, line_id=line_id
    )
    form = UploadForm()
    active = programme.status == ProgrammeStatus.ACTIVE

    def page(general: list[str]) -> str:
        return render_template(
            "media/line.html",
            patient=patient,
            programme=programme,
            line=line,
            form=form if active else None,
            general=general,
            items=svc.of_line(patient.id, programme.id, line_id),
            exercise_items=svc.of_exercise(line.exercise_id),
        )

    # An archived programme is read-only: its media can only be removed.
    closed = None if active else "This programme is archived and can no longer be changed."
    target = svc.Target.line(patient, programme.id, line_id)
    return _upload_page(form, target, ("patient", patient.id), here, page, closed)


@bp.route(
    "/patients/<int:patient_id>/programmes/<int:programme_id>/lines/<int:line_id>"
    "/media/<int:media_id>/remove",
    methods=["GET", "POST"],
)
@staff_required
def remove_line_media(
    patient_id: int, programme_id: int, line_id: int, media_id: int
) -> ResponseReturnValue:
    """Ask to confirm, then remove one of the patient's photos or videos (and its file)."""
    patient = get_or_404(current_user, Patient, patient_id)
    media = _one(
        sa.and_(
            Media.patient_id == patient.id,
            Media.programme_id == programme_id,
            Media.line_id == line_id,
        ),
        media_id,
    )
    back = url_for(
        "media.line_media", patient_id=patient.id, programme_id=programme_id, line_id=line_id
    )
    return _remove(media, back, ("patient", patient.id), patient.user.name)


# --- removing -------------------------------------------------------------------------------


def _one(belongs: sa.ColumnElement[bool], media_id: int) -> Media:
    media = db.session.scalar(sa.select(Media).where(Media.id == media_id, belongs))
    if media is None:
        abort(404)
    return media


def _remove(
    media: Media, back: str, audit_target: tuple[str, int], owner: str
) -> ResponseReturnValue:
    form = RemoveMediaForm()
    media_id, patient_id = media.id, media.patient_id

    def change() -> None:
        svc.remove(media)
        audit.record(
            current_user,
            "media.remove",
            audit_target[0],
            audit_target[1],
            patient_id=patient_id,
            media_id=media_id,
        )

    return submit(
        form,
        change,
        done=f"The {media.kind} was removed.",
        then=lambda _: redirect(back),
        page=lambda _: render_template(
            "media/remove.html", form=form, media=media, back=back, owner=owner
        ),
    )
