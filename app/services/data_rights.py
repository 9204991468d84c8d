"""A patient's data rights: download everything we hold about them, or delete it all.

Their photos and videos ("recorded in clinic", app/services/media.py) are in both: listed in
the download's media table, the files themselves in the zip; deleted with the rest, the
files once the deletion is committed.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.deferred import defer
from app.domain.localtime import utcnow
from app.domain.media import EXTENSIONS
from app.extensions import db
from app.models import (
    Assessment,
    AuditEvent,
    CalendarFeed,
    CheckIn,
    DaySummary,
    ExerciseLog,
    Flag,
    Invite,
    LoginSession,
    Media,
    Message,
    OutcomeMeasure,
    OutcomeSchedule,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
    PushSubscription,
    ReadMarker,
    ReminderSend,
    ReminderSetting,
    Suggestion,
    SuggestionRefresh,
    SyncEvent,
    User,
)
from app.services import media

EXPORT_FORMAT_VERSION = 1

# Tables whose rows belong to one patient, in the order delete_patient() removes them
# (children before parents). A test checks that every table with a foreign key to patients
# or users is either here or listed in SHARED_TABLES, so a new table cannot be forgotten.
PATIENT_TABLES: tuple[str, ...] = (
    "messages",
    "read_markers",
    "exercise_logs",
    "check_ins",
    "day_summaries",
    "sync_events",
    "suggestions",
    "suggestion_refreshes",
    "flags",
    "outcome_measures",
    "outcome_schedules",
    "media",
    "reminder_sends",
    "push_subscriptions",
    "reminder_settings",
    "calendar_feeds",
    "prescriptions",
    "programme_versions",
    "programme_phases",
    "programmes",
    "assessments",
    "invites",
    "login_sessions",
    "patients",
    "users",
)
# Tables that point at users but hold clinic records, not a patient's data: a deleted
# patient's id is cleared from them (set to NULL) rather than the row deleted.
# audit_events keeps patient_ref as a bare integer (no foreign key, no health data) so the
# clinic can still see that records were accessed and deleted, and by whom.
SHARED_TABLES: tuple[str, ...] = (
    "audit_events",
    "exercises",
    "programme_templates",
)


def _row(obj: Any, columns: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


def _plain(value: Any) -> Any:
    """Turn a column value into something JSON and CSV can hold."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _columns(model: Any) -> list[str]:
    return [column.key for column in sa.inspect(model).columns]


def _all(model: Any, *where: Any, order: Any = None) -> list[Any]:
    stmt = sa.select(model).where(*where)
    order_by = (order,) if order is not None else sa.inspect(model).primary_key
    return list(db.session.scalars(stmt.order_by(*order_by)))


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------

# Columns never handed out, even to the owner: secrets and internal counters.
_PRIVATE_USER_COLUMNS = {"password_hash"}


def export_patient(patient: Patient) -> dict[str, Any]:
    """Everything stored about a patient, as plain JSON-ready data (one list per table)."""
    user = patient.user
    programmes = _all(Programme, Programme.patient_id == patient.id)
    programme_ids = [p.id for p in programmes]
    versions = _all(ProgrammeVersion, ProgrammeVersion.programme_id.in_(programme_ids))
    version_ids = [v.id for v in versions]
    prescriptions = _all(Prescription, Prescription.version_id.in_(version_ids))
    phases = _all(ProgrammePhase, ProgrammePhase.programme_id.in_(programme_ids))
    mine: dict[str, Any] = {
        "assessments": Assessment,
        "exercise_logs": ExerciseLog,
        "check_ins": CheckIn,
        "day_summaries": DaySummary,
        "sync_events": SyncEvent,
        "suggestions": Suggestion,
        "flags": Flag,
        "messages": Message,
        "read_markers": ReadMarker,
        "outcome_schedules": OutcomeSchedule,
        "outcome_measures": OutcomeMeasure,
        "reminder_settings": ReminderSetting,
        "push_subscriptions": PushSubscription,
        "reminder_sends": ReminderSend,
    }
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": [
            {
                **_row(patient, _columns(Patient)),
                "name": user.name,
                "login": user.login,
                "email": user.email,
                "physio_name": patient.physio.name,
                "clinic_name": user.clinic.name,
            }
        ],
        "account": [_row(user, [c for c in _columns(User) if c not in _PRIVATE_USER_COLUMNS])],
        "programmes": [_row(p, _columns(Programme)) for p in programmes],
        "programme_phases": [_row(p, _columns(ProgrammePhase)) for p in phases],
        "programme_versions": [_row(v, _columns(ProgrammeVersion)) for v in versions],
        "prescriptions": [_row(p, _columns(Prescription)) for p in prescriptions],
    }
    for name, model in mine.items():
        rows = _all(model, model.patient_id == patient.id)
        data[name] = [_row(row, _columns(model)) for row in rows]
    data["media"] = [
        {**_row(m, _MEDIA_COLUMNS), "file": media_file_name(m)}
        for m in media.of_patient(patient.id)
    ]
    return data


