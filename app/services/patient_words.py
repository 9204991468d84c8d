"""The patient's words for their staff: check-in notes, messages, and who has read them.

"Read" is per staff member: a ReadMarker holds, for one staff member and one patient, when
they last read the notes and the messages; anything newer is unread for them. The patient's
own unread count (staff messages) is a counter on their row, so every page's navigation shows
it without a query. The dashboard's counts are two correlated subqueries of the caseload's
one patient statement (unread_columns), so they add no statement whatever the caseload size.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g

from app.domain.errors import Refused
from app.domain.localtime import utcnow
from app.domain.messages import RATE_WINDOW, message_error, rate_error
from app.extensions import db
from app.models import (
    CheckIn,
    Exercise,
    ExerciseLog,
    Message,
    Patient,
    Prescription,
    Programme,
    ProgrammeVersion,
    ReadMarker,
    User,
)
from app.models.types import UTCDateTime
from app.services import audit, bulk

THREAD_LENGTH = 50  # the newest messages a page shows
TIMELINE_DAYS = 28
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # before anything: "never read"


@dataclass(frozen=True)
class ThreadMessage:
    id: str
    from_patient: bool
    author: str  # the writer's name ("" when their account is gone)
    body: str
    created_at: datetime
    unread: bool = False  # new for the reader since they last opened the thread


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing on the patient page's timeline: a pain check-in or a plan change."""

    day: date
    kind: str  # during | morning | task | reps | plan
    title: str
    note: str = ""  # the patient's own words (check-ins) or the physio's reason (plan)
    unread: bool = False


@dataclass(frozen=True)
class TimelineDay:
    """A day of the timeline: its plan changes first, then its pain (during, next morning)."""

    day: date
    entries: list[TimelineEntry]

    @property
    def unread(self) -> int:
        return sum(e.unread for e in self.entries)


@dataclass(frozen=True)
class StaffWords:
    """What the patient page shows of the patient's words, as the reader found them."""

    timeline: list[TimelineDay]
    thread: list[ThreadMessage]
    unread_notes: int
    unread_messages: int


# ---------------------------------------------------------------------------------------------
# Reading


