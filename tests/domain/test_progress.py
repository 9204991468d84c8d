"""Progress over time from day totals: counting today, day status, rolling mean, captions."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.adherence import DayStatus
from app.domain.progress import (
    DayTotals,
    WeekAdherence,
    adherence_by_week,
    adherence_caption,
    calendar_caption,
    counted,
    pain_caption,
    rolling_mean,
    status_of,
)

TODAY = date(2024, 11, 27)  # a Wednesday
MONDAY = date(2024, 11, 25)


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(DayTotals(ago(1), 4, 3), (3, 4), id="past-day-counts-its-misses"),
        pytest.param(DayTotals(TODAY, 4, 1), (1, 1), id="today-counts-only-what-is-done"),
        pytest.param(DayTotals(TODAY, 4, 4), (4, 4), id="today-done-counts-fully"),
        pytest.param(DayTotals(ago(1), 2, 5), (2, 2), id="ticks-beyond-due-are-ignored"),
        pytest.param(DayTotals(ago(1), 0, 0), (0, 0), id="rest-day"),
    ],
)
def test_counted_leaves_todays_undone_units_out(record, expected):
    assert counted(record, TODAY) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(DayTotals(ago(1), 0, 0), DayStatus.REST, id="nothing-due-is-rest"),
        pytest.param(DayTotals(ago(1), 2, 2), DayStatus.DONE, id="all-done"),
        pytest.param(DayTotals(ago(1), 2, 1), DayStatus.PARTIAL, id="some-done"),
        pytest.param(DayTotals(ago(1), 2, 0), DayStatus.MISSED, id="none-done"),
        pytest.param(DayTotals(TODAY, 2, 0), None, id="today-not-yet-missed"),
        pytest.param(DayTotals(TODAY, 2, 2), DayStatus.DONE, id="today-done"),
    ],
)
def test_status_of_a_day_for_the_calendar_strip(record, expected):
    assert status_of(record, TODAY) == expected


def test_rolling_mean_averages_the_known_values_of_the_last_7_days():
    values = {ago(9): 6, ago(3): 2, ago(1): 4}
    means = rolling_mean(values, ago(10), TODAY)
    assert ago(10) not in means  # no value yet: a gap, not a zero
    assert means[ago(9)] == 6
    assert means[ago(3)] == 4  # 6 from 9 days ago is still in the 7 days ending 3 days ago
    assert means[ago(2)] == 2  # ... and gone the day after
    assert means[TODAY] == 3


@given(
    values=st.dictionaries(st.integers(0, 30).map(ago), st.integers(0, 10), max_size=20),
    span=st.integers(0, 20),
    days=st.integers(1, 10),
)
def test_rolling_mean_is_the_mean_of_the_known_values_in_each_window(values, span, days):
    means = rolling_mean(values, ago(span), TODAY, days)
    for n in range(span + 1):
        day = ago(n)
        window = [v for d, v in values.items() if day - timedelta(days=days - 1) <= d <= day]
        assert means.get(day) == (round(sum(window) / len(window), 2) if window else None)


def test_weekly_adherence_counts_today_only_with_what_is_done():
    records = [
        DayTotals(MONDAY - timedelta(days=1), 2, 2),  # Sunday: the week before
        DayTotals(MONDAY, 2, 2),
        DayTotals(MONDAY + timedelta(days=1), 2, 0),
        DayTotals(TODAY, 2, 1),
        DayTotals(TODAY + timedelta(days=1), 2, 0),  # the future is left out
    ]
    weeks = adherence_by_week(records, TODAY)
    assert weeks == [
        WeekAdherence(MONDAY - timedelta(days=7), 2, 2),
        WeekAdherence(MONDAY, 3, 5),
    ]
    assert [w.percent for w in weeks] == [100, 60]
    assert [w.is_adherent for w in weeks] == [True, False]


@pytest.mark.parametrize(
    ("done", "due", "adherent"),
    [
        pytest.param(4, 5, True, id="exactly-80-is-adherent"),
        pytest.param(27, 35, False, id="77-is-not"),
        pytest.param(0, 0, False, id="nothing-due-is-not-adherent"),
    ],
)
def test_the_80_percent_adherent_line(done, due, adherent):
    assert WeekAdherence(MONDAY, done, due).is_adherent is adherent


@pytest.mark.parametrize(
    ("during", "patient", "caption"),
    [
        pytest.param(
            {},
            True,
            "You have not logged any pain during exercise in this period yet.",
            id="nothing-patient",
        ),
        pytest.param(
            {ago(2): 3}, False, "Pain during exercise has been around 3 out of 10 so far.", id="one"
        ),
        pytest.param(
            {ago(28): 5, ago(27): 5, ago(1): 2, ago(0): 2},
            True,
            "Your pain during exercise has gone from 5 to 2 over 4 weeks.",
            id="improving",
        ),
        pytest.param(
            {ago(14): 3, ago(0): 3},
            False,
            "Pain during exercise has stayed around 3 out of 10 over 2 weeks.",
            id="steady",
        ),
        pytest.param(
            {ago(21): 2, ago(20): 3, ago(0): 1},
            True,
            "Your pain during exercise has gone from 3 to 1 over 3 weeks.",
            id="halves-round-up",
        ),
    ],
)
def test_pain_caption_compares_the_first_and_last_week(during, patient, caption):
    assert pain_caption(during, patient=patient) == caption


def test_adherence_caption_falls_back_to_last_week_before_anything_is_done():
    weeks = [WeekAdherence(MONDAY - timedelta(days=7), 9, 10), WeekAdherence(MONDAY, 0, 0)]
    assert (
        adherence_caption(weeks, TODAY, patient=True) == "You did 90% of your exercises last week."
    )
    this_week = [*weeks[:1], WeekAdherence(MONDAY, 3, 4)]
    assert (
        adherence_caption(this_week, TODAY, patient=False)
        == "75% of the exercises due this week were done."
    )


def test_calendar_caption_counts_exercise_days_only():
    statuses = {
        ago(3): DayStatus.DONE,
        ago(2): DayStatus.REST,
        ago(1): DayStatus.PARTIAL,
        TODAY: DayStatus.DONE,
    }
    assert (
        calendar_caption(statuses, patient=True)
        == "You did everything on 2 of 3 exercise days, and some of it on 1 more."
    )
