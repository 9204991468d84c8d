"""Fixtures for progress, suggestions and the dashboard: days of history written directly."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.domain.localtime import local_today
from app.models import DaySummary, Patient


@pytest.fixture
def today() -> date:
    """Today for the test patients (all in Europe/London)."""
    return local_today("Europe/London")


@pytest.fixture
def write_days(db: object) -> Callable[..., list[DaySummary]]:  # type: ignore[no-untyped-def]
    """Write day summaries: write_days(patient, first, last, due=1, done=1, during=2, ...)."""

    def write(
        patient: Patient,
        first: date,
        last: date,
        *,
        due: int = 1,
        done: int | None = None,
        during: int | None = 2,
        morning: int | None = 2,
        usual: int | None = 2,
        zone: str | None = "green",
        logged: bool | None = None,
    ) -> list[DaySummary]:
        rows = []
        day = first
        while day <= last:
            done_units = due if done is None else done
            row = DaySummary(
                patient_id=patient.id,
                local_date=day,
                due_units=due,
                done_units=done_units,
                during_pain=during,
                morning_pain=morning,
                usual_pain=usual,
                max_exercise_pain=None,
                zone=zone,
                logged=bool(done_units or during is not None or morning is not None)
                if logged is None
                else logged,
            )
            db.session.add(row)
            rows.append(row)
            day += timedelta(days=1)
        db.session.flush()
        return rows

    return write
