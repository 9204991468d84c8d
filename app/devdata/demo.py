"""Demo data for a first run: a clinic, its staff, three patients and six weeks of history.

The history is made through the app's own services (assign a programme, commit a change,
refresh the day summaries and the suggestions), so the demo shows what the app computes.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.domain.cautions import not_advised_for
from app.domain.localtime import local_today, utcnow
from app.domain.schedule import DueItem
from app.extensions import db
from app.models import (
    CheckIn,
    Clinic,
    Exercise,
    ExerciseLog,
    Flag,
    Message,
    Patient,
    Prescription,
    Programme,
    ProgrammeTemplate,
    ProgrammeVersion,
    Role,
    SyncEvent,
    User,
)
from app.services import activity, programmes, suggestions
from app.services.passwords import hash_password
from app.services.plans import due_for_patient_between

DEMO_PASSWORD = "stride-demo"
DEMO_LOGINS = [
    ("physio@example.com", "physio"),
    ("admin@example.com", "clinic admin"),
    ("patient@example.com", "patient (improving steadily)"),
    ("flare@example.com", "patient (flare-up after a progression)"),
    ("quiet@example.com", "patient (dropped off)"),
]
# login, name, date of birth, condition, affected side, goal, usual pain
DEMO_PATIENTS = (
    ("patient@example.com", "Sam Taylor", date(1988, 4, 12), "gluteal-tendinopathy", "right",
     "Run 10 km pain-free by spring", 2),
    ("flare@example.com", "Jo Rivera", date(1979, 9, 3), "fai", "left",
     "Get back to weekend park runs", 3),
    ("quiet@example.com", "Chris Okafor", date(1995, 1, 27), "adductor-groin-pain", "right",
     "Play five-a-side football again", 1),
)  # fmt: skip


def demo_exists() -> bool:
    """Tell whether the demo clinic has been seeded already."""
    return (
        db.session.scalar(sa.select(User.id).where(User.login == "physio@example.com")) is not None
    )


def seed_demo() -> None:
    """Create the demo clinic, staff and patients (the caller checks it is not there yet)."""
    password_hash = hash_password(DEMO_PASSWORD)
    clinic = Clinic(name="Riverside Physiotherapy (demo)")
    db.session.add(clinic)
    db.session.flush()

    def user(email: str, name: str, role: Role) -> User:
        account = User(
            clinic_id=clinic.id,
            role=role,
            name=name,
            login=email,
            email=email,
            password_hash=password_hash,
        )
        db.session.add(account)
        return account

    physio = user("physio@example.com", "Priya Shah", Role.PHYSIO)
    user("admin@example.com", "Alex Morgan", Role.ADMIN)
    db.session.flush()
    for email, name, dob, condition, side, goal, usual in DEMO_PATIENTS:
        db.session.add(
            Patient(
                user=User(
                    clinic_id=clinic.id,
                    role=Role.PATIENT,
                    name=name,
                    login=email,
                    email=email,
                    password_hash=password_hash,
                ),
                clinic_id=clinic.id,
                physio_id=physio.id,
                date_of_birth=dob,
                timezone="Europe/London",
                condition=condition,
                affected_side=side,
                goal=goal,
                usual_pain=usual,
            )
        )
    db.session.flush()
    seed_history()
    from app.devdata.demo_outcomes import seed_outcomes

    seed_outcomes()


# --- Six weeks of history (so charts, flags and suggestions show something on first run) ----

HISTORY_DAYS = 42
DEMO_SEED = 20240601
RED_FLAGS_SEEN_AFTER_DAYS = 7  # red days of past weeks were seen at the time
# patient login -> (template slug, fallback exercise slugs, story)
DEMO_PLANS = {
    "patient@example.com": (
        "gluteal-tendinopathy",
        ["supine-isometric-abduction", "bridge", "sit-to-stand"],
        "improving",
    ),
    "flare@example.com": ("hip-pain-runners", ["clamshell", "bridge", "squat"], "flare"),
    "quiet@example.com": (
        "adductor-groin-pain",
        ["ball-squeeze", "bridge", "dead-bug"],
        "dropped_off",
    ),
}


DEMO_NOTE_FROM_PAIN = 6  # the flare patient writes on their red days
DEMO_PAIN_NOTES = {
    "during": "Sharp on the outside of the hip in the second set, so I stopped there.",
    "morning": "Stiff getting out of bed, eased after a few minutes of walking.",
}
DEMO_MESSAGE = "My hip flared up after a long walk at the weekend. Should I keep doing the clams?"


@dataclass
class _Story:
    """One demo patient's six weeks: who, which story, and the days they cover."""

    physio: User
    patient: Patient
    story: str
    today: date
    rng: Random

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.patient.timezone)

    @property
    def start(self) -> date:
        return self.today - timedelta(days=HISTORY_DAYS)

    @property
    def change_day(self) -> date | None:
        """The day of the story's one progression (none for the patient who drops off)."""
        return {
            "improving": self.start + timedelta(days=21),
            "flare": self.today - timedelta(days=12),
            "dropped_off": None,
        }[self.story]

    def at(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), self.zone)

    def event_id(self) -> str:
        return str(UUID(int=self.rng.getrandbits(128), version=4))


