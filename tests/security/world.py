"""A small world of two clinics, with patient A holding a row in every patient-data table."""

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.localtime import local_today, utcnow
from app.extensions import db
from app.models import (
    Assessment,
    Exercise,
    Flag,
    Patient,
    Programme,
    ProgrammeTemplate,
    ProgrammeVersion,
    ReadMarker,
    Role,
    Suggestion,
    SyncEvent,
    User,
)
from app.services import accounts


@dataclass
class World:
    """Who is who, and the ids of patient A's objects (for building URLs)."""

    physio_a: User  # patient A's physio
    physio_other: User  # another physio of the same clinic (patient B's)
    admin_a: User  # clinic admin of the same clinic
    admin_b: User  # clinic admin of another clinic
    physio_b: User  # physio of the other clinic
    patient_a: Patient
    patient_b: Patient
    programme: Programme
    version: ProgrammeVersion
    custom_exercise: Exercise  # clinic A's own exercise
    library_exercise: Exercise
    template: ProgrammeTemplate  # clinic A's own template
    suggestion: Suggestion
    flag: Flag
    invite_token: str
    today: date
    outcome_measure_id: int = 0  # patient A's questionnaire waiting today (issue 15)
    media_id: int = 0  # a photo recorded in clinic for patient A's first line (issue 16)
    exercise_media_id: int = 0  # a photo of clinic A's own exercise

    @property
    def users(self) -> dict[str, User | None]:
        """The callers of the authorization matrix, by column name."""
        return {
            "anon": None,
            "pat_a": self.patient_a.user,
            "pat_b": self.patient_b.user,
            "physio_a": self.physio_a,
            "physio_x": self.physio_other,
            "admin_a": self.admin_a,
            "admin_b": self.admin_b,
        }


def build_world(make) -> World:  # type: ignore[no-untyped-def]
    clinic_a = make.clinic("Clinic A")
    clinic_b = make.clinic("Clinic B")
    physio_a = make.staff(clinic_a, Role.PHYSIO, "physio-a@test.example")
    physio_other = make.staff(clinic_a, Role.PHYSIO, "physio-x@test.example")
    admin_a = make.staff(clinic_a, Role.ADMIN, "admin-a@test.example")
    admin_b = make.staff(clinic_b, Role.ADMIN, "admin-b@test.example")
    physio_b = make.staff(clinic_b, Role.PHYSIO, "physio-b@test.example")
    patient_a = make.patient(physio_a, "patient-a@test.example", name="Alice Able")
    patient_b = make.patient(physio_other, "patient-b@test.example", name="Bob Baker")
    make.patient(physio_b, "patient-c@test.example", name="Cara Clinic-B")

    library_exercise = make.exercise("world-bridge", name="Glute bridge")
    harder = make.exercise("world-bridge-single", name="Single-leg bridge", level=2)
    library_exercise.progression_id = harder.id
    harder.regression_id = library_exercise.id
    custom_exercise = make.exercise(
        "world-custom-clam",
        name="Clinic A clam",
        clinic_id=clinic_a.id,
        created_by_id=physio_a.id,
    )
    template = make.template(
        [("Isometric", [library_exercise]), ("Isotonic", [custom_exercise])],
        name="Clinic A tendinopathy",
        clinic_id=clinic_a.id,
    )

    today = local_today(patient_a.timezone)
    start = today - timedelta(days=21)
    programme = make.programme(
        patient_a, [library_exercise, custom_exercise], start=start, days_of_week=0b1111111
    )
    # A second version, so history and "plan on a date" have something to show.
    version = make.version(
        programme,
        today - timedelta(days=7),
        [
            {"exercise_id": exercise.id, "reps": 12}
            for exercise in (library_exercise, custom_exercise)
        ],
        created_by_id=physio_a.id,
        summary="Reps 10 -> 12",
        reason="Going well",
    )
    line = version.prescriptions[0]

    yesterday = today - timedelta(days=1)
    now = utcnow()
    make.log(patient_a, line, yesterday, pain=2, client_time=now)
    make.check_in(
        patient_a, yesterday, 6, note="Sore after the bridges", version_id=version.id,
        client_time=now,
    )  # fmt: skip
    make.days(
        patient_a, yesterday, yesterday, version_id=version.id, due=2, done=1, during=6,
        morning=None, usual=None, zone="red", logged=True,
    )  # fmt: skip
    db.session.add_all(
        [
            SyncEvent(
                id="0b6c53f0-8d7c-4f38-9a1e-5d8f3f1c2b10",
                patient_id=patient_a.id,
                kind="tick",
                local_date=yesterday,
                client_time=now,
                status="applied",
                payload={"line_id": line.line_id},
            ),
            Assessment(
                patient_id=patient_a.id,
                physio_id=physio_a.id,
                kind="initial",
                assessed_on=start,
                findings="Weak hip abductors",
                baseline_pain=5,
            ),
        ]
    )
    suggestion = make.suggestion(
        patient_a,
        programme,
        line_id=line.line_id,
        kind="regress",
        rule="red_day",
        window_start=yesterday,
        window_end=yesterday,
        numbers={"during": 6},
        reason="Pain was 6/10 yesterday.",
        proposal={
            "lines": [
                {
                    "line_id": line.line_id,
                    "exercise_name": "Bridge",
                    "rule": "regress_pain_above_5",
                    "reason": "Pain was 6/10 yesterday.",
                    "change": {"action": "dose", "sets": 3, "reps": 8},
                }
            ]
        },
        dedupe_key=f"regress:{line.line_id}:{yesterday}",
    )
    flag = make.flag(patient_a, yesterday, "Pain 6/10 during exercise yesterday.")
    make.message(patient_a, "Can I do the bridges on a bed?")
    make.message(patient_a, "Yes, a firm one.", author=physio_a)
    make.message(patient_b, "Bob's own question")
    db.session.add(ReadMarker(user_id=physio_a.id, patient_id=patient_a.id))
    issued = accounts.issue_invite(physio_a, patient_a.user)
    # Outcome questionnaires (issue 15): a baseline answered three weeks ago, a repeat due now.
    from tests.factories import outcome_measure

    outcome_measure(
        patient_a, "lefs", start, answered_on=start, answers=[2] * 20, score={"total": 40}
    )
    waiting = outcome_measure(patient_a, "lefs", today, reason="repeat")
    own_photo = make.media((patient_a, programme, line.line_id), by=physio_a)
    exercise_photo = make.media(custom_exercise, by=physio_a)
    db.session.flush()
    return World(
        physio_a=physio_a,
        physio_other=physio_other,
        admin_a=admin_a,
        admin_b=admin_b,
        physio_b=physio_b,
        patient_a=patient_a,
        patient_b=patient_b,
        programme=programme,
        version=version,
        custom_exercise=custom_exercise,
        library_exercise=library_exercise,
        template=template,
        suggestion=suggestion,
        flag=flag,
        invite_token=issued.token,
        today=today,
        outcome_measure_id=waiting.id,
        media_id=own_photo.id,
        exercise_media_id=exercise_photo.id,
    )
