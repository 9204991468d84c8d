"""The caseload's reasons for attention, and the silence and low-adherence rules they use."""

from datetime import date, timedelta

import pytest

from app.domain.adherence import is_low_adherence, last_active_day, nothing_logged_for
from app.domain.needs import NEED_LABELS, Need, is_recent_red, needs_for

TODAY = date(2026, 11, 25)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.mark.parametrize(
    ("last_active", "silent"),
    [(None, True), (ago(4), True), (ago(3), False), (ago(1), False), (TODAY, False)],
)
def test_nothing_logged_for_3_days_counts_today_and_the_3_days_before(last_active, silent):
    assert nothing_logged_for(last_active, TODAY) is silent


@pytest.mark.parametrize(
    ("last_logged", "morning", "active"),
    [(None, False, None), (ago(4), False, ago(4)), (ago(4), True, ago(3)), (ago(1), True, TODAY)],
)
def test_a_morning_answer_is_activity_on_the_day_it_was_given(last_logged, morning, active):
    assert last_active_day(last_logged, morning) == active


@pytest.mark.parametrize(
    ("done", "due", "low"),
    [(0, 0, False), (0, 4, True), (1, 3, True), (1, 2, False), (4, 4, False)],
)
def test_low_adherence_is_under_half_of_what_was_due(done, due, low):
    assert is_low_adherence(done, due) is low


@pytest.mark.parametrize(("day", "recent"), [(TODAY, True), (ago(2), True), (ago(3), False)])
def test_a_red_day_puts_a_patient_first_for_3_days(day, recent):
    assert is_recent_red(day, TODAY) is recent


def facts(**changes):  # type: ignore[no-untyped-def]
    fine = {
        "today": TODAY,
        "red": False,
        "pending_suggestions": 0,
        "has_programme": True,
        "last_active": TODAY,
        "week_done": 3,
        "week_due": 3,
    }
    return {**fine, **changes}


@pytest.mark.parametrize(
    ("changes", "needs"),
    [
        ({}, []),
        ({"red": True}, [Need.RED]),
        ({"pending_suggestions": 2}, [Need.SUGGESTION]),
        ({"last_active": ago(4)}, [Need.SILENT]),
        ({"last_active": None, "has_programme": False}, []),  # nothing to log without a plan
        ({"week_done": 1}, [Need.LOW_ADHERENCE]),
        ({"week_done": 0, "week_due": 0}, []),
        (
            {"red": True, "pending_suggestions": 1, "last_active": None, "week_done": 0},
            [Need.RED, Need.SUGGESTION, Need.SILENT, Need.LOW_ADHERENCE],
        ),
    ],
)
def test_needs_come_most_urgent_first(changes, needs):
    assert needs_for(**facts(**changes)) == needs


def test_the_labels_say_the_rules_numbers():
    assert NEED_LABELS[Need.SILENT] == "Nothing logged for 3 days"
    assert NEED_LABELS[Need.LOW_ADHERENCE] == "Adherence under 50% this week"
