"""The database models, one module per part of the product."""

from app.models.accounts import (
    Assessment,
    AuditEvent,
    Clinic,
    Invite,
    LoginSession,
    Patient,
    RateLimitCounter,
    Role,
    User,
)
from app.models.activity import (
    CheckIn,
    DaySummary,
    ExerciseLog,
    Flag,
    Suggestion,
    SuggestionRefresh,
    SyncEvent,
)
from app.models.library import (
    Exercise,
    ProgrammeTemplate,
    TemplatePhase,
    TemplatePrescription,
)
from app.models.media import Media
from app.models.messages import Message, ReadMarker
from app.models.outcomes import OutcomeInstrument, OutcomeMeasure, OutcomeSchedule
from app.models.programmes import (
    ActivePlan,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeStatus,
    ProgrammeVersion,
)
from app.models.reminders import CalendarFeed, PushSubscription, ReminderSend, ReminderSetting

__all__ = [
    "ActivePlan",
    "Assessment",
    "AuditEvent",
    "CalendarFeed",
    "CheckIn",
    "Clinic",
    "DaySummary",
    "Exercise",
    "ExerciseLog",
    "Flag",
    "Invite",
    "LoginSession",
    "Media",
    "Message",
    "OutcomeInstrument",
    "OutcomeMeasure",
    "OutcomeSchedule",
    "Patient",
    "Prescription",
    "RateLimitCounter",
    "Programme",
    "ProgrammePhase",
    "ProgrammeStatus",
    "ProgrammeTemplate",
    "ProgrammeVersion",
    "PushSubscription",
    "ReadMarker",
    "ReminderSend",
    "ReminderSetting",
    "Role",
    "Suggestion",
    "SuggestionRefresh",
    "SyncEvent",
    "TemplatePhase",
    "TemplatePrescription",
    "User",
]
