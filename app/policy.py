"""Who may see or change what: the one module that declares view access and object rules.

Views declare who may use them (public, login_required, staff_required, patient_required,
admin_required); object-level rules are visible(user, Model) (the scoping select),
can_edit(user, obj), find(user, Model, id) and get_or_404 / editable_or_403, and
prescribable(clinic_id) / find_prescribable for the exercises a clinic may put in a plan.
Views and services ask this module; nothing else decides.

404 or 403, the one rule:
- an object the user may not see answers 404, the same as one that does not exist, so an id
  in a URL reveals nothing about other clinics' or other physios' records;
- an object the user may see but not change (the shipped library's exercises and templates)
  answers 403: the page said it exists, so pretending otherwise helps nobody;
- a page the user's role may not use answers 403 (401, or the login page, when signed out).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm.interfaces import ORMOption

from app.domain.inputs import ID_MAX
from app.extensions import db, login_manager
from app.models import (
    Exercise,
    Media,
    Patient,
    Prescription,
    Programme,
    ProgrammeTemplate,
    ProgrammeVersion,
    Role,
    User,
)
from app.services import audit

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", Patient, Exercise, ProgrammeTemplate)

PUBLIC = "public"
ANY_USER = "any"
STAFF = (Role.PHYSIO, Role.ADMIN)


def public(view: F) -> F:
    """Declare a view open to everyone, signed in or not."""
    setattr(view, "access", PUBLIC)  # noqa: B010 (read by create_app's start-up check)
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    """Declare which roles may use a view; anyone else gets 401 or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                if isinstance(kwargs.get("patient_id"), int):
                    audit.note_refused_patient_access(current_user, kwargs["patient_id"])
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, "access", tuple(roles) or ANY_USER)  # noqa: B010
        return cast(F, wrapper)

    return decorate


def login_required(view: F) -> F:
    """Declare a view for any signed-in user."""
    return roles_required()(view)


staff_required = roles_required(*STAFF)
patient_required = roles_required(Role.PATIENT)
admin_required = roles_required(Role.ADMIN)


def scoped_patients(user: User) -> sa.Select[Patient]:
    """Select the patients a user may see: their own (physio), the clinic's (admin), themself."""
    return sa.select(Patient).where(visible_condition(user, Patient))


def visible_condition(user: User, model: type[M]) -> sa.ColumnElement[bool]:
    """Return the WHERE condition of the rows of model the user may see (to add to a select)."""
    if model is Patient:
        if user.role == Role.PATIENT:
            return Patient.user_id == user.id
        if user.role == Role.ADMIN:
            return Patient.clinic_id == user.clinic_id
        if user.role == Role.PHYSIO:
            return sa.and_(Patient.physio_id == user.id, Patient.clinic_id == user.clinic_id)
        return sa.false()
    if not user.is_staff:
        return sa.false()
    if model is Exercise:  # archived ones too: their pages stay, to read and to restore
        return library_or_own(Exercise, user.clinic_id)
    # Templates: an archived template is gone.
    return sa.and_(
        library_or_own(ProgrammeTemplate, user.clinic_id), ProgrammeTemplate.archived.is_(False)
    )


def library_or_own(
    model: type[Exercise] | type[ProgrammeTemplate], clinic_id: int | None
) -> sa.ColumnElement[bool]:
    """Return the condition of the shipped library's rows (no clinic) and the clinic's own."""
    return sa.or_(model.clinic_id.is_(None), model.clinic_id == clinic_id)


def prescribable_condition(clinic_id: int | None) -> sa.ColumnElement[bool]:
    """Return the condition of the exercises a clinic may prescribe: the ones its staff see,
    not archived (a plan keeps an archived exercise, but no new line or swap gets it)."""
    return sa.and_(library_or_own(Exercise, clinic_id), Exercise.archived.is_(False))


def prescribable(clinic_id: int | None) -> sa.Select[Exercise]:
    """Select the exercises a clinic may prescribe (in programmes and templates)."""
    return sa.select(Exercise).where(prescribable_condition(clinic_id))


def find_prescribable(clinic_id: int | None, exercise_id: int | None) -> Exercise | None:
    """Load an exercise the clinic may prescribe, or None (also for no id, or one no row has)."""
    if exercise_id is None or not 1 <= exercise_id <= ID_MAX:
        return None  # a 20-digit id from a form is no exercise (PostgreSQL would refuse it)
    return db.session.scalar(prescribable(clinic_id).where(Exercise.id == exercise_id))


