"""The time helper: UTC storage, patient-local days."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.domain.localtime import (
    DATE_FORMAT_MESSAGE,
    UnreadableDate,
    as_utc,
    format_date,
    format_datetime,
    is_valid_timezone,
    local_date,
    local_today,
    parse_date,
    utcnow,
    week_start,
)


@pytest.mark.parametrize(
    "instant, zone, expected",
    [
        # 23:30 UTC is already tomorrow in Auckland and still today in Los Angeles.
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "Pacific/Auckland", date(2026, 11, 25)),
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "America/Los_Angeles", date(2026, 11, 24)),
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "Europe/London", date(2026, 11, 24)),
        # Around the clocks going back in London (25 Oct 2026, 01:00 UTC).
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/London", date(2026, 10, 25)),
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "Europe/London", date(2026, 10, 25)),
        (datetime(2026, 10, 24, 22, 59, tzinfo=UTC), "Europe/London", date(2026, 10, 24)),
    ],
)
def test_local_date_follows_the_patients_timezone(instant, zone, expected):
    assert local_date(instant, zone) == expected


def test_local_today_uses_the_given_clock():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert local_today("Asia/Tokyo", now) == date(2026, 3, 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 1, 1), "Europe/London")
    with pytest.raises(ValueError):
        as_utc(datetime(2026, 1, 1))


def test_utcnow_is_aware_utc():
    assert utcnow().utcoffset() == timedelta(0)


def test_as_utc_converts_offsets():
    instant = datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(instant) == datetime(2026, 1, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "name, valid",
    [
        ("Europe/London", True),
        ("America/New_York", True),
        ("Mars/Olympus", False),
        ("", False),
        (" Europe/London", False),
        ("../etc/passwd", False),
    ],
)
def test_timezone_validation(name, valid):
    assert is_valid_timezone(name) is valid


@pytest.mark.parametrize(
    "day, monday",
    [(date(2026, 11, 23), date(2026, 11, 23)), (date(2026, 11, 29), date(2026, 11, 23))],
)
def test_week_starts_on_monday(day, monday):
    assert week_start(day) == monday


def test_stored_timestamps_come_back_aware_utc(db, clinic):
    from app.models import Clinic

    db.session.expire_all()
    stored = db.session.get(Clinic, clinic.id).created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-03", date(2026, 11, 3)), ("2024-02-29", date(2024, 2, 29))],
)
def test_parse_date_reads_iso_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "3/11/2026", "2026-02-30", "tomorrow", "2026-13-01"])
def test_parse_date_refuses_anything_else_with_one_message(text):
    with pytest.raises(UnreadableDate) as refused:
        parse_date(text)
    assert refused.value.errors == {"date": DATE_FORMAT_MESSAGE}


@pytest.mark.parametrize(("value", "expected"), [(date(2026, 11, 3), "Tue 3 Nov 2026"), (None, "")])
def test_format_date_writes_dates_as_people_do(value, expected):
    assert format_date(value) == expected


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        (datetime(2026, 11, 3, 7, 15, tzinfo=UTC), "UTC", "3 Nov 2026, 07:15"),
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "Europe/London", "2 Jul 2026, 00:30"),
        (None, "UTC", ""),
    ],
)
def test_format_datetime_shows_the_instant_in_a_timezone(value, zone, expected):
    assert format_datetime(value, zone) == expected
