"""Small factories for test data, exposed as the `make` fixture."""

from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest

from app.extensions import db
from app.models import (
    Clinic,
    Exercise,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeTemplate,
    ProgrammeVersion,
    Role,
    TemplatePhase,
    TemplatePrescription,
    User,
)
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
            clinic_id=clinic.id,
            role=role,
            name=f"Staff {email.split('@')[0]}",
            login=email,
            email=email,
            password_hash=self.password_hash,
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
            clinic_id=physio.clinic_id,
            role=Role.PATIENT,
            name=name or f"Patient {email.split('@')[0]}",
            login=email,
            email=email,
            password_hash=self.password_hash,
        )
        patient = Patient(
            user=user,
            clinic_id=physio.clinic_id,
            physio_id=physio.id,
            date_of_birth=date(1990, 5, 17),
            timezone=timezone,
            condition="gluteal-tendinopathy",
            affected_side="right",
            goal="Run 10 km pain-free",
            usual_pain=usual_pain,
        )
        db.session.add(patient)
        db.session.flush()
        return patient

    def exercise(self, slug: str | None = None, **fields: object) -> Exercise:
        """A library exercise (clinic_id None) unless clinic_id is given."""
        slug = slug or f"exercise-{next(_ids)}"
        values: dict[str, object] = {
            "slug": slug,
            "name": slug.replace("-", " ").capitalize(),
            "category": "strengthening",
            "body_regions": ["hip"],
            "target_muscles": ["gluteus medius"],
            "equipment": ["none"],
            "position": "supine",
            "level": 1,
            "sets": 3,
            "reps": 10,
            "rest_seconds": 60,
            "side": "both",
            "times_per_week": 3,
            "times_per_day": 1,
            "steps": ["Lie on your back.", "Lift.", "Lower slowly."],
            "cues": ["Breathe"],
            "faults": ["Rushing"],
            "cautions": [],
            "evidence": "",
            "search_text": slug,
            "tags": "|hip|none|",
        }
        values.update(fields)
        exercise = Exercise(**values)
        db.session.add(exercise)
        db.session.flush()
        return exercise

    def programme(
        self,
        patient: Patient,
        exercises: list[Exercise] | None = None,
        *,
        start: date = date(2026, 11, 2),
        days_of_week: int | None = 0b1111111,
        times_per_week: int | None = None,
        side: str = "both",
        sets: int = 3,
        reps: int | None = 10,
        hold_seconds: int | None = None,
    ) -> Programme:
        """An active one-phase programme (version 1) with one line per exercise."""
        exercises = exercises if exercises is not None else [self.exercise()]
        programme = Programme(
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            created_by_id=patient.physio_id,
            title="Test programme",
            start_date=start,
        )
        programme.phases.append(ProgrammePhase(position=0, name="Phase 1", criteria="Pain <= 3/10"))
        db.session.add(programme)
        db.session.flush()
        version = ProgrammeVersion(
            programme_id=programme.id,
            number=1,
            effective_from=start,
            created_by_id=patient.physio_id,
            change_kind="created",
            summary="Programme created",
        )
        for position, exercise in enumerate(exercises):
            version.prescriptions.append(
                Prescription(
                    line_id=position + 1,
                    position=position,
                    exercise_id=exercise.id,
                    sets=sets,
                    reps=reps if hold_seconds is None else None,
                    hold_seconds=hold_seconds,
                    side=side,
                    days_of_week=days_of_week,
                    times_per_week=times_per_week if days_of_week is None else None,
                )
            )
        db.session.add(version)
        db.session.flush()
        programme.current_version_id = version.id
        db.session.flush()
        return programme


_PASSWORD_HASH: str | None = None


@pytest.fixture
def make(app, db) -> Make:  # type: ignore[no-untyped-def]
    """Factories bound to the test's rolled-back session."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return Make(password_hash=_PASSWORD_HASH)


def _template(
    self: Make,
    phases: list[tuple[str, list[Exercise]]],
    *,
    name: str = "Gluteal tendinopathy",
    clinic_id: int | None = None,
    days_of_week: int | None = None,
    times_per_week: int | None = 3,
) -> ProgrammeTemplate:
    """A condition template (library unless clinic_id is given): phases of exercise lists."""
    template = ProgrammeTemplate(
        slug=f"template-{next(_ids)}",
        clinic_id=clinic_id,
        name=name,
        condition="gluteal-tendinopathy",
        description="Test template",
    )
    for position, (phase_name, exercises) in enumerate(phases):
        phase = TemplatePhase(
            position=position,
            name=phase_name,
            goal=f"Goal of {phase_name}",
            typical_weeks=3,
            criteria=f"Pain <= 3/10 to leave {phase_name}",
        )
        for index, exercise in enumerate(exercises):
            phase.prescriptions.append(
                TemplatePrescription(
                    position=index,
                    exercise_id=exercise.id,
                    sets=3,
                    reps=10,
                    rest_seconds=60,
                    side="both",
                    times_per_day=1,
                    days_of_week=days_of_week,
                    times_per_week=None if days_of_week is not None else times_per_week,
                )
            )
        template.phases.append(phase)
    db.session.add(template)
    db.session.flush()
    return template


Make.template = _template  # type: ignore[attr-defined]
