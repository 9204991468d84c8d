"""Small factories for test data, exposed as the `make` fixture."""

from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest

from app.extensions import db
from app.models import Clinic, Patient, Role, User
from app.services.passwords import hash_password

PASSWORD = "correct horse battery"
_ids = count(1)


@dataclass
class Make:
    """Build rows with sensible defaults; every call flushes so ids are set."""

    password_hash: str

    def clinic(self, name: str = "Test clinic") -> Clinic:
        clinic = Clinic(name=name)
        db.session.add(clinic)
        db.session.flush()
        return clinic

    def staff(self, clinic: Clinic, role: Role = Role.PHYSIO, email: str | None = None) -> User:
        email = email or f"staff{next(_ids)}@test.example"
        user = User(
            clinic_id=clinic.id, role=role, name=f"Staff {email.split('@')[0]}",
            login=email, email=email, password_hash=self.password_hash,
        )
        db.session.add(user)
        db.session.flush()
        return user

    def patient(
        self,
        physio: User,
        email: str | None = None,
        *,
        timezone: str = "Europe/London",
        usual_pain: int | None = 2,
        name: str | None = None,
    ) -> Patient:
        email = email or f"patient{next(_ids)}@test.example"
        user = User(
            clinic_id=physio.clinic_id, role=Role.PATIENT, name=name or f"Patient {email.split('@')[0]}",
            login=email, email=email, password_hash=self.password_hash,
        )
        patient = Patient(
            user=user, clinic_id=physio.clinic_id, physio_id=physio.id,
            date_of_birth=date(1990, 5, 17), timezone=timezone, condition="gluteal-tendinopathy",
            affected_side="right", goal="Run 10 km pain-free", usual_pain=usual_pain,
        )
        db.session.add(patient)
        db.session.flush()
        return patient


_PASSWORD_HASH: str | None = None


@pytest.fixture
def make(app, db) -> Make:  # type: ignore[no-untyped-def]
    """Factories bound to the test's rolled-back session."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return Make(password_hash=_PASSWORD_HASH)