def seed_history(today: date | None = None) -> None:
    """Give each demo patient a programme and six weeks of logs, summaries and suggestions.

    Deterministic: the same seed gives the same history relative to today.
    """
    rng = Random(DEMO_SEED)
    physio = db.session.scalar(sa.select(User).where(User.login == "physio@example.com"))
    assert physio is not None
    for login, (template_slug, fallback, story) in DEMO_PLANS.items():
        patient = db.session.scalar(
            sa.select(Patient).join(User, Patient.user_id == User.id).where(User.login == login)
        )
        if patient is None:
            continue
        told = _Story(physio, patient, story, today or local_today(patient.timezone), rng)
        programme = _assign(told, template_slug, fallback)
        _progress_once(told, programme)
        db.session.flush()
        days = _log_history(told, programme)
        db.session.flush()
        activity.refresh_day_summaries(patient, days)  # which flags the red days
        _resolve_old_flags(told)
        suggestions.refresh_for_patient(patient, told.today)
        if story == "flare":
            _ask_the_physio(told)
    db.session.flush()


def _ask_the_physio(told: _Story) -> None:
    """A message from the patient whose pain flared, as the phone would have sent it."""
    # This morning at 7, or half an hour ago before then: a message is never from the future
    # (seeded between midnight and 7 it would sort after every message written since).
    when = min(told.at(told.today, 7), utcnow() - timedelta(minutes=30))
    db.session.add(
        Message(
            # Not from the story's random numbers, which the other patients' ids come from.
            id=str(uuid5(NAMESPACE_URL, f"stride-demo-message-{told.patient.id}")),
            patient_id=told.patient.id,
            author_id=told.patient.user_id,
            from_patient=True,
            body=DEMO_MESSAGE,
            client_time=when,
            created_at=when,
        )
    )


def _assign(told: _Story, template_slug: str, fallback: list[str]) -> Programme:
    """Assign the story's template; without synced templates, a plan of library exercises."""
    template = db.session.scalar(
        sa.select(ProgrammeTemplate).where(
            ProgrammeTemplate.slug == template_slug, ProgrammeTemplate.archived.is_(False)
        )
    )
    when = told.at(told.start, 9)
    programme = programmes.assign_programme(
        told.physio, told.patient, template, told.start, now=when
    )
    if template is None:
        draft = programmes.draft_for(programme)
        for slug in fallback:
            exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
            if exercise is not None:
                draft.add_line(exercise)
        if draft.changes:
            programmes.commit_draft(told.physio, programme, draft, "Demo plan", now=when)
    return programme


def _progress_once(told: _Story, programme: Programme) -> None:
    """The story's one progression: the first line with a harder exercise advised for the
    patient's condition (never one with a compression caution for a gluteal tendinopathy,
    which the suggestions would not propose either)."""
    change_day = told.change_day
    if change_day is None:
        return
    draft = programmes.draft_for(programme)
    for line in draft.phase_lines(draft.phase_position):
        harder = _progression_of(line.exercise_id)
        if harder is not None and not not_advised_for(harder.cautions, told.patient.condition):
            draft.swap_exercise(line.line_id, harder)
            break
    if draft.changes:
        programmes.commit_draft(
            told.physio,
            programme,
            draft,
            "Pain settled and adherence was good: moving on.",
            change_kind="suggestion",
            now=told.at(change_day, 8),
        )


def _log_history(told: _Story, programme: Programme) -> list[date]:
    """Add the ticks and check-ins (with their sync events) of every due day; return the days."""
    prescription_ids = _prescriptions(programme)
    due = due_for_patient_between(told.patient, told.start, told.today)
    days = sorted(due)
    version_on = {day: item.version_id for day in days for item in due[day]}
    for index, day in enumerate(days):
        plan = _story_day(told, index, day)
        if plan is None:
            continue
        adherence, during, morning = plan
        ticked_any = _tick_day(told, day, due[day], prescription_ids, adherence)
        if ticked_any:
            _check_in_day(told, day, during, morning, version_on.get(day))
    return days


def _prescriptions(programme: Programme) -> dict[tuple[int, int], tuple[int, int]]:
    """Return the prescription id and sets of each (version id, line id) of the programme."""
    rows = db.session.execute(
        sa.select(Prescription.id, Prescription.sets, Prescription.version_id, Prescription.line_id)
        .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == programme.id)
    )
    return {(version_id, line_id): (pid, sets) for pid, sets, version_id, line_id in rows}


