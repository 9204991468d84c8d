"""The patient is told once, in words, what changed in their plan; quick edits are one change."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Programme, ProgrammeVersion
from app.services import programmes
from tests.conftest import count_queries


@pytest.fixture
def exercises(make):  # type: ignore[no-untyped-def]
    return {
        slug: make.exercise(slug)
        for slug in ("bridge", "single-leg-bridge", "clamshell", "side-plank")
    }


@pytest.fixture
def programme(make, patient, today, exercises) -> Programme:  # type: ignore[no-untyped-def]
    plan = [exercises["bridge"], exercises["side-plank"]]
    return make.programme(patient, plan, start=today - timedelta(days=14), sets=3, reps=10)


def _edit(physio, programme, reason="", **changes):  # type: ignore[no-untyped-def]
    draft = programmes.draft_for(programme)
    if "swap" in changes:
        draft.swap_exercise(1, changes["swap"])
        draft.set_dose(1, sets=3, reps=8)
    if "add" in changes:
        draft.add_line(changes["add"], sets=3, reps=10)
    if "remove" in changes:
        draft.remove_line(changes["remove"])
    version = programmes.commit_draft(physio, programme, draft, reason)
    db.session.flush()
    return version


def _later(version: ProgrammeVersion, minutes: int) -> None:
    """Make a version as if written minutes after the others (a later sitting)."""
    version.created_at = version.created_at + timedelta(minutes=minutes)
    db.session.flush()


def _notice(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/today").get_data(as_text=True)
    if 'data-testid="plan-notice"' not in page:
        return ""
    return page.split('data-testid="plan-notice"', 1)[1].split("</section>", 1)[0]


def test_a_new_programme_is_not_a_change(client, patient, programme):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    assert _notice(client) == ""


def test_three_quick_edits_read_as_one_change_with_the_reason(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, exercises
):
    _later(_edit(physio, programme, swap=exercises["single-leg-bridge"]), 600)
    _later(_edit(physio, programme, "Ready for more", add=exercises["clamshell"]), 605)
    _later(_edit(physio, programme, remove=2), 610)
    client.login_as(patient.user)
    notice = _notice(client)
    assert "Bridge is now Single leg bridge, 3 x 8" in notice
    assert "Clamshell added: 3 x 10" in notice
    assert "Side plank removed" in notice
    assert "Ready for more" in notice
    assert notice.count("<li") == 3


def test_got_it_hides_the_notice_until_the_plan_changes_again(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, exercises
):
    _later(_edit(physio, programme, add=exercises["clamshell"]), 600)
    client.login_as(patient.user)
    assert "Clamshell added" in _notice(client)
    answer = client.post_form("/today/plan-seen", {"number": 2})
    assert answer.status_code == 303
    assert programme.seen_version_number == 2
    assert _notice(client) == ""
    _later(_edit(physio, programme, remove=2), 700)
    notice = _notice(client)
    assert "Side plank removed" in notice
    assert "Clamshell" not in notice  # already seen


@pytest.mark.parametrize("number", ["", "abc", "0", "99"])
def test_got_it_for_no_such_change_stores_nothing_and_says_so(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, exercises, number
):
    _later(_edit(physio, programme, add=exercises["clamshell"]), 600)
    client.login_as(patient.user)
    answer = client.post_form("/today/plan-seen", {"number": number}, follow_redirects=True)
    db.session.refresh(programme)
    assert programme.seen_version_number is None
    page = answer.get_data(as_text=True)
    assert "could not be" in page
    assert 'data-testid="plan-notice"' in page


def test_the_plan_page_lists_recent_changes_one_per_sitting(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, exercises
):
    _later(_edit(physio, programme, add=exercises["clamshell"]), 600)
    _later(_edit(physio, programme, remove=2), 605)
    _later(_edit(physio, programme, swap=exercises["single-leg-bridge"]), 2000)
    client.login_as(patient.user)
    page = client.get("/plan").get_data(as_text=True)
    recent = page.split('data-testid="recent-changes"', 1)[1]
    assert recent.count("<h3>") == 2
    newest, older = recent.split("<h3>")[1:3]
    assert "Bridge is now Single leg bridge" in newest
    assert "Clamshell added" in older and "Side plank removed" in older


def test_the_notice_costs_the_day_page_no_statement_once_read(  # type: ignore[no-untyped-def]
    client, physio, patient, programme, exercises
):
    client.login_as(patient.user)
    client.get("/today")
    with count_queries() as without:
        client.get("/today")
    _later(_edit(physio, programme, add=exercises["clamshell"]), 600)
    with count_queries() as first:
        client.get("/today")  # reads the plan and the change once in this worker
    with count_queries() as with_notice:
        assert "Clamshell added" in _notice(client)
    assert len(with_notice) == len(without) <= 3
    changes_read = [sql for sql in first if "programme_phases" in sql and "prescriptions" in sql]
    assert len(changes_read) == 1
