"""An outsider's probes of the input: each answered with a 4xx and a message, never a 5xx.

Each test is named after the probe it replays (issue 20). Refused requests store nothing.
"""

import io
import json
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Programme, ProgrammeTemplate, SyncEvent
from tests.security.test_authorization_matrix import database_digest
from tests.security.world import World


def _nested(depth: int) -> str:
    return '{"events": ' + "[" * depth + "]" * depth + "}"


def _tick(world: World, **fields: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "type": "tick",
        "local_date": world.today.isoformat(),
        "line_id": 1,
        "client_time": "2026-01-01T08:00:00+00:00",
        **fields,
    }


# --- JSON depth and body size ----------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "patient"])
def test_json_nested_thousands_deep_to_sync_is_refused_without_a_server_error(
    client, world: World, signed_in: bool
):
    if signed_in:
        client.login_as(world.patient_a.user)
    before = database_digest()
    response = client.post(
        "/api/v1/sync",
        data=_nested(5000),
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code in ((400, 422) if signed_in else (401, 400))
    assert response.is_json and "error" in response.get_json()
    assert database_digest() == before


def test_json_nested_thousands_deep_to_login_is_refused_without_a_server_error(client, world):
    response = client.post("/login", data=_nested(5000), content_type="application/json")
    assert response.status_code == 400


def test_json_nested_past_the_depth_limit_is_unreadable(client, world: World):
    client.login_as(world.patient_a.user)
    response = client.post_json("/api/v1/sync", json.loads(_nested(40)))
    assert response.status_code == 422
    assert response.get_json()["error"] == "That request could not be read."


def test_anonymous_twenty_megabyte_body_is_refused_unread(client, world: World):
    response = client.post("/login", data=b"x" * (20 * 1024 * 1024), content_type="text/plain")
    assert response.status_code == 413
    assert b"too large" in response.data


def test_sync_body_sent_chunked_is_capped_like_one_with_a_length(client, world: World):
    """Transfer-Encoding: chunked has no Content-Length; the cap holds while reading it."""
    client.login_as(world.patient_a.user)
    body = json.dumps({"events": [_tick(world, note="x" * 900)] * 700}).encode()
    assert len(body) > 512 * 1024
    before = database_digest()
    response = client.post(
        "/api/v1/sync",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token(), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and response.is_json
    assert database_digest() == before


def test_sync_body_under_the_app_cap_but_over_the_sync_cap_is_refused(client, world: World):
    client.login_as(world.patient_a.user)
    body = {"events": [_tick(world)], "padding": "x" * (600 * 1024)}
    response = client.post_json("/api/v1/sync", body)
    assert response.status_code == 413


def test_unknown_three_hundred_kilobyte_event_field_is_not_stored_or_exported(client, world: World):
    client.login_as(world.patient_a.user)
    event = _tick(world, smuggled="x" * (300 * 1024))
    response = client.post_json("/api/v1/sync", {"events": [event]})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "applied"
    stored = db.session.scalar(sa.select(SyncEvent).where(SyncEvent.id == event["id"]))
    assert "smuggled" not in stored.payload
    assert set(stored.payload) <= {"id", "type", "client_time", "local_date", "line_id"}
    assert b"smuggled" not in client.get("/me/export.json").data


# --- Times at the ends of the calendar -------------------------------------------------------


@pytest.mark.parametrize("client_time", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_client_time_at_the_ends_of_the_calendar_rejects_that_event_not_the_batch(
    client, world: World, client_time: str
):
    client.login_as(world.patient_a.user)
    bad, good = _tick(world, client_time=client_time), _tick(world)
    response = client.post_json("/api/v1/sync", {"events": [bad, good]})
    assert response.status_code == 200
    first, second = response.get_json()["results"]
    assert first["status"] == "rejected" and "client_time" in first["errors"]
    assert second["status"] == "applied"


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=0001-01-31",
        "from=9999-12-01&to=9999-12-31",
        "to=0001-01-01",
        "from=9999-12-31",
        "from=0001-01-01",
    ],
)
def test_chart_ranges_at_year_one_or_9999_are_refused_with_a_message(
    client, world: World, query: str
):
    client.login_as(world.physio_a)
    json_response = client.get(f"/patients/{world.patient_a.id}/charts.json?{query}")
    assert json_response.status_code == 422 and "range" in json_response.get_json()["errors"]
    page = client.get(f"/patients/{world.patient_a.id}/progress?{query}")
    assert page.status_code == 422
    client.login_as(world.patient_a.user)
    assert client.get(f"/progress?{query}").status_code == 422
    assert client.get(f"/progress/charts.json?{query}").status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-1-1", "٢٠٢٦-٠١-٠١"])
def test_day_pages_at_the_ends_of_the_calendar_are_refused(client, world: World, day: str):
    client.login_as(world.patient_a.user)
    assert client.get(f"/today?date={day}").status_code in (302, 400, 422)
    assert client.get(f"/api/v1/today?date={day}").status_code == 422
    client.login_as(world.physio_a)
    url = f"/patients/{world.patient_a.id}/programmes/{world.programme.id}/plan?date={day}"
    assert client.get(url).status_code in (400, 422)


# --- Numbers: ASCII digits only, within bounds -----------------------------------------------


@pytest.mark.parametrize("number", ["²", "٣", "99999999999999999999", "-1", "1e3", "0x10"])
def test_unicode_digits_and_huge_numbers_in_query_strings_are_refused_by_name(
    client, world: World, number: str
):
    client.login_as(world.admin_a)
    response = client.get("/admin/audit", query_string={"actor": number})
    assert response.status_code == 400 and b"actor must be a whole number" in response.data
    response = client.get("/admin/audit", query_string={"page": number})
    assert response.status_code == 400 and b"page must be a whole number" in response.data
    client.login_as(world.physio_a)
    response = client.get("/library/", query_string={"page": number})
    assert response.status_code == 400 and b"page must be a whole number" in response.data
    url = f"/patients/{world.patient_a.id}/programmes/{world.programme.id}/lines/new"
    response = client.get(url, query_string={"exercise_id": number})
    assert response.status_code == 400 and b"exercise_id must be a whole number" in response.data
    phase = world.template.phases[0]
    url = f"/templates/{world.template.id}/phases/{phase.id}/lines/new"
    assert client.get(url, query_string={"exercise_id": number}).status_code == 302  # "choose"


def test_twenty_digit_page_number_is_refused(client, world: World):
    client.login_as(world.physio_a)
    response = client.get("/library/?page=99999999999999999999")
    assert response.status_code == 400 and b"page must be a whole number from 1" in response.data


@pytest.mark.parametrize("version_id", ["²", "99999999999999999999", "", "1.0"])
def test_unicode_digits_in_a_forms_version_id_are_refused_and_store_nothing(
    client, world: World, version_id: str
):
    client.login_as(world.physio_a)
    programme = db.session.get(Programme, world.programme.id)
    url = f"/patients/{world.patient_a.id}/programmes/{programme.id}/lines/1/dose"
    form = {"version_id": version_id, "sets": "3", "reps": "10", "rest_seconds": "60"}
    form |= {"times_per_week": "3", "times_per_day": "1", "side": "both"}
    before = database_digest()
    response = client.post_form(url, form)
    assert 400 <= response.status_code < 500
    assert database_digest() == before


@pytest.mark.parametrize("segment", ["%C2%B2", "99999999999999999999", "2147483648"])
def test_unicode_digits_and_huge_ids_in_urls_are_not_found(client, world: World, segment: str):
    client.login_as(world.physio_a)
    assert client.get(f"/patients/{segment}").status_code == 404
    assert client.get(f"/library/{segment}").status_code == 404


@pytest.mark.parametrize("exercise_id", ["99999999999999999999", "2147483648", "0"])
def test_huge_exercise_id_posted_to_a_template_phase_is_refused_and_stores_nothing(
    client, world: World, exercise_id: str
):
    client.login_as(world.physio_a)
    template = db.session.get(ProgrammeTemplate, world.template.id)
    url = f"/templates/{template.id}/phases/{template.phases[0].id}/lines"
    before = database_digest()
    response = client.post_form(url, {"exercise_id": exercise_id, "sets": "3", "reps": "10"})
    assert response.status_code == 422  # "choose an exercise", not PostgreSQL's out of range
    assert database_digest() == before