# A media row as the patient reads it: the random name on disk is the clinic's business.
_MEDIA_COLUMNS = (
    "id", "programme_id", "line_id", "kind", "content_type", "description", "size_bytes",
    "width", "height", "created_at",
)  # fmt: skip


def media_file_name(item: Media) -> str:
    """Where a photo or video is inside the zip download: media/<kind>-<id>.<ext>."""
    return f"media/{item.kind}-{item.id}.{EXTENSIONS[item.content_type]}"


def media_files(patient: Patient) -> dict[str, Path]:
    """The patient's own photos and videos for the zip: name in the zip -> file on disk."""
    return {media_file_name(m): media.path_of(m) for m in media.of_patient(patient.id)}


def export_tables(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The list-valued sections of an export: one table each."""
    return {name: rows for name, rows in data.items() if isinstance(rows, list)}


def export_zip_of_csv(data: dict[str, Any], files: dict[str, Path] | None = None) -> bytes:
    """The export as a zip holding one CSV file per table (header row even when empty), and
    the files (the patient's photos and videos) under their names, stored as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in export_tables(data).items():
            text = io.StringIO()
            fields = list(rows[0]) if rows else []
            writer = csv.DictWriter(text, fieldnames=fields, lineterminator="\r\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _csv_cell(value) for key, value in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
        for arcname, path in (files or {}).items():
            if path.is_file():  # already compressed: stored, not deflated again
                archive.write(path, arcname, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "README.txt",
            "Your Stride data, one CSV file per table. Dates are ISO 8601; times are UTC.\n"
            "Photos and videos your clinic recorded for you are in the media folder; "
            "media.csv lists them.\n"
            f"Exported at {data['exported_at']}.\n",
        )
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # Spreadsheets run cells that start like a formula: keep them text.
        return "'" + value
    return value


# ---------------------------------------------------------------------------
# Deletion
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting a patient removes: ids per table, so the page can show counts first."""

    patient_id: int
    user_id: int
    programme_ids: list[int]
    version_ids: list[int]
    counts: dict[str, int]


def deletion_plan(patient: Patient) -> DeletionPlan:
    """Count the rows a deletion would remove, table by table."""
    programme_ids = list(
        db.session.scalars(sa.select(Programme.id).where(Programme.patient_id == patient.id))
    )
    version_ids = list(
        db.session.scalars(
            sa.select(ProgrammeVersion.id).where(ProgrammeVersion.programme_id.in_(programme_ids))
        )
    )

    def count(model: type, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    counts = {
        "messages": count(Message, Message.patient_id == patient.id),
        "read_markers": count(ReadMarker, ReadMarker.patient_id == patient.id),
        "exercise_logs": count(ExerciseLog, ExerciseLog.patient_id == patient.id),
        "check_ins": count(CheckIn, CheckIn.patient_id == patient.id),
        "day_summaries": count(DaySummary, DaySummary.patient_id == patient.id),
        "sync_events": count(SyncEvent, SyncEvent.patient_id == patient.id),
        "suggestions": count(Suggestion, Suggestion.patient_id == patient.id),
        "flags": count(Flag, Flag.patient_id == patient.id),
        "outcome_measures": count(OutcomeMeasure, OutcomeMeasure.patient_id == patient.id),
        "outcome_schedules": count(OutcomeSchedule, OutcomeSchedule.patient_id == patient.id),
        "media": count(Media, Media.patient_id == patient.id),
        "prescriptions": count(Prescription, Prescription.version_id.in_(version_ids)),
        "programme_versions": len(version_ids),
        "programme_phases": count(ProgrammePhase, ProgrammePhase.programme_id.in_(programme_ids)),
        "programmes": len(programme_ids),
        "assessments": count(Assessment, Assessment.patient_id == patient.id),
        "invites": count(Invite, Invite.user_id == patient.user_id),
        "login_sessions": count(LoginSession, LoginSession.user_id == patient.user_id),
        "patients": 1,
        "users": 1,
    }
    return DeletionPlan(
        patient_id=patient.id,
        user_id=patient.user_id,
        programme_ids=programme_ids,
        version_ids=version_ids,
        counts=counts,
    )


def delete_patient(patient: Patient) -> DeletionPlan:
    """Delete a patient, their account and all their data, children first; returns the counts.

    Runs in the caller's transaction (the view commits after writing the audit event).
    Bulk deletes on purpose: no relying on ORM cascades or database ON DELETE rules, so the
    order is the same on SQLite and PostgreSQL and visible here.
    """
    plan = deletion_plan(patient)
    account = patient.user
    patient_id, user_id = plan.patient_id, plan.user_id
    programme_ids, version_ids = plan.programme_ids, plan.version_ids
    db.session.flush()

    def delete(model: type, *where: Any) -> None:
        db.session.execute(
            sa.delete(model).where(*where), execution_options={"synchronize_session": False}
        )

    delete(Message, Message.patient_id == patient_id)
    delete(ReadMarker, ReadMarker.patient_id == patient_id)
    delete(ExerciseLog, ExerciseLog.patient_id == patient_id)
    delete(CheckIn, CheckIn.patient_id == patient_id)
    delete(DaySummary, DaySummary.patient_id == patient_id)
    delete(SyncEvent, SyncEvent.patient_id == patient_id)
    delete(Suggestion, Suggestion.patient_id == patient_id)
    delete(SuggestionRefresh, SuggestionRefresh.patient_id == patient_id)
    delete(Flag, Flag.patient_id == patient_id)
    delete(OutcomeMeasure, OutcomeMeasure.patient_id == patient_id)
    delete(OutcomeSchedule, OutcomeSchedule.patient_id == patient_id)
    # Their photos and videos: the rows now, the files once this deletion is committed.
    stored_names = list(
        db.session.scalars(sa.select(Media.stored_name).where(Media.patient_id == patient_id))
    )
    delete(Media, Media.patient_id == patient_id)
    defer(media.sweep, stored_names)
    for reminder_table in (ReminderSend, PushSubscription, ReminderSetting, CalendarFeed):
        delete(reminder_table, reminder_table.patient_id == patient_id)
    # The programme points at its newest version and versions point at the programme.
    db.session.execute(
        sa.update(Programme).where(Programme.id.in_(programme_ids)).values(current_version_id=None),
        execution_options={"synchronize_session": False},
    )
    delete(Prescription, Prescription.version_id.in_(version_ids))
    delete(ProgrammeVersion, ProgrammeVersion.id.in_(version_ids))
    delete(ProgrammePhase, ProgrammePhase.programme_id.in_(programme_ids))
    delete(Programme, Programme.id.in_(programme_ids))
    delete(Assessment, Assessment.patient_id == patient_id)
    delete(Invite, Invite.user_id == user_id)
    delete(LoginSession, LoginSession.user_id == user_id)
    # Audit rows the patient made (their logins) stay, without the link to the account.
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None),
        execution_options={"synchronize_session": False},
    )
    delete(Patient, Patient.id == patient_id)
    delete(User, User.id == user_id)
    # The loaded objects now describe rows that are gone: keep them out of later flushes.
    for obj in (account, patient):
        if obj in db.session:
            db.session.expunge(obj)
    return plan
