"""Demo data for a first run: a clinic, its staff and three patients."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Clinic, Patient, Role, User
from app.services.passwords import hash_password

DEMO_PASSWORD = "stride-demo"
DEMO_LOGINS = [
    ("physio@example.com", "physio"),
    ("admin@example.com", "clinic admin"),
    ("patient@example.com", "patient (improving steadily)"),
    ("flare@example.com", "patient (flare-up after a progression)"),
    ("quiet@example.com", "patient (dropped off)"),
]


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

    def staff(email: str, name: str, role: Role) -> User:
        user = User(
            clinic_id=clinic.id,
            role=role,
            name=name,
            login=email,
            email=email,
            password_hash=password_hash,
        )
        db.session.add(user)
        return user

    physio = staff("physio@example.com", "Priya Shah", Role.PHYSIO)
    staff("admin@example.com", "Alex Morgan", Role.ADMIN)
    db.session.flush()

    patients = [
        (
            "patient@example.com",
            "Sam Taylor",
            date(1988, 4, 12),
            "gluteal-tendinopathy",
            "right",
            "Run 10 km pain-free by spring",
            2,
        ),
        (
            "flare@example.com",
            "Jo Rivera",
            date(1979, 9, 3),
            "fai",
            "left",
            "Get back to weekend park runs",
            3,
        ),
        (
            "quiet@example.com",
            "Chris Okafor",
            date(1995, 1, 27),
            "adductor-groin-pain",
            "right",
            "Play five-a-side football again",
            1,
        ),
    ]
    for email, name, dob, condition, side, goal, usual in patients:
        user = User(
            clinic_id=clinic.id,
            role=Role.PATIENT,
            name=name,
            login=email,
            email=email,
            password_hash=password_hash,
        )
        db.session.add(
            Patient(
                user=user,
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


# --- Six weeks of history (so charts, flags and suggestions show something on first run) ----

HISTORY_DAYS = 42
DEMO_SEED = 20240601
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


def seed_history(today: date | None = None) -> None:
    """Give each demo patient a programme and six weeks of logs, summaries and suggestions.

    Deterministic: the same seed gives the same history relative to today.
    """
    from datetime import datetime, time, timedelta
    from random import Random
    from uuid import UUID
    from zoneinfo import ZoneInfo

    from app.domain.cautions import not_advised_for
    from app.domain.localtime import local_today
    from app.models import (
        CheckIn,
        Exercise,
        ExerciseLog,
        Flag,
        Prescription,
        ProgrammeTemplate,
        ProgrammeVersion,
        SyncEvent,
    )
    from app.services import activity, programmes, suggestions
    from app.services.plans import due_for_patient_between

    rng = Random(DEMO_SEED)
    physio = db.session.scalar(sa.select(User).where(User.login == "physio@example.com"))
    assert physio is not None
    for login, (template_slug, fallback, story) in DEMO_PLANS.items():
        patient = db.session.scalar(
            sa.select(Patient).join(User, Patient.user_id == User.id).where(User.login == login)
        )
        if patient is None:
            continue
        zone = ZoneInfo(patient.timezone)
        today_here = today or local_today(patient.timezone)
        start = today_here - timedelta(days=HISTORY_DAYS)

        def at(day: date, hour: int, zone: ZoneInfo = zone) -> datetime:
            return datetime.combine(day, time(hour), zone)

        template = db.session.scalar(
            sa.select(ProgrammeTemplate).where(
                ProgrammeTemplate.slug == template_slug, ProgrammeTemplate.archived.is_(False)
            )
        )
        programme = programmes.assign_programme(physio, patient, template, start, now=at(start, 9))
        if template is None:  # no templates synced: build the plan from library exercises
            draft = programmes.draft_for(programme)
            for slug in fallback:
                exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
                if exercise is not None:
                    draft.add_line(exercise)
            if draft.changes:
                programmes.commit_draft(physio, programme, draft, "Demo plan", now=at(start, 9))

        # One progression in the story: the first line that has a harder exercise advised for
        # the patient's condition (never one with a compression caution for a gluteal
        # tendinopathy, which the suggestions would not propose either).
        change_day = {
            "improving": start + timedelta(days=21),
            "flare": today_here - timedelta(days=12),
            "dropped_off": None,
        }[story]
        if change_day is not None:
            draft = programmes.draft_for(programme)
            for line in draft.phase_lines(draft.phase_position):
                harder = _progression_of(line.exercise_id)
                if harder is not None and not not_advised_for(harder.cautions, patient.condition):
                    draft.swap_exercise(line.line_id, harder)
                    break
            if draft.changes:
                programmes.commit_draft(
                    physio,
                    programme,
                    draft,
                    "Pain settled and adherence was good: moving on.",
                    change_kind="suggestion",
                    now=at(change_day, 8),
                )
        db.session.flush()

        prescription_ids = {
            (version_id, line_id): pid
            for pid, version_id, line_id in db.session.execute(
                sa.select(Prescription.id, Prescription.version_id, Prescription.line_id)
                .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
                .where(ProgrammeVersion.programme_id == programme.id)
            )
        }
        version_on = {}  # day -> version id in force
        due = due_for_patient_between(patient, start, today_here)
        days = sorted(due)
        for day in days:
            for item in due[day]:
                version_on[day] = item.version_id

        def event_id() -> str:
            return str(UUID(int=rng.getrandbits(128), version=4))

        for index, day in enumerate(days):
            plan = _story_day(story, rng, index, day, today_here, change_day, patient.usual_pain)
            if plan is None:
                continue
            adherence, during, morning = plan
            ticked_any = False
            for item in due[day]:
                for unit in item.units:
                    if rng.random() > adherence:
                        continue
                    ticked_any = True
                    when = at(day, 18)
                    db.session.add(
                        ExerciseLog(
                            patient_id=patient.id,
                            prescription_id=prescription_ids[(item.version_id, item.line_id)],
                            line_id=item.line_id,
                            local_date=day,
                            session=unit.session,
                            side=unit.side,
                            done=True,
                            client_time=when,
                            updated_at=when,
                        )
                    )
                    db.session.add(
                        SyncEvent(
                            id=event_id(),
                            patient_id=patient.id,
                            kind="tick",
                            local_date=day,
                            client_time=when,
                            received_at=when,
                            status="applied",
                            payload={
                                "type": "tick",
                                "local_date": day.isoformat(),
                                "line_id": item.line_id,
                                "session": unit.session,
                                "side": unit.side,
                            },
                        )
                    )
            checkins = [("during", during, day, 19)] if ticked_any and during is not None else []
            if morning is not None and ticked_any:
                checkins.append(("morning", morning, day + timedelta(days=1), 8))
            for kind, pain, entered_on, hour in checkins:
                if entered_on > today_here:
                    continue
                when = at(entered_on, hour)
                db.session.add(
                    CheckIn(
                        patient_id=patient.id,
                        session_date=day,
                        kind=kind,
                        pain=pain,
                        usual_pain=patient.usual_pain if kind == "morning" else None,
                        version_id=version_on.get(day),
                        client_time=when,
                        created_at=when,
                        updated_at=when,
                    )
                )
                db.session.add(
                    SyncEvent(
                        id=event_id(),
                        patient_id=patient.id,
                        kind="checkin",
                        local_date=entered_on,
                        client_time=when,
                        received_at=when,
                        status="applied",
                        payload={
                            "type": "checkin",
                            "kind": kind,
                            "session_date": day.isoformat(),
                            "pain": pain,
                        },
                    )
                )
        db.session.flush()
        activity.refresh_day_summaries(patient, days)  # which flags the red days
        # Red days of past weeks were seen at the time; only the recent ones are open.
        for flag in db.session.scalars(
            sa.select(Flag).where(
                Flag.patient_id == patient.id, Flag.local_date < today_here - timedelta(days=7)
            )
        ):
            suggestions.resolve_flag(physio, flag)
        suggestions.refresh_for_patient(patient, today_here)
    db.session.flush()


def _progression_of(exercise_id: int):  # type: ignore[no-untyped-def]
    """Return the harder exercise: one that regresses to this one, else its own progression."""
    from sqlalchemy.orm import aliased

    from app.models import Exercise

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


def _story_day(story, rng, index, day, today, change_day, usual):  # type: ignore[no-untyped-def]
    """Return (share of units done, pain during, next-morning pain) for a day, or None."""
    usual = usual or 1
    weeks = index / 7
    if story == "improving":
        during = max(1, round(5 - weeks * 0.65 + rng.choice((-1, 0, 0, 0, 1))))
        morning = usual + (1 if during >= 4 and rng.random() < 0.4 else 0)
        return (0.92, min(during, 5), morning)
    if story == "flare":
        since = (day - change_day).days
        if since < 0:
            return (0.9, rng.choice((2, 3, 3)), usual)
        if since < 6:
            return (0.9, rng.choice((3, 4, 4)), usual + rng.choice((0, 1)))
        # Worse after the progression: red days and mornings up by 2 or more.
        return (0.8, rng.choice((6, 7, 7)), usual + rng.choice((2, 3)))
    # dropped off: keen, then fading, then nothing for the last 9 days.
    if (today - day).days <= 9:
        return None
    share = 0.95 if weeks < 2 else 0.7 if weeks < 3.5 else 0.35
    return (share, rng.choice((2, 2, 3)), usual + rng.choice((0, 0, 1)))
