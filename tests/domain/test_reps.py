"""Reps per set and the 2-for-2 rule (clinical.md s. 4), named after the clinical situation."""

from datetime import date, timedelta

import pytest

from app.domain.reps import RepsSession, session_of, two_for_two
from app.domain.rule_settings import CLINIC_DEFAULTS

BEAT_BY = CLINIC_DEFAULTS.two_for_two_beat_by
IN_A_ROW = CLINIC_DEFAULTS.two_for_two_sessions_in_a_row

TODAY = date(2024, 11, 25)  # a Monday


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def run(*last_sets):
    return [RepsSession(ago(n), None if reps is None else (10, reps)) for n, reps in last_sets]


@pytest.mark.parametrize(
    ("sessions", "met"),
    [
        pytest.param(run((5, 12), (3, 12)), True, id="two-sessions-in-a-row-at-target-plus-2"),
        pytest.param(run((5, 12), (3, 11)), False, id="target-plus-1-is-not-enough"),
        pytest.param(run((3, 14)), False, id="one-session-is-not-two"),
        pytest.param(run((7, 12), (5, None), (3, 12)), False, id="a-missed-session-breaks-it"),
        pytest.param(run((7, 9), (5, 12), (3, 12)), True, id="only-the-last-two-count"),
        pytest.param(run((5, 12), (3, 12), (0, None)), True, id="today-not-done-yet-is-no-miss"),
        pytest.param(run((3, 12), (0, 12)), True, id="todays-reps-count-once-in"),
        pytest.param(run((5, 12), (3, 12), (1, 10)), False, id="back-at-target-last-time"),
        pytest.param([], False, id="no-sessions"),
    ],
)
def test_two_for_two_needs_the_last_set_to_beat_the_target_in_two_sessions_in_a_row(sessions, met):
    found = two_for_two(sessions, 10, TODAY, BEAT_BY, IN_A_ROW)
    assert (found is not None) == met
    if found:
        assert found.target == 10 and len(found.days) == IN_A_ROW
        assert min(found.last_sets) >= 10 + BEAT_BY


@pytest.mark.parametrize(
    ("beat_by", "in_a_row", "met"),
    [
        pytest.param(3, 2, False, id="beat-by-3-setting-needs-13"),
        pytest.param(2, 3, True, id="three-sessions-setting-counts-three"),
        pytest.param(2, 4, False, id="four-sessions-setting-waits-for-a-fourth"),
    ],
)
def test_two_for_two_follows_its_rule_settings(beat_by, in_a_row, met):
    sessions = run((7, 12), (5, 12), (3, 12))
    found = two_for_two(sessions, 10, TODAY, beat_by, in_a_row)
    assert (found is not None) == met
    if found:
        assert len(found.days) == in_a_row


@pytest.mark.parametrize(
    ("units", "reps"),
    [
        pytest.param([(12, 12, 12)], (12, 12, 12), id="one-unit"),
        pytest.param([(12, 12, 13), (12, 12, 11)], (12, 12, 11), id="each-side-takes-the-weaker"),
        pytest.param([(12, 12, 12), None], None, id="a-side-without-reps-is-unknown"),
        pytest.param([], None, id="not-due-units"),
    ],
)
def test_a_days_session_is_its_weakest_unit(units, reps):
    assert session_of(TODAY, units).reps == reps