def thread(
    patient_id: int, read_before: datetime | None = None, *, for_staff: bool
) -> list[ThreadMessage]:
    """Return the newest THREAD_LENGTH messages of a patient's thread, oldest first (one query).

    A message is unread when the other side wrote it after read_before (None: never read).
    """
    rows = db.session.execute(
        sa.select(Message, User.name)
        .outerjoin(User, Message.author_id == User.id)
        .where(Message.patient_id == patient_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(THREAD_LENGTH)
    ).all()
    since = read_before or _EPOCH
    return [
        ThreadMessage(
            m.id,
            m.from_patient,
            name or "",
            m.body,
            m.created_at,
            unread=m.from_patient == for_staff and m.created_at > since,
        )
        for m, name in reversed(rows)
    ]


def timeline(patient_id: int, today: date, notes_read_at: datetime | None) -> list[TimelineDay]:
    """Return the last TIMELINE_DAYS of pain check-ins and plan changes, newest day first.

    Three statements: the check-ins (with the 24-hour answer and test task ratings), the
    reps the patient entered, and the versions of the patient's programmes.
    """
    first = today - timedelta(days=TIMELINE_DAYS - 1)
    since = notes_read_at or _EPOCH
    entries = []
    checkins = db.session.execute(
        sa.select(
            CheckIn.session_date,
            CheckIn.kind,
            CheckIn.pain,
            CheckIn.note,
            CheckIn.updated_at,
            CheckIn.settled,
            CheckIn.test_task,
        ).where(CheckIn.patient_id == patient_id, CheckIn.session_date >= first)
    )
    for day, kind, pain, note, updated_at, settled, task in checkins:
        entries.append(
            TimelineEntry(
                day,
                kind,
                _checkin_title(kind, pain, settled, task),
                note,
                unread=bool(note) and updated_at > since,
            )
        )
    reps = db.session.execute(
        sa.select(ExerciseLog.local_date, Exercise.name, ExerciseLog.side, ExerciseLog.reps_done)
        .join(Prescription, Prescription.id == ExerciseLog.prescription_id)
        .join(Exercise, Exercise.id == Prescription.exercise_id)
        .where(
            ExerciseLog.patient_id == patient_id,
            ExerciseLog.local_date >= first,
            ExerciseLog.done,
            ExerciseLog.reps_done.is_not(None),
        )
        .order_by(ExerciseLog.local_date, Exercise.name, ExerciseLog.session, ExerciseLog.side)
    )
    for day, name, side, done in reps:
        where = "" if side == "both" else f" ({side})"
        each = ", ".join(str(n) for n in done or ())
        entries.append(TimelineEntry(day, "reps", f"{name}{where}: reps per set {each}"))
    versions = db.session.execute(
        sa.select(
            ProgrammeVersion.effective_from,
            ProgrammeVersion.number,
            ProgrammeVersion.summary,
            ProgrammeVersion.change_kind,
            ProgrammeVersion.reason,
        )
        .join(Programme, Programme.id == ProgrammeVersion.programme_id)
        .where(Programme.patient_id == patient_id, ProgrammeVersion.effective_from >= first)
    )
    for day, number, summary, change_kind, reason in versions:
        title = f"Plan version {number}: {summary or change_kind}"
        entries.append(TimelineEntry(day, "plan", title, reason))
    order = {"plan": 0, "during": 1, "reps": 2, "morning": 3, "task": 4}
    days: dict[date, list[TimelineEntry]] = {}
    for entry in sorted(entries, key=lambda e: (-e.day.toordinal(), order[e.kind])):
        days.setdefault(entry.day, []).append(entry)
    return [TimelineDay(day, day_entries) for day, day_entries in days.items()]


def _checkin_title(kind: str, pain: int, settled: bool | None, task: str) -> str:
    """Return a check-in as the timeline says it, with the 24-hour answer when given."""
    if kind == "task":
        return f"Test task ({task}): pain {pain}/10"
    if kind == "during":
        return f"Pain {pain}/10 during exercise"
    answer = {True: "; settled within 24 hours", False: "; not settled within 24 hours"}
    return f"Pain {pain}/10 next morning{'' if settled is None else answer[settled]}"


def open_for_staff(reader: User, patient: Patient, today: date) -> StaffWords:
    """Read the patient's timeline and thread for a staff member, then mark both read.

    Four statements: the reader's marker, the check-ins, the plan changes and the thread;
    and one write (the marker), committed after the page renders, like the access audit.
    """
    now = utcnow()  # before reading: what arrives meanwhile stays unread
    marker = db.session.get(ReadMarker, (reader.id, patient.id))
    notes_read = marker.notes_read_at if marker else None
    messages_read = marker.messages_read_at if marker else None
    entries = timeline(patient.id, today, notes_read)
    messages = thread(patient.id, messages_read, for_staff=True)
    bulk.upsert(
        ReadMarker,
        [
            {
                "user_id": reader.id,
                "patient_id": patient.id,
                "notes_read_at": now,
                "messages_read_at": now,
            }
        ],
        keys=("user_id", "patient_id"),
    )
    _commit_after_response()
    return StaffWords(
        entries,
        messages,
        unread_notes=sum(day.unread for day in entries),
        unread_messages=sum(m.unread for m in messages),
    )


def open_for_patient(patient: Patient) -> list[ThreadMessage]:
    """Read the patient's own thread (one statement) and mark the staff's messages read.

    The newest unread_staff_messages of the staff's messages are the new ones.
    """
    left = patient.unread_staff_messages
    marked = []
    for message in reversed(thread(patient.id, None, for_staff=False)):
        is_new = not message.from_patient and left > 0
        left -= is_new
        marked.append(replace(message, unread=is_new))
    if patient.unread_staff_messages:
        patient.unread_staff_messages = 0
        _commit_after_response()
    return marked[::-1]


def _commit_after_response() -> None:
    # A read on a GET: committed by create_app's after-request hook once the page rendered,
    # as the audit of the same read is (audit.access_events_pending).
    g.audit_commit_pending = True


def unread_columns(user_id: int) -> tuple[sa.Label[Any], sa.Label[Any]]:
    """Return the caseload's unread notes and unread messages for one staff member, as two
    subqueries correlated to Patient (labelled unread_notes and unread_messages)."""
    marker = sa.orm.aliased(ReadMarker, name="reader_marker")

    def read_at(column: Any) -> Any:
        return sa.func.coalesce(
            sa.select(column)
            .where(marker.user_id == user_id, marker.patient_id == Patient.id)
            # Two levels down: auto-correlation looks only one level up and would read any
            # patient's marker here (so one page opened cleared every patient's counts).
            .correlate(Patient)
            .scalar_subquery(),
            sa.literal(_EPOCH, UTCDateTime()),
        )

    notes = (
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .where(
            CheckIn.patient_id == Patient.id,
            CheckIn.note != "",
            CheckIn.updated_at > read_at(marker.notes_read_at),
        )
        .scalar_subquery()
        .label("unread_notes")
    )
    messages = (
        sa.select(sa.func.count())
        .select_from(Message)
        .where(
            Message.patient_id == Patient.id,
            Message.from_patient.is_(True),
            Message.created_at > read_at(marker.messages_read_at),
        )
        .scalar_subquery()
        .label("unread_messages")
    )
    return notes, messages


# ---------------------------------------------------------------------------------------------
# Writing


def sent_recently(author_id: int, now: datetime) -> int:
    """Return how many messages the user wrote in the rate limit's window (one statement)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.author_id == author_id, Message.created_at > now - RATE_WINDOW)
        )
        or 0
    )


def refusal(body: str, sent_in_window: int) -> str | None:
    """Return why a message may not be sent (empty, too long, too many), or None."""
    return message_error(body) or rate_error(sent_in_window)


def message_row(
    patient: Patient,
    author_id: int,
    message_id: str,
    body: str,
    client_time: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Return a new message as the row to insert."""
    return {
        "id": message_id,
        "patient_id": patient.id,
        "author_id": author_id,
        "from_patient": author_id == patient.user_id,
        "body": body.strip(),
        "client_time": client_time,
        "created_at": now,
    }


def send_from_staff(actor: User, patient: Patient, message_id: str, body: str) -> bool:
    """Store a staff reply in the patient's thread; return False when that id was stored.

    The reply form's id makes a double submit harmless (the second one stores nothing).
    Refused (field "body") when empty, too long, or past the hourly rate limit.
    """
    now = utcnow()
    problem = refusal(body, sent_recently(actor.id, now))
    if problem:
        raise Refused({"body": problem})
    row = message_row(patient, actor.id, message_id, body, now, now)
    # RETURNING, not rowcount (which psycopg's pipelined executes do not report).
    inserted = db.session.scalar(
        bulk.insert_new_only(Message).values(**row).returning(bulk.table_of(Message).c.id)
    )
    if inserted is None:
        return False
    db.session.execute(
        sa.update(Patient)
        .where(Patient.id == patient.id)
        .values(unread_staff_messages=Patient.unread_staff_messages + 1)
    )
    audit.record(actor, "message.send", "patient", patient.id, patient_id=patient.id)
    return True
