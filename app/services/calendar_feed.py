"""The patient's private calendar feed: its secret link, and the iCalendar it serves.

The link's token is the credential (calendar apps cannot log in): only its HMAC is kept, it
is shown once, a new one replaces the old, and a password change revokes it
(accounts.set_password). The feed holds "Exercises (Stride)" at the reminder times on the
plan's exercise weekdays, as weekly recurring events with an alarm, in the patient's
timezone: nothing about the exercises, pain or condition.
"""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Alarm, Calendar, Event

from app.domain.localtime import utcnow
from app.domain.reminders import calendar_slots
from app.domain.schedule import due_by_day
from app.extensions import db
from app.models import CalendarFeed, Patient
from app.services import reminders
from app.services.accounts import token_digest
from app.services.plans import plans_in_force, schedule_of

SUMMARY = "Exercises (Stride)"
EVENT_MINUTES = 20
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TIMEZONE_YEARS = 5  # the VTIMEZONE's transitions cover this many years from today


def has_feed(patient: Patient) -> bool:
    """Tell whether the patient has a calendar link in use."""
    return db.session.get(CalendarFeed, patient.id) is not None


def issue_feed(patient: Patient) -> str:
    """Make the patient a new calendar link token (the old one stops working); shown once."""
    token = secrets.token_urlsafe(32)
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.patient_id == patient.id))
    db.session.add(CalendarFeed(patient_id=patient.id, token_hash=token_digest(token)))
    return token


def revoke_feed(patient: Patient) -> None:
    """Stop the patient's calendar link working."""
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.patient_id == patient.id))


def patient_for_token(token: str) -> Patient | None:
    """The patient whose calendar link has this token, if any (one statement)."""
    if not token or len(token) > 64 or not token.isascii():
        return None
    return db.session.scalar(
        sa.select(Patient)
        .join(CalendarFeed, CalendarFeed.patient_id == Patient.id)
        .where(CalendarFeed.token_hash == token_digest(token))
    )


def feed(patient: Patient, today: date, now: datetime | None = None) -> bytes:
    """The patient's calendar (RFC 5545): the plan in force today, as weekly events."""
    week = plans_in_force([patient.id], today, today + timedelta(days=6)).get(patient.id, [])
    due = due_by_day(schedule_of(week), today, today + timedelta(days=6))
    weekdays = {day.weekday() for day, items in due.items() if items}
    sessions = max((item.sessions for items in due.values() for item in items), default=1)
    choice = reminders.choice_of(reminders.setting_of(patient.id))
    zone = ZoneInfo(patient.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Stride//Home exercises//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Stride exercises")
    calendar.add("x-wr-timezone", patient.timezone)
    stamp = now or utcnow()
    # The same events keep the same UIDs from one fetch to the next (calendar apps update
    # them in place), and say nothing of the patient.
    feed_key = db.session.scalar(
        sa.select(CalendarFeed.token_hash).where(CalendarFeed.patient_id == patient.id)
    )
    for slot in calendar_slots(choice, weekdays, sessions, today):
        event = Event()
        uid = hashlib.sha256(f"{feed_key}:{slot.slot}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@stride")
        event.add("dtstamp", stamp)
        event.add("summary", SUMMARY)
        event.add("dtstart", datetime.combine(slot.first_day, slot.at, tzinfo=zone))
        event.add("duration", timedelta(minutes=EVENT_MINUTES))
        byday = [WEEKDAYS[day] for day in sorted(slot.weekdays)]
        event.add("rrule", {"freq": "weekly", "byday": byday})
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", SUMMARY)
        alarm.add("trigger", timedelta(0))
        event.add_component(alarm)
        calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=today, last_date=date(today.year + TIMEZONE_YEARS, 1, 1)
    )
    return calendar.to_ical()
