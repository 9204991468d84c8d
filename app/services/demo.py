"""Demo data for a first run: a clinic, its staff and three patients."""

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Clinic, Patient, Role, User
from app.services.passwords import hash_password

DEMO_PASSWORD = "stride-demo"
DEMO_LOGINS = [
    ("physio@example.com", "physio"),
    ("admin@example.com", "clinic admin"),
    ("patient@example.com", "patient (improving steadily)"),
    ("flare@example.com", "patient (flare-up after a progression)"),
    ("quiet@example.com", "patient (dropped off)"),
]


def demo_exists() -> bool:
    """Tell whether the demo clinic has been seeded already."""
    return db.session.scalar(sa.select(User.id).where(User.login == "physio@example.com")) is not None


def seed_demo() -> None:
    """Create the demo clinic, staff and patients (the caller checks it is not there yet)."""
    password_hash = hash_password(DEMO_PASSWORD)
    clinic = Clinic(name="Riverside Physiotherapy (demo)")
    db.session.add(clinic)
    db.session.flush()

    def staff(email: str, name: str, role: Role) -> User:
        user = User(
            clinic_id=clinic.id, role=role, name=name, login=email, email=email,
            password_hash=password_hash,
        )
        db.session.add(user)
        return user

    physio = staff("physio@example.com", "Priya Shah", Role.PHYSIO)
    staff("admin@example.com", "Alex Morgan", Role.ADMIN)
    db.session.flush()

    patients = [
        ("patient@example.com", "Sam Taylor", date(1988, 4, 12), "gluteal-tendinopathy", "right",
         "Run 10 km pain-free by spring", 2),
        ("flare@example.com", "Jo Rivera", date(1979, 9, 3), "fai", "left",
         "Get back to weekend park runs", 3),
        ("quiet@example.com", "Chris Okafor", date(1995, 1, 27), "adductor-groin-pain", "right",
         "Play five-a-side football again", 1),
    ]
    for email, name, dob, condition, side, goal, usual in patients:
        user = User(
            clinic_id=clinic.id, role=Role.PATIENT, name=name, login=email, email=email,
            password_hash=password_hash,
        )
        db.session.add(
            Patient(
                user=user, clinic_id=clinic.id, physio_id=physio.id, date_of_birth=dob,
                timezone="Europe/London", condition=condition, affected_side=side, goal=goal,
                usual_pain=usual,
            )
        )
    db.session.flush()
