"""The patient's Account page: reminder times, this phone's subscription, the calendar link."""

import re
from datetime import date, time, timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarFeed, Prescription, PushSubscription, ReminderSetting
from tests.reminders.push_service import BrowserKeys


@pytest.fixture
def signed_in(client, make, patient):  # type: ignore[no-untyped-def]
    # Mon/Wed/Fri, twice a day: the plan's own times are 09:00 and 18:00.
    programme = make.programme(patient, start=date(2026, 11, 2), days_of_week=0b0010101)
    db.session.execute(
        sa.update(Prescription)
        .where(Prescription.version_id == programme.current_version_id)
        .values(times_per_day=2)
    )
    return client.login_as(patient.user)


def test_the_account_page_starts_from_the_plans_times_with_reminders_off(signed_in):  # type: ignore[no-untyped-def]
    page = signed_in.get("/me").get_data(as_text=True)
    assert 'id="reminders"' in page and "<strong>Off.</strong>" in page
    assert re.search(r'name="time_1"[^>]*value="09:00"', page)
    assert re.search(r'name="time_2"[^>]*value="18:00"', page)
    assert 'data-public-key="B' in page  # the server's VAPID key, for this phone to subscribe
    assert "Make a calendar link" in page


def test_a_patient_saves_reminder_times(signed_in, patient):  # type: ignore[no-untyped-def]
    answer = signed_in.post_form(
        "/me/reminders",
        {
            "enabled": "y",
            "time_1": "07:30",
            "time_2": "19:00",
            "evening_nudge": "y",
            "evening_time": "21:00",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/me#reminders")
    setting = db.session.get(ReminderSetting, patient.id)
    assert (setting.enabled, setting.times, setting.evening_nudge, setting.evening_time) == (
        True,
        "07:30,19:00",
        True,
        time(21, 0),
    )
    page = signed_in.get("/me").get_data(as_text=True)
    assert "Chosen, but no phone yet" in page  # on, but nothing to send to yet


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"time_1": "25:00"}, "time_1"),
        ({"time_1": "nine"}, "time_1"),
        ({"evening_time": ""}, "evening_time"),
    ],
)
def test_bad_times_are_refused_by_the_field_and_nothing_is_stored(signed_in, patient, form, field):  # type: ignore[no-untyped-def]
    data = {"enabled": "y", "time_1": "09:00", "evening_time": "20:00", **form}
    answer = signed_in.post_form("/me/reminders", data)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert db.session.get(ReminderSetting, patient.id) is None


def _subscription(name: str = "phone") -> dict[str, object]:
    keys = BrowserKeys.new()
    return {
        "endpoint": f"https://push.example.invalid/{name}",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
    }


def test_this_phone_subscribes_once_and_unsubscribes(signed_in, patient):  # type: ignore[no-untyped-def]
    body = _subscription()
    for _ in range(2):  # the page sends it again on each visit: still one phone
        answer = signed_in.post_json("/me/push/subscribe", body)
        assert answer.status_code == 200 and answer.json == {"status": "subscribed", "devices": 1}
    gone = signed_in.post_json("/me/push/unsubscribe", {"endpoint": body["endpoint"]})
    assert gone.json == {"status": "removed"}
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "ftp://push.example.invalid/x", "keys": {"p256dh": "a", "auth": "b"}},
        {"endpoint": "https://push.example.invalid/x", "keys": {"p256dh": "", "auth": "b"}},
        {
            "endpoint": "https://push.example.invalid/" + "x" * 1100,
            "keys": {"p256dh": "a", "auth": "b"},
        },
        {"endpoint": "https://push.example.invalid/x", "keys": {"p256dh": "a" * 200, "auth": "b"}},
    ],
)
def test_a_bad_subscription_is_refused_with_a_message_and_nothing_is_stored(signed_in, body):  # type: ignore[no-untyped-def]
    answer = signed_in.post_json("/me/push/subscribe", body)
    assert answer.status_code == 422 and answer.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0


@pytest.mark.parametrize("body", [[], {"endpoint": 3, "keys": {}}, {"endpoint": "https://x"}])
def test_a_subscription_that_is_not_one_answers_400(signed_in, body):  # type: ignore[no-untyped-def]
    assert signed_in.post_json("/me/push/subscribe", body).status_code == 400


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.invalid/x",  # not https
        "https://10.0.0.5/x",  # an address inside the server's network
        "https://[::1]/x",
        "https://localhost/x",
        "https://push.example.invalid:8443/x",  # a port of someone's choosing
        "https://metadata/x",
    ],
)
def test_a_push_endpoint_must_be_a_push_services_https_url(app, signed_in, monkeypatch, endpoint):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP", False)
    body = {**_subscription(), "endpoint": endpoint}
    answer = signed_in.post_json("/me/push/subscribe", body)
    assert answer.status_code == 422 and "endpoint" in answer.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
    assert signed_in.post_json("/me/push/subscribe", _subscription()).status_code == 200


def test_subscribing_needs_the_csrf_header(signed_in):  # type: ignore[no-untyped-def]
    assert signed_in.post("/me/push/subscribe", json=_subscription()).status_code == 400


