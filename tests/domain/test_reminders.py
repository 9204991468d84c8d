"""The reminder rule: which slots are due now for a patient (days, times, timezone, done)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.domain.errors import Refused
from app.domain.reminders import (
    EVENING,
    MAX_ATTEMPTS,
    RETRY_CAP,
    SEND_WITHIN,
    PatientDay,
    ReminderChoice,
    calendar_slots,
    default_times,
    due_slots,
    next_attempt,
    parse_times,
    slots_of_day,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
ON = ReminderChoice(enabled=True)
NINE = ReminderChoice(enabled=True, times=(time(9, 0),))
NINE_AND_NUDGE = ReminderChoice(enabled=True, times=(time(9, 0),), evening_nudge=True)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def day(on: date, *, exercise: bool = True, done: bool = False, sessions: int = 1) -> PatientDay:
    return PatientDay(local_date=on, exercise_day=exercise, done=done, times_per_day=sessions)


WED = date(2026, 12, 2)
# London: 29 Mar 2026 clocks go 01:00 -> 02:00 (BST); 25 Oct 2026 02:00 -> 01:00 (GMT).
SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)

# (why, now, timezone, choice, day, expected slot names)
CASES = [
    (
        "at 09:00 the 09:00 reminder is due",
        utc(2026, 12, 2, 9, 0),
        LONDON,
        NINE,
        day(WED),
        ["09:00"],
    ),
    ("a minute before, nothing", utc(2026, 12, 2, 8, 59), LONDON, NINE, day(WED), []),
    (
        "an hour later it is still due (the worker was down)",
        utc(2026, 12, 2, 10, 0),
        LONDON,
        NINE,
        day(WED),
        ["09:00"],
    ),
    ("after SEND_WITHIN it is too late", utc(2026, 12, 2, 11, 0), LONDON, NINE, day(WED), []),
    ("a day already done: nothing", utc(2026, 12, 2, 9, 5), LONDON, NINE, day(WED, done=True), []),
    ("a rest day: nothing", utc(2026, 12, 2, 9, 5), LONDON, NINE, day(WED, exercise=False), []),
    (
        "reminders off: nothing",
        utc(2026, 12, 2, 9, 5),
        LONDON,
        ReminderChoice(enabled=False, times=(time(9),)),
        day(WED),
        [],
    ),
    (
        "no times chosen, once a day: the plan's 09:00",
        utc(2026, 12, 2, 9, 1),
        LONDON,
        ON,
        day(WED),
        ["09:00"],
    ),
    (
        "no times chosen, twice a day: 09:00 and 18:00",
        utc(2026, 12, 2, 18, 1),
        LONDON,
        ON,
        day(WED, sessions=2),
        ["18:00"],
    ),
    (
        "the patient's timezone: 09:00 in New York is 14:00 UTC",
        utc(2026, 12, 2, 14, 0),
        NEW_YORK,
        NINE,
        day(WED),
        ["09:00"],
    ),
    ("and not at 09:00 UTC", utc(2026, 12, 2, 9, 0), NEW_YORK, NINE, day(WED), []),
    (
        "the evening nudge at 20:00 if not done",
        utc(2026, 12, 2, 20, 0),
        LONDON,
        NINE_AND_NUDGE,
        day(WED),
        [EVENING],
    ),
    (
        "no evening nudge once the day is done",
        utc(2026, 12, 2, 20, 0),
        LONDON,
        NINE_AND_NUDGE,
        day(WED, done=True),
        [],
    ),
    (
        "no evening nudge on a rest day",
        utc(2026, 12, 2, 20, 0),
        LONDON,
        NINE_AND_NUDGE,
        day(WED, exercise=False),
        [],
    ),
    (
        "summer time: 09:00 BST is 08:00 UTC",
        utc(2026, 3, 29, 8, 0),
        LONDON,
        NINE,
        day(SPRING),
        ["09:00"],
    ),
    (
        "a time the clocks skip (01:30) comes an hour on (02:30 BST)",
        utc(2026, 3, 29, 1, 30),
        LONDON,
        ReminderChoice(True, (time(1, 30),)),
        day(SPRING),
        ["01:30"],
    ),
    (
        "a time shown twice (01:30) is due at the first",
        utc(2026, 10, 25, 0, 30),
        LONDON,
        ReminderChoice(True, (time(1, 30),)),
        day(AUTUMN),
        ["01:30"],
    ),
    (
        "after the clocks go back, 09:00 GMT is 09:00 UTC",
        utc(2026, 10, 25, 8, 30),
        LONDON,
        NINE,
        day(AUTUMN),
        [],
    ),
]


@pytest.mark.parametrize(
    ("now", "timezone", "choice", "patient_day", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_due_slots(now, timezone, choice, patient_day, expected):  # type: ignore[no-untyped-def]
    assert [slot.slot for slot in due_slots(now, timezone, choice, patient_day)] == expected


def test_a_due_slot_says_when_it_fell_due_in_utc_and_has_no_health_words():
    [slot] = due_slots(utc(2026, 12, 2, 14, 30), NEW_YORK, NINE, day(WED))
    assert slot.due_at == utc(2026, 12, 2, 14, 0) and slot.local_date == WED
    assert slot.message == "Time for today's exercises."


def test_the_day_must_be_the_patients_local_date():
    # 23:30 UTC on 1 Dec is 2 Dec in Sydney: the caller must pass the 2nd.
    with pytest.raises(ValueError):
        due_slots(utc(2026, 12, 1, 23, 30), "Australia/Sydney", NINE, day(date(2026, 12, 1)))


def test_each_slot_of_a_day_is_due_once_in_a_worker_polling_every_minute():
    choice = ReminderChoice(True, (time(9), time(18)), evening_nudge=True)
    seen = []
    now = utc(2026, 12, 2, 0, 0)
    while now < utc(2026, 12, 3, 0, 0):
        seen.extend(
            (slot.slot, slot.local_date) for slot in due_slots(now, LONDON, choice, day(WED))
        )
        now += timedelta(minutes=1)
    # Due for SEND_WITHIN each; the worker's unique row makes each one send.
    assert sorted(set(seen)) == [("09:00", WED), ("18:00", WED), (EVENING, WED)]
    assert len(seen) == 3 * int(SEND_WITHIN / timedelta(minutes=1))


@pytest.mark.parametrize(
    ("times_per_day", "expected"),
    [
        (1, ["09:00"]),
        (2, ["09:00", "18:00"]),
        (3, ["09:00", "13:00", "18:00"]),
        (9, ["08:00", "12:00", "16:00", "20:00"]),
    ],
)
def test_default_times_follow_the_plans_times_per_day(times_per_day, expected):  # type: ignore[no-untyped-def]
    assert [f"{at:%H:%M}" for at in default_times(times_per_day)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("18:00, 09:00", (time(9), time(18))),
        ("9:00,09:00", (time(9),)),
        ("07:30;21:15", (time(7, 30), time(21, 15))),
    ],
)
def test_parse_times_reads_sorts_and_drops_repeats(text, expected):  # type: ignore[no-untyped-def]
    assert parse_times(text) == expected


@pytest.mark.parametrize(
    "text", ["25:00", "9", "09:7", "noon", "٠٩:٠٠", "01:00,02:00,03:00,04:00,05:00"]
)
def test_parse_times_refuses_with_a_message_by_the_field(text):  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as refused:
        parse_times(text)
    assert set(refused.value.errors) == {"times"}


def test_slots_of_day_are_in_time_order_with_the_nudge():
    choice = ReminderChoice(True, (time(18), time(9)), evening_nudge=True, evening_time=time(21))
    assert [s.slot for s in slots_of_day(choice, day(WED), LONDON)] == ["09:00", "18:00", EVENING]


@pytest.mark.parametrize(
    ("attempts", "now_after_due", "expected_delay"),
    [
        (1, timedelta(0), timedelta(minutes=1)),
        (2, timedelta(0), timedelta(minutes=2)),
        (5, timedelta(0), timedelta(minutes=16)),
        (MAX_ATTEMPTS, timedelta(0), None),  # gave up
        (5, SEND_WITHIN - timedelta(minutes=5), None),  # the retry would be too late
    ],
)
def test_failed_sends_back_off_then_give_up(attempts, now_after_due, expected_delay):  # type: ignore[no-untyped-def]
    due = utc(2026, 12, 2, 9)
    now = due + now_after_due
    retry = next_attempt(attempts, now, due)
    assert (retry - now if retry else None) == expected_delay
    assert expected_delay is None or expected_delay <= RETRY_CAP


def test_calendar_slots_are_the_reminder_times_on_the_exercise_weekdays():
    choice = ReminderChoice(False, (time(7, 30),), evening_nudge=True)
    [slot] = calendar_slots(choice, {0, 2, 4}, 1, date(2026, 12, 3))  # a Thursday
    assert (slot.slot, slot.weekdays, slot.first_day) == (
        "07:30",
        frozenset({0, 2, 4}),
        date(2026, 12, 4),
    )
    assert calendar_slots(choice, set(), 1, WED) == []  # no plan: no events
