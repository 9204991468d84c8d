"""The audit trail: who accessed or changed what, never the health data itself."""

from typing import Any

from flask import g, has_request_context, request

from app.extensions import db
from app.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    *,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    **details: Any,
) -> None:
    """Add an audit event to the current transaction (it commits with the change it records)."""
    clinic = clinic_id if clinic_id is not None else (actor.clinic_id if actor else None)
    if clinic is None:
        raise ValueError("an audit event needs a clinic")
    db.session.add(
        AuditEvent(
            clinic_id=clinic,
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            patient_ref=patient_id,
            details=details or None,
        )
    )


def record_patient_access(actor: User, patient_id: int) -> None:
    """Record that staff opened a patient's record on a page (once per request, GET only).

    Called by policy.get_or_404, so every physio page that loads a patient is audited
    without each view remembering to. Read-only views do not commit, so create_app's
    after-request hook commits the event once the page rendered successfully. (On
    PostgreSQL reads run in autocommit (extensions.Session), so an event flushed before a
    page fails is kept: an access that was allowed, then failed, is still recorded.)
    """
    if not has_request_context() or not actor.is_staff or request.method not in ("GET", "HEAD"):
        return
    seen: set[int] = g.setdefault("audited_patient_ids", set())
    if patient_id in seen:
        return
    seen.add(patient_id)
    page = request.endpoint
    record(actor, "patient.view", "patient", patient_id, patient_id=patient_id, page=page)
    g.audit_commit_pending = True


REFUSED = "patient.access_refused"


def note_refused_patient_access(actor: User, patient_id: int) -> None:
    """Remember that a signed-in user was refused a patient's record (policy calls this).

    Written by record_refusal once the refusal is answered: the request's own transaction
    is rolled back, so the audit row is the one thing a refused request leaves behind.
    """
    if has_request_context() and actor.is_authenticated:
        g.refused_patient_access = (actor.id, actor.clinic_id, patient_id)


def record_refusal(status: int) -> None:
    """Record the refused access noted in this request, if it was answered 403 or 404.

    Who (actor), what (the patient's id, the page and method), when (the row's time); the
    id is a bare number, so it says nothing about whether such a patient exists.
    """
    pending = g.pop("refused_patient_access", None)
    if pending is None or status not in (403, 404):
        return
    actor_id, clinic_id, patient_id = pending
    db.session.rollback()
    db.session.add(
        AuditEvent(
            clinic_id=clinic_id,
            actor_id=actor_id,
            action=REFUSED,
            target_type="patient",
            target_id=patient_id,
            patient_ref=patient_id,
            details={"page": request.endpoint, "method": request.method, "status": status},
        )
    )
    db.session.commit()


def access_events_pending() -> bool:
    """Tell (once) whether this request recorded access events that wait for a commit."""
    return bool(g.pop("audit_commit_pending", False))
