"""What patients log (ticks, check-ins, sync events) and what the app derives from it."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime


class SyncEvent(Base):
    """Every event a patient's phone sent, kept once by its client-made UUID (idempotency)."""

    __tablename__ = "sync_events"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # client UUID
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # tick, untick, sets, checkin
    local_date: Mapped[date]
    client_time: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16))  # applied | superseded
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class ExerciseLog(Base):
    """The state of one tick unit: a prescription line, on a day, in a session, on a side."""

    __tablename__ = "exercise_logs"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "local_date", "line_id", "session", "side"),
        sa.Index("ix_exercise_logs_patient_day", "patient_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    # The prescription ticked refers to the version it was done under.
    prescription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prescriptions.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int]
    local_date: Mapped[date]
    session: Mapped[int] = mapped_column(default=1)
    side: Mapped[str] = mapped_column(sa.String(8), default="both")  # both | left | right
    done: Mapped[bool] = mapped_column(default=True)
    sets_done: Mapped[int | None]
    # Reps done in each set, when the patient entered them (None: ticked as prescribed).
    reps_done: Mapped[list[int] | None] = mapped_column(sa.JSON)
    pain: Mapped[int | None]  # optional pain reported for this exercise, 0-10
    # Last-writer-wins by the phone's clock, so replayed or reordered events settle the same way.
    client_time: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CheckIn(Base):
    """Pain during a day's session, or the next morning's pain compared with usual."""

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "session_date", "kind"),
        sa.Index("ix_check_ins_patient_day", "patient_id", "session_date"),
        # The dashboard's unread notes: only check-ins with a note, newest first per patient.
        sa.Index(
            "ix_check_ins_patient_noted",
            "patient_id",
            "updated_at",
            sqlite_where=sa.text("note != ''"),
            postgresql_where=sa.text("note != ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    # The exercise day it is about (a morning check-in is entered the day after).
    session_date: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(8))  # during | morning | task
    pain: Mapped[int]
    usual_pain: Mapped[int | None]  # the baseline in force when a morning pain was given
    # The morning after: had the pain settled within 24 hours? (None: not answered)
    settled: Mapped[bool | None]
    # A task check-in (weekly): the phase's test task it rated, as the physio worded it then.
    test_task: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_versions.id", ondelete="SET NULL"), index=True
    )
    edits: Mapped[int] = mapped_column(default=0)
    client_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DaySummary(Base):
    """One patient-day, recomputed whenever that day's logs change: charts and dashboard read it."""

    __tablename__ = "day_summaries"
    __table_args__ = (sa.UniqueConstraint("patient_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_versions.id", ondelete="SET NULL"), index=True
    )
    due_units: Mapped[int] = mapped_column(default=0)
    done_units: Mapped[int] = mapped_column(default=0)
    during_pain: Mapped[int | None]
    morning_pain: Mapped[int | None]
    usual_pain: Mapped[int | None]
    max_exercise_pain: Mapped[int | None]
    settled: Mapped[bool | None]  # the next morning's "settled within 24 hours?" answer
    zone: Mapped[str | None] = mapped_column(sa.String(8))
    logged: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Suggestion(Base):
    """A plan-adjustment suggestion from the rules; the physio applies, edits or dismisses it."""

    __tablename__ = "suggestions"
    __table_args__ = (
        # Never the same pending suggestion twice.
        sa.Index(
            "uq_suggestions_pending",
            "patient_id",
            "dedupe_key",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_suggestions_patient_status", "patient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    # The version the rules read; applying is refused once the programme has moved on.
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_versions.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(16))  # progress | hold | regress | review
    rule: Mapped[str] = mapped_column(sa.String(48))
    window_start: Mapped[date]
    window_end: Mapped[date]
    numbers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str] = mapped_column(sa.Text)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Why a pending suggestion was superseded (decided_at says when): plan changed, logs moved.
    superseded_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    applied_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_versions.id", ondelete="SET NULL"), index=True
    )


class SuggestionRefresh(Base):
    """A patient whose suggestions the worker must work out again (one row per patient).

    The sync adds it in the transaction that stores the ticks, so a refresh is never lost;
    many syncs before the worker's next run make one row, so one refresh.
    """

    __tablename__ = "suggestion_refreshes"

    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    due_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Flag(Base):
    """Something the physio must see at once, such as a red pain day."""

    __tablename__ = "flags"
    __table_args__ = (sa.UniqueConstraint("patient_id", "kind", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(24))  # red_day
    local_date: Mapped[date]
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
