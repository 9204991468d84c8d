"""A patient's programme, its immutable versions and their prescriptions."""

from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.library import DoseColumns, Exercise, PhaseColumns
from app.models.types import UTCDateTime


class ProgrammeStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class ActivePlan(NamedTuple):
    """What the hot paths read of a patient's active programme and its current version: which
    they are (keying the kept plan in force), when the programme starts, whether a phase has a
    test task, and the version numbers the plan-change notice compares (plans.active_plan)."""

    programme_id: int
    start_date: date
    has_test_tasks: bool
    seen_version_number: int | None
    version_id: int | None
    version_number: int | None
    version_made: datetime | None
    phase_position: int | None


class Programme(Base):
    """The physio's plan for one patient. Its content lives in versions; this row is the handle."""

    __tablename__ = "programmes"
    __table_args__ = (
        # At most one active programme per patient, enforced by the database itself.
        sa.Index(
            "uq_programmes_one_active",
            "patient_id",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_templates.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    start_date: Mapped[date]
    end_date: Mapped[date | None]  # set when archived
    status: Mapped[str] = mapped_column(sa.String(16), default=ProgrammeStatus.ACTIVE)
    # Denormalised pointer to the newest version: the hot paths need it in one hop.
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_versions.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version number the patient last said "Got it" to on the plan-change notice
    # (None: not yet; the plan as first given is not a change).
    seen_version_number: Mapped[int | None]
    # Whether any phase has a test task: the day page reads the phases only then.
    has_test_tasks: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    phases: Mapped[list["ProgrammePhase"]] = relationship(
        order_by="ProgrammePhase.position", cascade="all, delete-orphan"
    )
    current_version: Mapped["ProgrammeVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class ProgrammePhase(PhaseColumns, Base):
    """A phase copied from the template when the programme was made (then the physio's own)."""

    __tablename__ = "programme_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    # The task the patient rates each week to show the phase is ready (clinical.md s. 4).
    test_task: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")


class ProgrammeVersion(Base):
    """One state of a programme. Never edited: every change writes a new version."""

    __tablename__ = "programme_versions"
    __table_args__ = (sa.UniqueConstraint("programme_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    # The patient-local date from which this version is the plan.
    effective_from: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # created, dose, swap, add, remove, reorder, phase, thresholds, side, suggestion
    change_kind: Mapped[str] = mapped_column(sa.String(24))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    phase_position: Mapped[int] = mapped_column(default=0)
    affected_side: Mapped[str] = mapped_column(sa.String(8), default="both")
    # Pain thresholds (clinical.md section 2), per programme, defaults from PainThresholds.
    green_max_during: Mapped[int] = mapped_column(default=3)
    amber_max_during: Mapped[int] = mapped_column(default=5)
    amber_morning_rise: Mapped[int] = mapped_column(default=1)
    red_morning_rise: Mapped[int] = mapped_column(default=2)
    # Smallest pain change that matters, and the walk-run pain limit (clinical.md s. 2 and 6).
    # server_default: versions written before these settings existed get the defaults.
    mcid: Mapped[int] = mapped_column(default=2, server_default="2")
    walk_run_max_pain: Mapped[int] = mapped_column(default=2, server_default="2")
    # The other rule settings a physio changes for one patient (rule_settings.RuleSettings,
    # PROGRAMME_SETTINGS); server defaults are the clinic's, for versions written before.
    adherent_percent: Mapped[int] = mapped_column(default=80, server_default="80")
    low_adherence_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    silent_days: Mapped[int] = mapped_column(default=3, server_default="3")
    min_weeks_in_phase: Mapped[int] = mapped_column(default=2, server_default="2")
    stage_gate_pain: Mapped[int] = mapped_column(default=3, server_default="3")
    isotonic_reps_max: Mapped[int] = mapped_column(default=15, server_default="15")
    hold_max_seconds: Mapped[int] = mapped_column(default=60, server_default="60")
    load_step_kg: Mapped[float] = mapped_column(
        sa.Numeric(5, 2, asdecimal=False), default=0.5, server_default="0.5"
    )

    programme: Mapped[Programme] = relationship(foreign_keys=[programme_id])
    prescriptions: Mapped[list["Prescription"]] = relationship(
        back_populates="version", order_by="Prescription.position", cascade="all, delete-orphan"
    )


class Prescription(DoseColumns, Base):
    """An exercise and its dose within one programme version."""

    __tablename__ = "prescriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_versions.id", ondelete="CASCADE"), index=True
    )
    # Stable across versions: "the same line of the plan" even after a dose change or swap.
    line_id: Mapped[int]
    phase_position: Mapped[int] = mapped_column(default=0)
    position: Mapped[int]
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id"), index=True)
    load_kg: Mapped[float | None] = mapped_column(sa.Numeric(6, 2, asdecimal=False))
    load_text: Mapped[str | None] = mapped_column(sa.String(60))
    tempo: Mapped[str | None] = mapped_column(sa.String(20))
    days_of_week: Mapped[int | None]  # bit mask, Monday = 1 << 0
    times_per_week: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    version: Mapped[ProgrammeVersion] = relationship(back_populates="prescriptions")
    exercise: Mapped[Exercise] = relationship()
