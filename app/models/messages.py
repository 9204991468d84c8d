"""Messages between a patient and their staff, and how far each reader has read."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.localtime import utcnow
from app.extensions import Base
from app.models.types import UTCDateTime


class Message(Base):
    """One message in a patient's thread, from the patient or from their staff."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_patient_created", "patient_id", "created_at"),)

    # The UUID the phone (or the reply form) made: a resent message is stored once.
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    from_patient: Mapped[bool]
    body: Mapped[str] = mapped_column(sa.Text)
    client_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadMarker(Base):
    """How far one staff member has read a patient's notes and messages (their unread counts).

    A last-read time per staff member and patient: anything newer is unread for them.
    """

    __tablename__ = "read_markers"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    notes_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    messages_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
