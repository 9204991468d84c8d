"""Reminders: what the patient chose, their phones' push subscriptions, each reminder sent,
and the private calendar feed."""

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.localtime import utcnow
from app.domain.reminders import DEFAULT_EVENING
from app.extensions import Base
from app.models.types import UTCDateTime


class ReminderSetting(Base):
    """A patient's reminder choice (no row: reminders off, the plan's times)."""

    __tablename__ = "reminder_settings"

    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    # "09:00,18:00"; NULL follows the plan's times per day (domain.reminders.default_times).
    times: Mapped[str | None] = mapped_column(sa.String(32))
    evening_nudge: Mapped[bool] = mapped_column(default=False)
    evening_time: Mapped[time] = mapped_column(default=DEFAULT_EVENING)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PushSubscription(Base):
    """One phone or browser that agreed to receive the patient's reminders (Web Push)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    # The push service's URL for this browser; it is the subscription's identity.
    endpoint: Mapped[str] = mapped_column(sa.String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(128))  # the browser's public key
    auth: Mapped[str] = mapped_column(sa.String(64))  # its authentication secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderSend(Base):
    """One reminder of a patient, slot and local date: the worker's job, made once.

    The unique key is what keeps a reminder to one even with two workers, or after a crash:
    the row is inserted with ON CONFLICT DO NOTHING, then claimed by a conditional UPDATE.
    """

    __tablename__ = "reminder_sends"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "slot", "local_date"),
        sa.Index("ix_reminder_sends_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    slot: Mapped[str] = mapped_column(sa.String(8))  # "09:00" or "evening"
    local_date: Mapped[date]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # pending -> sent | gone (no subscription left) | failed (gave up) | skipped (day done)
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A worker that claimed the row holds it until then; after a crash another takes it over.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(120))


class CalendarFeed(Base):
    """A patient's private calendar link: only the HMAC of its token is kept."""

    __tablename__ = "calendar_feeds"

    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
