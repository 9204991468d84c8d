"""The one set of test data builders: rows through the `make` fixture (a pytest plugin loaded
by tests/conftest.py), sync event payloads, and library files on disk.

`make.<row>(...)` adds a row with sensible defaults to the test's rolled-back session and
flushes, so ids are set; keyword arguments override any column.
"""

import io
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
import yaml

from app.extensions import db
from app.models import (
    AuditEvent,
    CheckIn,
    Clinic,
    DaySummary,
    Exercise,
    ExerciseLog,
    Flag,
    Media,
    Message,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeTemplate,
    ProgrammeVersion,
    Role,
    Suggestion,
    TemplatePhase,
    TemplatePrescription,
    User,
)
from app.services import media as media_svc
from app.services.library import search_text_for, tags_for
from app.services.passwords import hash_password
from app.services.plans import due_for_patient_between

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

    def exercise(
        self, slug: str | None = None, *, searchable: bool = False, **fields: object
    ) -> Exercise:
        """A library exercise (clinic_id None) unless clinic_id is given.

        searchable: fill search_text and tags the way a library sync fills them.
        """
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
        if searchable:
            words = {name: values[name] for name in _SEARCHED_FIELDS}
            exercise.search_text = search_text_for(words)
            exercise.tags = tags_for(words)
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

    def template(
        self,
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

    def version(
        self,
        programme: Programme,
        effective_from: date,
        lines: Iterable[dict[str, Any]] | None = None,
        *,
        current: bool = True,
        **fields: object,
    ) -> ProgrammeVersion:
        """The programme's next version; lines are prescriptions' columns (by default copied
        from the current version). current=False leaves the programme pointing where it was."""
        previous = db.session.get(ProgrammeVersion, programme.current_version_id)
        number = (previous.number if previous else 0) + 1
        values: dict[str, object] = {
            "programme_id": programme.id,
            "number": number,
            "effective_from": effective_from,
            "created_by_id": programme.created_by_id,
            "change_kind": "dose",
            "summary": f"Version {number}",
        }
        values.update(fields)
        version = ProgrammeVersion(**values)
        if lines is None:
            lines = [
                {name: getattr(line, name) for name in _COPIED_LINE_FIELDS}
                for line in (previous.prescriptions if previous else [])
            ]
        for position, line in enumerate(lines):
            prescription: dict[str, Any] = {
                "line_id": position + 1,
                "position": position,
                "sets": 3,
                "reps": 10,
                "side": "both",
                "days_of_week": 0b1111111,
            }
            prescription.update(line)
            version.prescriptions.append(Prescription(**prescription))
        db.session.add(version)
        db.session.flush()
        if current:
            programme.current_version_id = version.id
            db.session.flush()
        return version

    def days(
        self,
        patient: Patient,
        first: date,
        last: date,
        *,
        due: int = 1,
        done: int | None = None,
        during: int | None = 2,
        morning: int | None = 2,
        usual: int | None = 2,
        zone: str | None = "green",
        logged: bool | None = None,
        ticks: bool = False,
        **fields: object,
    ) -> list[DaySummary]:
        """A day summary for every day first..last (done defaults to all that was due).

        ticks: also tick the plan's due units, the first `done` of them each day, so the
        rules that read each exercise's own ticks (a line progresses only when done) see them.
        """
        if ticks:
            self._tick_due(patient, first, last, done)
        rows = []
        day = first
        while day <= last:
            done_units = due if done is None else done
            row = DaySummary(
                patient_id=patient.id,
                local_date=day,
                due_units=due,
                done_units=done_units,
                during_pain=during,
                morning_pain=morning,
                usual_pain=usual,
                max_exercise_pain=None,
                zone=zone,
                logged=bool(done_units or during is not None or morning is not None)
                if logged is None
                else logged,
                **fields,
            )
            db.session.add(row)
            rows.append(row)
            day += timedelta(days=1)
        db.session.flush()
        return rows

    def _tick_due(self, patient: Patient, first: date, last: date, done: int | None) -> None:
        """Tick the first `done` due units of each day (all of them when done is None)."""
        for day, items in due_for_patient_between(patient, first, last).items():
            left = None if done is None else done
            for item in items:
                line = db.session.scalar(
                    sa.select(Prescription).where(
                        Prescription.version_id == item.version_id,
                        Prescription.line_id == item.line_id,
                    )
                )
                assert line is not None
                for unit in item.units:
                    if left is not None and left <= 0:
                        break
                    self.log(patient, line, day, session=unit.session, side=unit.side)
                    left = None if left is None else left - 1

    def log(self, patient: Patient, line: Prescription, day: date, **fields: object) -> ExerciseLog:
        """A done tick of one prescription line on a day."""
        values: dict[str, object] = {
            "patient_id": patient.id,
            "prescription_id": line.id,
            "line_id": line.line_id,
            "local_date": day,
            "done": True,
            "client_time": datetime.now(UTC),
        }
        values.update(fields)
        return self._add(ExerciseLog(**values))

    def check_in(
        self, patient: Patient, day: date, pain: int, kind: str = "during", **fields: object
    ) -> CheckIn:
        """A pain answer about the session of day ("during", or "morning" after)."""
        values: dict[str, object] = {
            "patient_id": patient.id,
            "session_date": day,
            "kind": kind,
            "pain": pain,
            "client_time": datetime.now(UTC),
        }
        values.update(fields)
        return self._add(CheckIn(**values))

    def flag(
        self, patient: Patient, day: date, message: str = "Red day.", **fields: object
    ) -> Flag:
        """An open red-day flag."""
        values: dict[str, object] = {
            "patient_id": patient.id,
            "kind": "red_day",
            "local_date": day,
            "message": message,
        }
        values.update(fields)
        return self._add(Flag(**values))

    def suggestion(self, patient: Patient, programme: Programme, **fields: object) -> Suggestion:
        """A pending suggestion on the programme's current version (line 1 by default)."""
        values: dict[str, object] = {
            "patient_id": patient.id,
            "programme_id": programme.id,
            "version_id": programme.current_version_id,
            "line_id": 1,
            "kind": "progress",
            "rule": "progress_steady_green",
            "window_start": programme.start_date,
            "window_end": programme.start_date,
            "numbers": {},
            "reason": "Ready.",
            "proposal": None,
            "dedupe_key": f"suggestion-{next(_ids)}",
        }
        values.update(fields)
        return self._add(Suggestion(**values))

    def message(
        self, patient: Patient, body: str = "How many sets?", author: User | None = None
    ) -> Message:
        """A message in the patient's thread: from the patient, or from author (staff)."""
        now = datetime.now(UTC)
        writer = author or patient.user
        return self._add(
            Message(
                id=new_id(),
                patient_id=patient.id,
                author_id=writer.id,
                from_patient=writer.id == patient.user_id,
                body=body,
                client_time=now,
                created_at=now,
            )
        )

    def media(
        self,
        target: Exercise | tuple[Patient, Programme, int],
        content: bytes | None = None,
        description: str = "Start position, side view",
        by: User | None = None,
    ) -> Media:
        """A stored photo (a small PNG unless content is given) through the real upload path,
        on a clinic exercise or on (patient, programme, line_id)."""
        if isinstance(target, Exercise):
            where = media_svc.Target.exercise(target)
            clinic_id = target.clinic_id
        else:
            patient, programme, line_id = target
            where = media_svc.Target.line(patient, programme.id, line_id)
            clinic_id = patient.clinic_id
        uploader = by or db.session.scalar(
            sa.select(User).where(User.clinic_id == clinic_id, User.role != Role.PATIENT)
        )
        assert uploader is not None, "media needs a staff member of the clinic"
        return media_svc.store_upload(
            uploader, io.BytesIO(content or photo_bytes()), description, where
        )

    def _add(self, row: Any) -> Any:
        db.session.add(row)
        db.session.flush()
        return row


_SEARCHED_FIELDS = (
    "name", "steps", "cues", "position", "target_muscles", "body_regions", "equipment"
)  # fmt: skip
_COPIED_LINE_FIELDS = (
    "line_id", "phase_position", "position", "exercise_id", "sets", "reps", "hold_seconds",
    "duration_seconds", "rest_seconds", "side", "days_of_week", "times_per_week", "times_per_day",
)  # fmt: skip

_PASSWORD_HASH: str | None = None


@pytest.fixture
def make(app, db) -> Make:  # type: ignore[no-untyped-def]
    """Factories bound to the test's rolled-back session."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return Make(password_hash=_PASSWORD_HASH)


# --- Sync events, as the page's script sends them ----------------------------------------------


def photo_bytes(
    size: tuple[int, int] = (40, 30), fmt: str = "PNG", colour: str = "teal", **save: Any
) -> bytes:
    """A small picture made by Pillow, in a given format (save: Pillow's options, e.g. exif)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


def new_id() -> str:
    return str(uuid.uuid4())


def tick(line_id: int, day: date, *, side: str = "both", session: int = 1, **extra: Any) -> dict:
    """A tick event as the page's script sends it."""
    return {
        "id": extra.pop("id", new_id()),
        "type": extra.pop("type", "tick"),
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "local_date": day.isoformat(),
        "line_id": line_id,
        "session": session,
        "side": side,
        **extra,
    }


def message(body: str, **extra: Any) -> dict:
    """A message event, as the messages page's script sends it."""
    return {
        "id": extra.pop("id", new_id()),
        "type": "message",
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "body": body,
        **extra,
    }


def checkin(kind: str, session_date: date, pain: int, **extra: Any) -> dict:
    """A check-in event (pain during a session, or the next morning)."""
    return {
        "id": extra.pop("id", new_id()),
        "type": "checkin",
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "kind": kind,
        "session_date": session_date.isoformat(),
        "pain": pain,
        **extra,
    }


# --- Library files on disk ---------------------------------------------------------------------


def exercise_file(slug: str, **fields: Any) -> dict[str, Any]:
    """An exercise file's data (valid as it is)."""
    data: dict[str, Any] = {
        "slug": slug,
        "name": slug.replace("-", " ").capitalize(),
        "category": "strengthening",
        "body_regions": ["hip"],
        "target_muscles": ["gluteus medius"],
        "equipment": ["none"],
        "position": "supine",
        "level": 1,
        "dose": {
            "sets": 3,
            "reps": 10,
            "rest_seconds": 60,
            "side": "both",
            "times_per_week": 3,
            "times_per_day": 1,
        },
        "steps": ["Lie on your back.", "Lift your hips.", "Lower slowly."],
        "cues": ["Breathe out as you lift"],
        "faults": ["Rushing"],
        "cautions": [],
        "regression": None,
        "progression": None,
        "evidence": "Common clinical progression.",
    }
    data.update(fields)
    return data


def template_file(slug: str, exercises: list[str]) -> dict[str, Any]:
    """A one-phase template file prescribing the exercises (by slug)."""
    return {
        "slug": slug,
        "name": "Test template",
        "condition": "fai",
        "description": "For the tests.",
        "phases": [
            {
                "name": "Phase 1",
                "goal": "Settle pain.",
                "typical_weeks": 2,
                "criteria": "Pain <= 3/10.",
                "prescriptions": [
                    {
                        "exercise": slug_,
                        "sets": 3,
                        "reps": 10,
                        "rest_seconds": 60,
                        "side": "both",
                        "days_of_week": ["mon", "wed"],
                        "times_per_day": 1,
                        "tempo": "3-1-3",
                    }
                    for slug_ in exercises
                ],
            }
        ],
    }


def write_library(
    root: Path, exercises: list[dict[str, Any]], templates: Iterable[dict[str, Any]] = ()
) -> Path:
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(parents=True, exist_ok=True)
    for path in [*(root / "exercises").glob("*.yaml"), *(root / "templates").glob("*.yaml")]:
        path.unlink()
    for data in exercises:
        (root / "exercises" / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data))
    for data in templates:
        (root / "templates" / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data))
    return root


