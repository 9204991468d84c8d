"""The chart data's plan history, kept per worker by the active programme and its current
version (plans.kept_plans_in_force), shows a plan change on the very next request."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.services import programmes


def _plan_labels(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    [pain] = [c for c in response.get_json()["charts"] if c["key"] == "pain"]
    annotations = pain["figure"]["layout"]["annotations"]
    return [a["text"] for a in annotations if a.get("name", "").startswith("plan-change")]


def _signed_in_url(client, who: str, patient, physio) -> str:  # type: ignore[no-untyped-def]
    """Sign in as the patient or their physio; return the chart data URL each uses."""
    if who == "patient":
        client.login_as(patient.user)
        return "/progress/charts.json"
    client.login_as(physio)
    return f"/patients/{patient.id}/charts.json"


@pytest.mark.parametrize("who", ["patient", "physio"])
def test_a_plan_change_shows_in_the_chart_data_on_the_next_request(
    client, make, physio, patient, today, who
):  # type: ignore[no-untyped-def]
    plan = make.programme(patient, [make.exercise()], start=today - timedelta(days=20))
    url = _signed_in_url(client, who, patient, physio)
    assert _plan_labels(client, url) == ["v1"]
    draft = programmes.draft_for(plan)
    draft.set_dose(1, reps=14)
    programmes.commit_draft(physio, plan, draft, "More reps")
    db.session.flush()
    assert _plan_labels(client, url) == ["v1", "v2"]


@pytest.mark.parametrize("who", ["patient", "physio"])
def test_a_new_programme_after_archiving_shows_on_the_next_request(
    client, make, physio, patient, today, who
):  # type: ignore[no-untyped-def]
    first = make.programme(patient, [make.exercise()], start=today - timedelta(days=20))
    url = _signed_in_url(client, who, patient, physio)
    assert _plan_labels(client, url) == ["v1"]
    programmes.archive_programme(physio, first, today - timedelta(days=6))
    make.programme(patient, [make.exercise()], start=today - timedelta(days=5))
    db.session.flush()
    assert _plan_labels(client, url) == ["v1", "v1"]  # each programme's first


def test_the_plan_is_read_once_while_it_stays_the_same(client, make, patient, today, query_counter):  # type: ignore[no-untyped-def]
    make.programme(patient, [make.exercise()], start=today - timedelta(days=20))
    client.login_as(patient.user)
    with query_counter() as first:
        client.get("/progress/charts.json")
    with query_counter() as again:
        client.get("/progress/charts.json")
    read_plan = [s for s in first if "programme_versions" in s and "prescriptions" in s]
    assert read_plan and len(again) == len(first) - len(read_plan)
