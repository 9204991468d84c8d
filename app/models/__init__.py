"""The database models, one module per part of the product."""

from app.models.accounts import (
    Assessment,
    AuditEvent,
    Clinic,
    Invite,
    LoginSession,
    Patient,
    Role,
    User,
)
from app.models.activity import CheckIn, DaySummary, ExerciseLog, Flag, Suggestion, SyncEvent
from app.models.library import (
    Exercise,
    ProgrammeTemplate,
    TemplatePhase,
    TemplatePrescription,
)
from app.models.outcomes import OutcomeInstrument, OutcomeMeasure, OutcomeSchedule
from app.models.programmes import (
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeStatus,
    ProgrammeVersion,
)

__all__ = [
    "Assessment",
    "AuditEvent",
    "CheckIn",
    "Clinic",
    "DaySummary",
    "Exercise",
    "ExerciseLog",
    "Flag",
    "Invite",
    "LoginSession",
    "OutcomeInstrument",
    "OutcomeMeasure",
    "OutcomeSchedule",
    "Patient",
    "Prescription",
    "Programme",
    "ProgrammePhase",
    "ProgrammeStatus",
    "ProgrammeTemplate",
    "ProgrammeVersion",
    "Role",
    "Suggestion",
    "SyncEvent",
    "TemplatePhase",
    "TemplatePrescription",
    "User",
]
