"""Scale data for the performance tests: a small run of the real scale seeder, per test."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.devdata import scale
from app.models import Patient, User


@dataclass
class Scale:
    """What a seeded clinic looks like from a test: the busy physio and one of their patients."""

    physio: User
    patient: Patient
    result: scale.ScaleResult


@pytest.fixture
def seed_scale(db) -> Callable[..., Scale]:  # type: ignore[no-untyped-def]
    """Seed `patients` x `days` of scale data (rolled back with the test)."""

    def seed(patients: int, days: int, **options: object) -> Scale:
        result = scale.seed_scale(patients, days, **options)  # type: ignore[arg-type]
        db.session.flush()
        physio = db.session.scalar(sa.select(User).where(User.login == scale.physio_login(1)))
        patient = db.session.scalar(
            sa.select(Patient)
            .join(User, Patient.user_id == User.id)
            .where(User.login == scale.patient_login(1))
        )
        assert physio is not None and patient is not None
        return Scale(physio, patient, result)

    return seed
