"""Outcome questionnaires: the instruments, each patient's schedule and their answered measures."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime


class OutcomeInstrument(Base):
    """A questionnaire synced from exercise_library/outcomes, with any licensed wording loaded."""

    __tablename__ = "outcome_instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(16), unique=True)  # psfs, lefs, ihot12, hagos
    name: Mapped[str] = mapped_column(sa.String(120))
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the file's content
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # A clinic's licensed item wording (`flask outcomes load FILE`): prompt, anchors, items.
    wording: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    wording_loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutcomeSchedule(Base):
    """Which questionnaire a patient answers and how often (every N weeks, or once)."""

    __tablename__ = "outcome_schedules"
    __table_args__ = (sa.UniqueConstraint("patient_id", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(sa.String(16))
    every_weeks: Mapped[int | None]  # None: only the measures asked for by hand
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutcomeMeasure(Base):
    """One questionnaire due for a patient, and once answered its raw answers and score.

    Answers are kept raw, one per item in the instrument's order (null when left out), with
    the instrument file's hash: enough to build a FHIR QuestionnaireResponse later (item
    keys -> linkId, answers -> valueInteger). The score is a cache of the domain's scoring.
    """

    __tablename__ = "outcome_measures"
    __table_args__ = (sa.Index("ix_outcome_measures_patient_due", "patient_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    schedule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outcome_schedules.id", ondelete="SET NULL"), index=True
    )
    instrument: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(16))  # baseline | repeat | discharge
    due_on: Mapped[date]
    # The baseline is attached to the assessment it belongs to.
    assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="SET NULL"), index=True
    )
    answered_on: Mapped[date | None]  # the patient-local day it was answered
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    activities: Mapped[list[Any] | None] = mapped_column(sa.JSON)  # PSFS: the named activities
    score: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    instrument_hash: Mapped[str | None] = mapped_column(sa.String(64))
    licensed_wording: Mapped[bool] = mapped_column(default=False)  # what the patient was shown
    event_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
