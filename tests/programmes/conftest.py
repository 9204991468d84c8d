"""Fixtures for the programme pages: three exercises in a chain, a two-phase template, a plan."""

from datetime import timedelta

import pytest

from app.domain.localtime import local_today
from app.extensions import db
from app.services import programmes as svc


@pytest.fixture
def exercises(make):
    clam = make.exercise("clamshell", name="Clamshell")
    banded = make.exercise("banded-clamshell", name="Banded clamshell", regression_id=clam.id)
    clam.progression_id = banded.id
    bridge = make.exercise("bridge", name="Bridge", steps=["Lie on your back.", "Lift your hips."])
    return {"clam": clam, "banded": banded, "bridge": bridge}


@pytest.fixture
def template(make, exercises):
    return make.template(
        [
            ("Isometric", [exercises["clam"], exercises["bridge"]]),
            ("Isotonic", [exercises["banded"]]),
        ],
        days_of_week=0b0010101,
    )


@pytest.fixture
def programme(physio, patient, template):
    today = local_today(patient.timezone)
    programme = svc.assign_programme(physio, patient, template, today - timedelta(days=3))
    db.session.flush()
    return programme
