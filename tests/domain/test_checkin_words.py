"""The morning-after questions fit the time they are asked (issue 14 item 4)."""

from datetime import date

import pytest

from app.domain.guidance import morning_words
from app.domain.test_task import TEST_TASK_MAX_CHARS, problem_with_test_task, rating_due

MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)


@pytest.mark.parametrize(
    ("asked_on", "hour", "heading", "settled_starts"),
    [
        pytest.param(
            TUESDAY, 7, "How is your pain this morning", "Has the pain", id="asked-in-the-morning"
        ),
        pytest.param(
            TUESDAY,
            20,
            "How was your pain this morning",
            "By this morning, had",
            id="asked-in-the-evening",
        ),
        pytest.param(
            TUESDAY, 12, "How was your pain this morning", "By this morning, had", id="at-noon"
        ),
    ],
)
def test_morning_questions_on_the_day_fit_the_hour(asked_on, hour, heading, settled_starts):
    words = morning_words(MONDAY, asked_on, TUESDAY, hour)
    assert words.heading.startswith(heading)
    assert words.settled.startswith(settled_starts)
    assert "Mon 30 Nov 2026" in words.settled and "24 hours" in words.settled


@pytest.mark.parametrize("hour", [7, 20])
def test_a_past_day_filled_in_later_asks_about_that_morning(hour):
    words = morning_words(MONDAY, TUESDAY, WEDNESDAY, hour)
    assert words.heading == "How was your pain that morning compared with usual?"
    assert words.scale.startswith("Pain that morning")
    assert words.settled.startswith("By that morning")
    assert "this morning" not in " ".join((words.heading, words.scale, words.settled))


@pytest.mark.parametrize(
    ("last", "today", "due"),
    [
        pytest.param(None, TUESDAY, True, id="never-rated"),
        pytest.param(date(2026, 11, 24), TUESDAY, True, id="a-week-ago"),
        pytest.param(date(2026, 11, 25), TUESDAY, False, id="six-days-ago"),
    ],
)
def test_the_test_task_is_rated_once_a_week(last, today, due):
    assert rating_due(last, today) is due


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        pytest.param("Single-leg stance, 30 s", True, id="a-choice"),
        pytest.param("", True, id="empty-clears"),
        pytest.param("x" * TEST_TASK_MAX_CHARS, True, id="at-the-limit"),
        pytest.param("x" * (TEST_TASK_MAX_CHARS + 1), False, id="too-long"),
        pytest.param("hop\nhop", False, id="two-lines"),
    ],
)
def test_a_test_task_is_one_short_line(text, ok):
    assert (problem_with_test_task(text) is None) == ok
