"""The audit trail: who accessed or changed what, never the health data itself."""

from typing import Any

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