def visible(user: User, model: type[M]) -> sa.Select[M]:
    """Select the rows of model (Patient, Exercise or ProgrammeTemplate) the user may see."""
    return sa.select(model).where(visible_condition(user, model))


def find(user: User, model: type[M], object_id: int, *options: ORMOption) -> M | None:
    """Load one object the user may see, or None."""
    stmt = visible(user, model).where(model.id == object_id)
    return db.session.scalar(stmt.options(*options) if options else stmt)


def get_or_404(user: User, model: type[M], object_id: int, *options: ORMOption) -> M:
    """Load an object the user may see, or answer 404 (no hint that others exist).

    Staff reads of a patient's record are audited (once a request).
    """
    found = find(user, model, object_id, *options)
    if found is None:
        if model is Patient:
            audit.note_refused_patient_access(user, object_id)
        abort(404)
    if isinstance(found, Patient):
        audit.record_patient_access(user, found.id)
    return found


def can_edit(user: User, obj: Exercise | ProgrammeTemplate) -> bool:
    """Tell whether staff may change it: their clinic's own; the shipped library is read-only."""
    return user.is_staff and obj.clinic_id is not None and obj.clinic_id == user.clinic_id


def editable_or_403(user: User, model: type[M], object_id: int, *options: ORMOption) -> M:
    """Load an object the user may change: 404 when not visible, 403 when read-only."""
    found = get_or_404(user, model, object_id, *options)
    if isinstance(found, Patient) or not can_edit(user, found):
        abort(403)
    return found


def media_or_404(user: User, media_id: int) -> Media:
    """Load a photo or video the user may see, or answer 404 (the file's own rule):

    - a patient's line media ("recorded in clinic"): whoever may see that patient (the
      patient, their physio, the clinic's admin). The pages that show it audit the read of
      the record; the file's own requests do not (a video plays in many range requests),
      but a refused one is noted like any refused record;
    - a clinic exercise's media: the staff who see that exercise, and patients who were
      prescribed it (in any version of any of their programmes).
    """
    media = db.session.get(Media, media_id)
    if media is None:
        abort(404)
    if media.patient_id is not None:
        if find(user, Patient, media.patient_id) is None:
            audit.note_refused_patient_access(user, media.patient_id)
            abort(404)
        return media
    if user.is_staff:
        if media.exercise_id is None or find(user, Exercise, media.exercise_id) is None:
            abort(404)
        return media
    patient = user.patient if user.role == Role.PATIENT else None
    if patient is None or not _prescribed_to(patient.id, media.exercise_id):
        abort(404)
    return media


def _prescribed_to(patient_id: int, exercise_id: int | None) -> bool:
    """Whether an exercise is in any version of any of the patient's programmes."""
    stmt = sa.select(Prescription.id).where(
        Prescription.exercise_id == exercise_id,
        Prescription.version_id == ProgrammeVersion.id,
        ProgrammeVersion.programme_id == Programme.id,
        Programme.patient_id == patient_id,
    )
    return db.session.scalar(sa.select(stmt.exists())) is True


def current_patient() -> Patient:
    """The signed-in patient's own record (loaded with the user, so no query here)."""
    patient: Patient | None = current_user.patient if current_user.role == Role.PATIENT else None
    if patient is None:
        abort(403)
    return patient


def is_safe_next(target: str | None) -> bool:
    r"""Allow only a path on this site for ?next= redirects, as a browser would read it.

    Browsers drop tabs and newlines from a URL, trim spaces and control characters at its
    ends and read a backslash as a slash, so "/<TAB>/evil.example" or "/\evil.example" opens
    another site. Rather than imitate that normalisation, refuse every character it acts on:
    only printable ASCII without a backslash, one leading slash, no scheme and no host.
    """
    if not target or not all("!" <= c <= "~" for c in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul_characters() -> None:
    """Refuse input holding NUL characters (400): PostgreSQL text cannot store them, and no
    person types one, so answering early beats a server error deep inside a commit."""
    texts = [v for _, values in request.args.lists() for v in values]
    if request.method != "GET":
        texts += [v for _, values in request.form.lists() for v in values]
        if request.is_json and _has_nul(request.get_json(silent=True)):
            abort(400)
    if any("\x00" in text for text in texts):
        abort(400)


def staff_member_or_404(user: User, staff_id: int) -> User:
    """A physio or admin of the caller's own clinic, for its admin; anyone else is 404."""
    member = db.session.scalar(
        sa.select(User).where(
            User.id == staff_id,
            User.clinic_id == user.clinic_id,
            User.role.in_(STAFF),
        )
    )
    if member is None or user.role != Role.ADMIN:
        abort(404)
    return member
