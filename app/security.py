"""Who may see what: the one place that declares view access and scopes patient queries."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from app.extensions import db, login_manager
from app.models import Patient, Role, User
from app.services import audit

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
ANY_USER = "any"
STAFF = (Role.PHYSIO, Role.ADMIN)


def public(view: F) -> F:
    """Declare a view open to everyone, signed in or not."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[F], F]:
    """Declare which roles may use a view; anyone else gets 401 or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = tuple(roles) or ANY_USER  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def login_required(view: F) -> F:
    """Declare a view for any signed-in user."""
    return roles_required()(view)


staff_required = roles_required(*STAFF)
patient_required = roles_required(Role.PATIENT)


def scoped_patients(user: User) -> sa.Select[tuple[Patient]]:
    """Select the patients a user may see: their own (physio), the clinic's (admin), themself."""
    stmt = sa.select(Patient)
    if user.role == Role.PATIENT:
        return stmt.where(Patient.user_id == user.id)
    if user.role == Role.ADMIN:
        return stmt.where(Patient.clinic_id == user.clinic_id)
    if user.role == Role.PHYSIO:
        return stmt.where(Patient.physio_id == user.id, Patient.clinic_id == user.clinic_id)
    return stmt.where(sa.false())


def patient_for(user: User, patient_id: int) -> Patient:
    """Load a patient the user may see, or answer 404 (no hint that others exist)."""
    patient = db.session.scalar(scoped_patients(user).where(Patient.id == patient_id))
    if patient is None:
        abort(404)
    audit.record_patient_access(user, patient.id)  # staff reads of a record are audited
    return patient


def current_patient() -> Patient:
    """The signed-in patient's own record (loaded with the user, so no query here)."""
    patient = current_user.patient if current_user.role == Role.PATIENT else None
    if patient is None:
        abort(403)
    return patient


def is_safe_next(target: str | None) -> bool:
    """Allow only same-site relative paths for ?next= redirects."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return "\\" not in target and not any(c in target for c in "\r\n")


def wants_json() -> bool:
    """Tell whether the caller is an API client (it gets JSON errors)."""
    return request.path.startswith("/api/")


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
