"""Fixtures for the notes and messages tests."""

from datetime import date

import pytest

from app.domain.localtime import local_today


@pytest.fixture
def today(patient) -> date:  # type: ignore[no-untyped-def]
    """The test patient's local today (by the real clock, as the views use it)."""
    return local_today(patient.timezone)