def _tick_day(
    told: _Story,
    day: date,
    items: list[DueItem],
    prescription_ids: dict[tuple[int, int], tuple[int, int]],
    adherence: float,
) -> bool:
    """Tick about `adherence` of the day's units at 6 pm; tell whether any was ticked.

    Each is stored as the sync API stores a tick without a count: done, with every
    prescribed set counted (so the day page says "5 of 5", never "Done" with "0 of 5").
    """
    ticked_any = False
    when = told.at(day, 18)
    for item in items:
        for unit in item.units:
            if told.rng.random() > adherence:
                continue
            ticked_any = True
            prescription_id, sets = prescription_ids[(item.version_id, item.line_id)]
            db.session.add(
                ExerciseLog(
                    patient_id=told.patient.id,
                    prescription_id=prescription_id,
                    line_id=item.line_id,
                    local_date=day,
                    session=unit.session,
                    side=unit.side,
                    done=True,
                    sets_done=sets,
                    client_time=when,
                    updated_at=when,
                )
            )
            payload = {
                "type": "tick",
                "local_date": day.isoformat(),
                "line_id": item.line_id,
                "session": unit.session,
                "side": unit.side,
            }
            _sync_event(told, "tick", day, when, payload)
    return ticked_any


def _check_in_day(
    told: _Story, day: date, during: int | None, morning: int | None, version_id: int | None
) -> None:
    """Answer the pain questions about a session: that evening, and the next morning."""
    checkins = [("during", during, day, 19)] if during is not None else []
    if morning is not None:
        checkins.append(("morning", morning, day + timedelta(days=1), 8))
    usual = told.patient.usual_pain
    for kind, pain, entered_on, hour in checkins:
        if entered_on > told.today:
            continue
        when = told.at(entered_on, hour)
        # The patient's words on a bad day, so the physio's timeline has something to read.
        flared = told.story == "flare" and pain >= DEMO_NOTE_FROM_PAIN
        note = DEMO_PAIN_NOTES[kind] if flared else ""
        db.session.add(
            CheckIn(
                note=note,
                patient_id=told.patient.id,
                session_date=day,
                kind=kind,
                pain=pain,
                usual_pain=usual if kind == "morning" else None,
                version_id=version_id,
                client_time=when,
                created_at=when,
                updated_at=when,
            )
        )
        payload = {"type": "checkin", "kind": kind, "session_date": day.isoformat(), "pain": pain}
        if note:
            payload["note"] = note
        _sync_event(told, "checkin", entered_on, when, payload)


def _sync_event(
    told: _Story, kind: str, day: date, when: datetime, payload: dict[str, object]
) -> None:
    db.session.add(
        SyncEvent(
            id=told.event_id(),
            patient_id=told.patient.id,
            kind=kind,
            local_date=day,
            client_time=when,
            received_at=when,
            status="applied",
            payload=payload,
        )
    )


def _resolve_old_flags(told: _Story) -> None:
    """Red days of past weeks were seen at the time; only the recent ones are open."""
    seen_before = told.today - timedelta(days=RED_FLAGS_SEEN_AFTER_DAYS)
    for flag in db.session.scalars(
        sa.select(Flag).where(Flag.patient_id == told.patient.id, Flag.local_date < seen_before)
    ):
        suggestions.resolve_flag(told.physio, flag)


def _progression_of(exercise_id: int) -> Exercise | None:
    """Return the harder exercise: one that regresses to this one, else its own progression."""
    easier = aliased(Exercise)
    return db.session.scalar(
        sa.select(Exercise).where(
            Exercise.regression_id == exercise_id, Exercise.archived.is_(False)
        )
    ) or db.session.scalar(
        sa.select(Exercise)
        .join(easier, easier.progression_id == Exercise.id)
        .where(easier.id == exercise_id, Exercise.archived.is_(False))
    )


def _story_day(told: _Story, index: int, day: date) -> tuple[float, int, int] | None:
    """Return (share of units done, pain during, next-morning pain) for a day, or None."""
    rng = told.rng
    usual = told.patient.usual_pain or 1
    weeks = index / 7
    if told.story == "improving":
        during = max(1, round(5 - weeks * 0.65 + rng.choice((-1, 0, 0, 0, 1))))
        morning = usual + (1 if during >= 4 and rng.random() < 0.4 else 0)
        return (0.92, min(during, 5), morning)
    if told.story == "flare":
        assert told.change_day is not None
        since = (day - told.change_day).days
        if since < 0:
            return (0.9, rng.choice((2, 3, 3)), usual)
        if since < 6:
            return (0.9, rng.choice((3, 4, 4)), usual + rng.choice((0, 1)))
        # Worse after the progression: red days and mornings up by 2 or more.
        return (0.8, rng.choice((6, 7, 7)), usual + rng.choice((2, 3)))
    # dropped off: keen, then fading, then nothing for the last 9 days.
    if (told.today - day).days <= 9:
        return None
    share = 0.95 if weeks < 2 else 0.7 if weeks < 3.5 else 0.35
    return (share, rng.choice((2, 2, 3)), usual + rng.choice((0, 0, 1)))
