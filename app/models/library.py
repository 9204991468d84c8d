"""Exercises (library and clinic-made) and condition templates."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.dose import Dose
from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime


class DoseColumns:
    """The dose of an exercise, shared by library defaults, templates and prescriptions."""

    sets: Mapped[int] = mapped_column(default=1)
    reps: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    duration_seconds: Mapped[int | None]
    rest_seconds: Mapped[int] = mapped_column(default=60)
    side: Mapped[str] = mapped_column(sa.String(8), default="both")  # both | left | right | each
    times_per_day: Mapped[int] = mapped_column(default=1)

    @property
    def dose(self) -> Dose:
        """Return the row's dose (a line's load, tempo and days too, where it has them)."""
        return Dose.of(self)


class PhaseColumns:
    """A phase of a template or a programme: its order, goal and the criteria to move on."""

    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    goal: Mapped[str] = mapped_column(sa.Text, default="")
    typical_weeks: Mapped[int] = mapped_column(default=2)
    criteria: Mapped[str] = mapped_column(sa.Text, default="")


class Exercise(DoseColumns, Base):
    """One exercise. clinic_id is NULL for the shipped library, set for a clinic's own."""

    __tablename__ = "exercises"
    __table_args__ = (sa.Index("ix_exercises_filter", "archived", "category", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    category: Mapped[str] = mapped_column(sa.String(16))
    body_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    target_muscles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    equipment: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    position: Mapped[str] = mapped_column(sa.String(32))
    level: Mapped[int]
    # A return-to-running line (clinical.md s. 6): a walk-run level or the continuous run
    # that ends them. Set from the library file's `walk_run`; clinic-made exercises never are.
    walk_run: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A return-to-running readiness test (clinical.md s. 6: single-leg squat, side plank,
    # step-ups, hops): its pain, below the stage gate, is an entry criterion for walk-run.
    readiness_test: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The demonstration figure's keyframes, from the library file's `figure:` block
    # (app/domain/figures.py); None for clinic-made exercises, which show no figure.
    figure: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    times_per_week: Mapped[int] = mapped_column(default=3)
    steps: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    cues: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    faults: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # [{"text": ..., "conditions": [...]}]
    cautions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    regression_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="SET NULL"), index=True
    )
    progression_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exercises.id", ondelete="SET NULL"), index=True
    )
    # Lower-cased name, steps, cues and muscles, plus "|tag|" lists, so search and
    # filters are one indexed-table scan with LIKE on both databases.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[str] = mapped_column(sa.Text, default="")
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    archived: Mapped[bool] = mapped_column(default=False)
    # How many photos and videos the clinic attached (services.media keeps it): read with the
    # exercise, so a card without any asks the media table nothing.
    media_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    regression: Mapped["Exercise | None"] = relationship(
        foreign_keys=[regression_id], remote_side=[id]
    )
    progression: Mapped["Exercise | None"] = relationship(
        foreign_keys=[progression_id], remote_side=[id]
    )

    @property
    def is_custom(self) -> bool:
        return self.clinic_id is not None


class ProgrammeTemplate(Base):
    """A condition template: phases of prescriptions a physio starts a programme from."""

    __tablename__ = "programme_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    condition: Mapped[str | None] = mapped_column(sa.String(64))  # None: not condition-specific
    description: Mapped[str] = mapped_column(sa.Text, default="")
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    phases: Mapped[list["TemplatePhase"]] = relationship(
        back_populates="template", order_by="TemplatePhase.position", cascade="all, delete-orphan"
    )


class TemplatePhase(PhaseColumns, Base):
    __tablename__ = "template_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_templates.id", ondelete="CASCADE"), index=True
    )

    template: Mapped[ProgrammeTemplate] = relationship(back_populates="phases")
    prescriptions: Mapped[list["TemplatePrescription"]] = relationship(
        back_populates="phase",
        order_by="TemplatePrescription.position",
        cascade="all, delete-orphan",
    )


class TemplatePrescription(DoseColumns, Base):
    __tablename__ = "template_prescriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(
        sa.ForeignKey("template_phases.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id"), index=True)
    load_kg: Mapped[float | None] = mapped_column(sa.Numeric(6, 2, asdecimal=False))
    load_text: Mapped[str | None] = mapped_column(sa.String(60))
    tempo: Mapped[str | None] = mapped_column(sa.String(20))
    days_of_week: Mapped[int | None]  # bit mask, Monday = 1 << 0
    times_per_week: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    phase: Mapped[TemplatePhase] = relationship(back_populates="prescriptions")
    exercise: Mapped[Exercise] = relationship()