def small_library(root: Path) -> Path:
    """Three chained exercises (a -> b -> c), one standalone (d) and one template."""
    exercises = [
        exercise_file("ex-a", progression="ex-b"),
        exercise_file("ex-b", level=2, regression="ex-a", progression="ex-c"),
        exercise_file("ex-c", level=3, regression="ex-b"),
        exercise_file("ex-d", category="mobility", equipment=["band"]),
    ]
    return write_library(root, exercises, [template_file("tpl", ["ex-a", "ex-b", "ex-d"])])


# --- Outcome questionnaires (issue 15) ---------------------------------------------------------


def outcome_measure(patient: Patient, instrument: str, due_on: date, **fields: Any) -> Any:
    """A questionnaire due for a patient (unanswered unless answers are given)."""
    from app.models import OutcomeMeasure
    from app.services import outcomes

    measure = OutcomeMeasure(
        patient_id=patient.id,
        instrument=instrument,
        reason=fields.pop("reason", "baseline"),
        due_on=due_on,
        licensed_wording=False,
        **fields,
    )
    db.session.add(measure)
    db.session.flush()
    outcomes.refresh_due_date(patient)
    db.session.flush()
    return measure


def outcome(measure_id: int, answers: list, **extra: Any) -> dict:
    """An outcome event (a whole answered questionnaire) as the questionnaire's script sends it."""
    return {
        "id": extra.pop("id", new_id()),
        "type": "outcome",
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "measure_id": measure_id,
        "answers": answers,
        **extra,
    }


