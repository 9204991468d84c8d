"""Fixtures for progress, suggestions and the dashboard (days of history: make.days)."""

from datetime import date

import pytest

from app.domain.localtime import local_today


@pytest.fixture
def today() -> date:
    """Today for the test patients (all in Europe/London)."""
    return local_today("Europe/London")
