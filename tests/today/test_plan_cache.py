"""The plan versions in force are read once and kept; a change to the plan shows at once."""

from datetime import timedelta

import pytest

from app.models import Programme
from app.services import programmes
from tests.factories import tick


def _plan_reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "FROM programme_versions LEFT OUTER JOIN" in sql]


@pytest.fixture
def programme(make, patient, today) -> Programme:  # type: ignore[no-untyped-def]
    return make.programme(patient, start=today - timedelta(days=14), sets=3)


def _change_sets(physio, programme: Programme, sets: int) -> None:  # type: ignore[no-untyped-def]
    draft = programmes.draft_for(programme)
    draft.set_dose(1, sets=sets, reps=10)
    programmes.commit_draft(physio, programme, draft)


def test_the_plan_is_read_once_then_kept(client, patient, programme, query_counter):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    with query_counter() as first:
        assert client.get("/api/v1/today").json["items"][0]["sets"] == 3
    with query_counter() as again:
        assert client.get("/api/v1/today").json["items"][0]["sets"] == 3
    assert len(_plan_reads(first)) == 1
    assert _plan_reads(again) == []


def test_a_changed_plan_is_shown_and_ticked_at_once(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, today, query_counter
):
    client.login_as(patient.user)
    client.get("/api/v1/today")  # the plan with 3 sets is now kept
    _change_sets(physio, programme, 4)
    with query_counter() as after:
        assert client.get("/api/v1/today").json["items"][0]["sets"] == 4
    assert len(_plan_reads(after)) == 1
    result = client.post_json("/api/v1/sync", {"events": [tick(1, today, sets_done=4)]})
    assert result.json["results"][0]["status"] == "applied"  # 4 of 4 sets: the new dose


def test_an_archived_programme_is_no_longer_the_plan(client, physio, patient, programme):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    assert client.get("/api/v1/today").json["state"] == "due"
    programmes.archive_programme(physio, programme, end_date=programme.start_date)
    assert client.get("/api/v1/today").json["state"] == "no_programme"


def test_a_catch_up_day_follows_the_programme_running_then(
    client, physio, patient, programme, today
):  # type: ignore[no-untyped-def]
    """A new programme from today archives the old one up to yesterday: yesterday was its day."""
    client.login_as(patient.user)
    programmes.assign_programme(physio, patient, None, today)
    assert client.get("/api/v1/today").json["state"] == "rest_day"  # nothing in it yet
    yesterday = client.get(f"/api/v1/today?date={today - timedelta(days=1)}").json
    assert yesterday["state"] == "due" and yesterday["items"][0]["sets"] == 3
    result = client.post_json(
        "/api/v1/sync", {"events": [tick(1, today - timedelta(days=1), sets_done=3)]}
    )
    assert result.json["results"][0]["status"] == "applied"
