"""Running lines on consecutive days are saved, with a warning (clinical.md section 6)."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ProgrammeVersion

WARNING = "Running on back-to-back days: clinical.md advises 3 non-consecutive days a week."
MON, TUE, WED, FRI, SUN = "0", "1", "2", "4", "6"


def _dose(days: list[str]) -> dict:
    return {"sets": "1", "duration_seconds": "1800", "rest_seconds": "0", "side": "both",
            "times_per_day": "1", "days": days}  # fmt: skip


def _versions(programme) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        sa.select(sa.func.count(ProgrammeVersion.id)).where(
            ProgrammeVersion.programme_id == programme.id
        )
    )


@pytest.mark.parametrize(
    ("slug", "walk_run", "days", "warned"),
    [
        pytest.param("continuous-run-30-min", True, [MON, TUE, FRI], True, id="run-mon-tue"),
        pytest.param("walk-run-level-2", True, [MON, WED, SUN], True, id="walk-run-sun-mon"),
        pytest.param("walk-run-level-2", True, [MON, WED, FRI], False, id="walk-run-spaced"),
        pytest.param("bridge", False, [MON, TUE, WED], False, id="not-running"),
    ],
)
def test_saving_a_dose_warns_for_running_on_back_to_back_days(
    client, make, physio, patient, slug, walk_run, days, warned
):
    exercise = make.exercise(slug, reps=None, duration_seconds=1800, sets=1, walk_run=walk_run)
    programme = make.programme(patient, [exercise])
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/lines/1/dose"
    data = _dose(days) | {"version_id": str(programme.current_version_id)}
    response = client.post_form(url, data)
    assert response.status_code == 302  # saved either way: a warning, not an error
    assert _versions(programme) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (WARNING in page) is warned
    if warned:
        assert "flash-warning" in page


def test_adding_a_running_line_on_back_to_back_days_warns(client, make, physio, patient):
    programme = make.programme(patient)
    run = make.exercise(
        "continuous-run-30-min", reps=None, duration_seconds=1800, sets=1, walk_run=True
    )
    client.login_as(physio)
    data = _dose([SUN, MON, WED]) | {
        "version_id": str(programme.current_version_id),
        "exercise_id": str(run.id),
        "phase": "0",
    }
    response = client.post_form(f"/patients/{patient.id}/programmes/{programme.id}/lines/new", data)
    assert response.status_code == 302
    assert WARNING in client.get(response.headers["Location"]).get_data(as_text=True)
