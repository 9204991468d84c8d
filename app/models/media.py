"""Photos and videos the clinic attaches: to one of its exercises, or to one patient's line."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime


class Media(Base):
    """One stored file. Either exercise_id is set (the clinic's exercise, seen by everyone who
    sees that exercise) or patient_id, programme_id and line_id are (one patient's plan line,
    "recorded in clinic today": health data, seen only by that patient and their staff).

    The file lives in MEDIA_FOLDER under stored_name, a random name; the user's file name is
    never used on disk nor kept.
    """

    __tablename__ = "media"
    __table_args__ = (
        sa.CheckConstraint(
            "(exercise_id IS NULL) <> (patient_id IS NULL)", name="exercise_or_patient"
        ),
        sa.CheckConstraint(
            "(patient_id IS NULL) = (line_id IS NULL) AND (patient_id IS NULL) = "
            "(programme_id IS NULL)",
            name="patient_line_complete",
        ),
        sa.Index("ix_media_programme_line", "programme_id", "line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    exercise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exercises.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patients.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programmes.id"))
    line_id: Mapped[int | None]  # the plan line (Prescription.line_id), stable across versions
    kind: Mapped[str] = mapped_column(sa.String(8))  # photo | video
    content_type: Mapped[str] = mapped_column(sa.String(32))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size_bytes: Mapped[int]
    width: Mapped[int | None]  # photos: after re-encoding
    height: Mapped[int | None]
    description: Mapped[str] = mapped_column(sa.String(200))  # the alt text staff write
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_video(self) -> bool:
        return self.kind == "video"