def test_a_phone_passed_to_another_patient_is_theirs_now(client, make, physio, signed_in, patient):  # type: ignore[no-untyped-def]
    body = _subscription()
    signed_in.post_json("/me/push/subscribe", body)
    other = make.patient(physio)
    client.login_as(other.user).post_json("/me/push/subscribe", body)
    owners = db.session.scalars(sa.select(PushSubscription.patient_id)).all()
    assert owners == [other.id]


def test_the_physio_sees_whether_reminders_are_on(client, physio, signed_in, patient):  # type: ignore[no-untyped-def]
    staff = client.application.test_client().login_as(physio)
    status = re.compile(r'data-testid="reminders-status">\s*([^<]*)<')
    page = staff.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert status.findall(page) == ["Off"]
    signed_in.post_form(
        "/me/reminders", {"enabled": "y", "time_1": "08:00", "evening_time": "20:00"}
    )
    signed_in.post_json("/me/push/subscribe", _subscription())
    page = staff.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert status.findall(page) == ["On: 08:00 on exercise days (1 phone)"]


# --- The calendar feed -------------------------------------------------------------------------


def _calendar_link(client) -> str:  # type: ignore[no-untyped-def]
    """Make a calendar link on the Account page; return it as the page shows it (once)."""
    page = client.post_form("/me/calendar").get_data(as_text=True)
    [link] = re.findall(r'value="(http[^"]+\.ics)"', page)
    return link


def _path(link: str) -> str:
    return urlsplit(link).path


def test_the_calendar_link_is_shown_once_and_only_its_hash_is_kept(signed_in, patient):  # type: ignore[no-untyped-def]
    link = _calendar_link(signed_in)
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.get(CalendarFeed, patient.id)
    assert stored.token_hash != token and token not in signed_in.get("/me").get_data(as_text=True)
    assert "Your calendar link is in use" in signed_in.get("/me").get_data(as_text=True)


def test_the_feed_is_valid_icalendar_with_weekly_events_alarms_and_the_timezone(
    app, client, signed_in, patient
):  # type: ignore[no-untyped-def]
    signed_in.post_form(
        "/me/reminders",
        {"enabled": "y", "time_1": "07:30", "time_2": "18:00", "evening_time": "20:00"},
    )
    link = _calendar_link(signed_in)
    anonymous = app.test_client()  # a calendar app: no login, the token is the key
    answer = anonymous.get(_path(link))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Cache-Control"].startswith("private")
    calendar = icalendar.Calendar.from_ical(answer.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    events = calendar.walk("VEVENT")
    assert [e.decoded("DTSTART").time() for e in events] == [time(7, 30), time(18, 0)]
    for event in events:
        assert str(event["SUMMARY"]) == "Exercises (Stride)"
        start = event.decoded("DTSTART")
        assert str(start.tzinfo) == "Europe/London" and start.weekday() in (0, 2, 4)
        assert event["RRULE"]["FREQ"] == ["WEEKLY"]
        assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
        assert event.decoded("DURATION") == timedelta(minutes=20)
        [alarm] = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(0)
        assert event["UID"] and event["DTSTAMP"]
    # Nothing about the exercises, pain or condition.
    text = answer.get_data(as_text=True)
    assert "Bridge" not in text and patient.condition not in text and patient.user.name not in text
    # RFC 5545: CRLF line ends, lines of at most 75 octets.
    assert all(len(line) <= 75 for line in answer.data.split(b"\r\n"))


def test_a_new_link_replaces_the_old_and_revoking_stops_it(app, signed_in):  # type: ignore[no-untyped-def]
    first = _calendar_link(signed_in)
    second = _calendar_link(signed_in)
    anonymous = app.test_client()
    assert anonymous.get(_path(first)).status_code == 404
    assert anonymous.get(_path(second)).status_code == 200
    assert signed_in.post_form("/me/calendar/revoke").status_code == 302
    assert anonymous.get(_path(second)).status_code == 404


def test_a_password_change_stops_the_calendar_link(app, signed_in, patient):  # type: ignore[no-untyped-def]
    from app.services import accounts

    link = _calendar_link(signed_in)
    accounts.set_password(patient.user, "a brand new password for the calendar")
    db.session.flush()
    assert app.test_client().get(_path(link)).status_code == 404
    assert db.session.get(CalendarFeed, patient.id) is None


def test_a_feed_without_a_plan_is_an_empty_calendar(app, client, make, physio):  # type: ignore[no-untyped-def]
    lonely = make.patient(physio)
    link = _calendar_link(client.login_as(lonely.user))
    answer = app.test_client().get(_path(link))
    calendar = icalendar.Calendar.from_ical(answer.data)
    assert answer.status_code == 200 and calendar.walk("VEVENT") == []


def test_the_feed_is_rate_limited_per_address(app, signed_in, monkeypatch):  # type: ignore[no-untyped-def]
    from app.extensions import limiter

    path = _path(_calendar_link(signed_in))
    monkeypatch.setitem(app.config, "CALENDAR_RATE_LIMIT", "2 per minute")
    limiter.reset()
    anonymous = app.test_client()
    answers = [anonymous.get(path).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    limiter.reset()