def worker_refreshes() -> dict[str, int]:
    """Run the worker's suggestion refresh as `flask worker` would, once (app/worker.py)."""
    from app.domain.localtime import utcnow
    from app.services import suggestions

    return suggestions.run_due(utcnow())


T = TypeVar("T")


def committed_patient(
    app: Any, clinic_name: str, more: Callable[["Make", Patient, Exercise], T]
) -> Iterator[T]:
    """A clinic with a physio, a patient and a clinic exercise, and what more() adds to them,
    committed for real so other connections (threads, workers) see them; yields what more()
    returns, then deletes it all. Use as a fixture's body: `yield from committed_patient(...)`.
    """
    from app.services import data_rights

    with app.app_context():
        make = Make(password_hash=_PASSWORD_HASH or "x")
        clinic = make.clinic(clinic_name)
        patient = make.patient(make.staff(clinic))
        exercise = make.exercise(f"race-{clinic.id}", name="Bridge", clinic_id=clinic.id)
        extra = more(make, patient, exercise)
        patient_id, clinic_id = patient.id, clinic.id
        db.session.commit()
    yield extra
    with app.app_context():
        data_rights.delete_patient(db.session.get(Patient, patient_id))
        for model in (AuditEvent, Exercise, User):
            db.session.execute(sa.delete(model).where(model.clinic_id == clinic_id))
        db.session.execute(sa.delete(Clinic).where(Clinic.id == clinic_id))
        db.session.commit()
