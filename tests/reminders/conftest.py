"""Fixtures of the reminder tests: the local push service, a patient with a plan and a phone."""

from collections.abc import Iterator
from datetime import date, time

import pytest

from app.services import push, reminders
from tests.reminders.push_service import PushService


@pytest.fixture
def push_service(app) -> Iterator[PushService]:  # type: ignore[no-untyped-def]
    with app.app_context(), PushService() as service:
        service.server_public_key = push.public_key_of(app.config["VAPID_PRIVATE_KEY"])
        yield service


@pytest.fixture
def reminded(make, patient, push_service):  # type: ignore[no-untyped-def]
    """The patient on a Mon/Wed/Fri plan since November, reminders on at 09:00, one phone."""
    make.programme(patient, start=date(2026, 11, 2), days_of_week=0b0010101)
    reminders.save_choice(
        patient, enabled=True, times="09:00", evening_nudge=True, evening_time=time(20, 0)
    )
    phone = push_service.subscription("phone")
    reminders.subscribe(patient, phone["endpoint"], **phone["keys"])
    return patient
