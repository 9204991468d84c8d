"""Demo outcome questionnaires: a baseline and follow-ups, one due today and one missed."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.domain.localtime import local_today
from app.extensions import db
from app.models import Patient, User
from app.services import outcomes


def _patient(login: str) -> Patient | None:
    return db.session.scalar(
        sa.select(Patient).join(User, Patient.user_id == User.id).where(User.login == login)
    )


def _answer_on(
    patient: Patient, slug: str, day: date, answers: list, activities: list | None = None
) -> None:
    [measure] = [m for m in outcomes.waiting_measures(patient, day) if m.instrument == slug]
    when = datetime.combine(day, time(19), ZoneInfo(patient.timezone))
    outcomes.answer(patient, measure.id, answers, activities, now=when)


def seed_outcomes(today: date | None = None) -> None:
    """LEFS every 3 weeks for Sam (due today), iHOT-12 for Jo plus a missed HAGOS, Quiet's PSFS."""
    physio = db.session.scalar(sa.select(User).where(User.login == "physio@example.com"))
    assert physio is not None
    sam = _patient("patient@example.com")
    if sam is not None:
        day = today or local_today(sam.timezone)
        start = day - timedelta(weeks=6)
        outcomes.schedule(physio, sam, "lefs", start, 3)
        _answer_on(sam, "lefs", start, [1, 1, 2, 3, 2, 1, 1, 3, 1, 2, 2, 1, 2, 2, 3, 1, 0, 0, 1, 2])
        _answer_on(
            sam,
            "lefs",
            start + timedelta(weeks=3),
            [2, 2, 3, 4, 3, 2, 2, 3, 2, 3, 3, 2, 2, 3, 3, 2, 1, 1, 1, 3],
        )
        outcomes.schedule(physio, sam, "psfs", start, None)
        _answer_on(
            sam, "psfs", start, [3, 2, 4], ["Running 5 km", "Lying on my right side", "Stairs"]
        )
    jo = _patient("flare@example.com")
    if jo is not None:
        day = today or local_today(jo.timezone)
        start = day - timedelta(weeks=6)
        outcomes.schedule(physio, jo, "ihot12", start, 4)
        _answer_on(jo, "ihot12", start, [45, 50, 40, 60, 55, 30, 40, 60, 70, 35, 40, 45])
        _answer_on(
            jo,
            "ihot12",
            start + timedelta(weeks=4),
            [60, 65, 55, 60, 70, 50, 55, 70, 75, 50, 55, 60],
        )
        outcomes.schedule(physio, jo, "hagos", day - timedelta(days=10), None)  # missed
    db.session.flush()
