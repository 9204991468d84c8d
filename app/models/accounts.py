"""Clinics, staff and patient accounts, invites and assessments."""

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime

if TYPE_CHECKING:
    from app.models.programmes import ActivePlan, Programme


class Role(StrEnum):
    PHYSIO = "physio"
    ADMIN = "admin"  # clinic admin: sees every patient of the clinic
    PATIENT = "patient"


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(120))
    # What the person types to log in: their email, or a generated username when they have none.
    login: Mapped[str] = mapped_column(sa.String(254), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinic: Mapped[Clinic] = relationship()
    # A patient account's own record; loaded with the user on each request (see load_user).
    patient: Mapped["Patient | None"] = relationship(
        primaryjoin="User.id == Patient.user_id", uselist=False, viewonly=True
    )

    # Not a column: the token of the login session this object was loaded for (LoginSession).
    __allow_unmapped__ = True
    session_token: str | None = None

    def get_id(self) -> str:
        """Return what Flask-Login keeps in the session cookie: the account and its login."""
        if self.session_token is None:
            raise RuntimeError("Start a login session (accounts.start_session) first.")
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active and self.password_hash is not None

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.PHYSIO, Role.ADMIN)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    physio_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    date_of_birth: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    condition: Mapped[str] = mapped_column(sa.String(64))
    affected_side: Mapped[str] = mapped_column(sa.String(8))  # left, right, both, none
    goal: Mapped[str] = mapped_column(sa.Text, default="")
    # The patient's usual morning pain (0-10): the baseline for the 24-hour rule.
    usual_pain: Mapped[int | None]
    # Staff messages the patient has not opened yet: kept here, so every page's navigation
    # shows the count without a query (the patient row comes with the signed-in user).
    unread_staff_messages: Mapped[int] = mapped_column(default=0, server_default="0")
    # The earliest unanswered outcome questionnaire's due date (services.outcomes keeps it):
    # the today page and the dashboard read it from the patient row, no extra statement.
    outcome_due_on: Mapped[date | None]
    # How many photos and videos were recorded for this patient (services.media keeps it):
    # a day page without any asks the media table nothing.
    media_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    physio: Mapped[User] = relationship(foreign_keys=[physio_id])
    # The one active programme (a partial unique index keeps it to one). Loaded with the
    # signed-in patient, it tells activity.load_plan which plan versions are in force.
    active_programme: Mapped["Programme | None"] = relationship(
        primaryjoin="and_(Programme.patient_id == Patient.id, Programme.status == 'active')",
        uselist=False,
        viewonly=True,
    )

    # Not a column: the active plan as the signed-in patient's own statement read it, in a
    # 1-tuple ((None,): no active programme); None: not read with the patient (plans.active_plan).
    __allow_unmapped__ = True
    plan_read: "tuple[ActivePlan | None] | None" = None

    @property
    def name(self) -> str:
        return self.user.name


class LoginSession(Base):
    """One signed-in browser or phone: the cookie holds its token, this table its hash.

    Logging out deletes the row, so a copied cookie stops working at once; a password change
    deletes every row of the account; a row older than LOGIN_SESSION_DAYS no longer counts.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Last request seen (to within LOGIN_TOUCH_MINUTES): idle longer than the role's
    # LOGIN_IDLE_HOURS_* and the session no longer counts.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateLimitCounter(Base):
    """One fixed-window rate-limit counter (app/rate_limits.py), shared by every worker."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(sa.Integer)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)  # Unix time, as limits uses


class Invite(Base):
    """A one-time link and short code that lets a patient set their password."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Only hashes are stored: a leaked table cannot be used to take over accounts.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Assessment(Base):
    """An initial assessment or a reassessment, recorded by the physio."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id"), index=True)
    physio_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # initial | reassessment
    assessed_on: Mapped[date]
    findings: Mapped[str] = mapped_column(sa.Text)
    baseline_pain: Mapped[int]
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    physio: Mapped[User] = relationship()


class AuditEvent(Base):
    """Who did what to which record, and when. Holds no health data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int | None]
    # Not a foreign key on purpose: the audit trail outlives a deleted patient.
    patient_ref: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
