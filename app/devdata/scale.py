"""Scale data for benchmarks: a clinic of 20 physios and N patients with D days of history.

Everything is generated in memory from a seeded random generator (the same seed and the same
date give the same data) and written in bulk (app/devdata/bulk.py). Programmes come from
recipes of library exercises (recipes.py); each patient's days (history.py) are summarised
with the app's own domain rules, so charts and the dashboard read what a year of real syncs
would have left behind; suggestions come from the app's own refresh.
"""

import multiprocessing
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from multiprocessing.pool import AsyncResult
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.devdata import ScaleError
from app.devdata.bulk import BulkWriter, Chunk, IdAllocator, WriterThread
from app.devdata.history import PatientPlan, Version, write_history
from app.devdata.recipes import ExerciseInfo, Line, Recipe, progress, regress, usable_recipes
from app.domain.localtime import local_today, utcnow
from app.domain.pain import PainThresholds
from app.extensions import db
from app.models import (
    Clinic,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
    Role,
    User,
)

SCALE_PASSWORD = "stride-bench"
# One argon2id hash (default parameters) of SCALE_PASSWORD for every scale account: hashing
# 2,000 passwords would take longer than writing a year of their data.
SCALE_PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$8dnabJOaSGrQsLM2m5dqFw"
    "$GrLPNVwZlD8Tt8lWq34lIm+t9SWgdB16bQ9JExdpRKo"
)
CLINIC_NAME = "Scale clinic (benchmark data)"
PHYSIOS = 20
BUSY_PHYSIO_PATIENTS = 200  # physio 1's caseload: the dashboard the harness measures
CHUNK_PATIENTS = 100  # patients generated and written together (bounds memory)
# Tables big enough that PostgreSQL checks their foreign keys faster once, at the end, than
# row by row ("Populating a Database" in its manual); SQLite checks them cheaply as it goes.
BULK_TABLES = ("exercise_logs", "sync_events", "check_ins", "day_summaries", "flags")
REVIEWED = "Reviewed progress and pain"  # why a version changed the plan
FLARED = "Reviewed progress and pain: stepped back after a flare-up"
SUGGEST_EVERY = 10  # the app's suggestion refresh runs for physio 1's patients and every 10th

# Timezones and how often they occur: most patients local, a few far away.
TIMEZONES = (
    ("Europe/London", 85),
    ("America/New_York", 5),
    ("Australia/Sydney", 5),
    ("Asia/Kolkata", 5),
)
FIRST_NAMES = (
    "Sam", "Jo", "Chris", "Alex", "Priya", "Tom", "Aisha", "Ben", "Chloe", "Dan", "Ella",
    "Femi", "Grace", "Hugo", "Isla", "Jack", "Kavya", "Leo", "Maya", "Noah", "Olu", "Rosa",
)  # fmt: skip
LAST_NAMES = (
    "Taylor", "Rivera", "Okafor", "Shah", "Morgan", "Smith", "Khan", "Jones", "Evans", "Brown",
    "Wilson", "Patel", "Murphy", "Nowak", "Silva", "Walker", "Hughes", "Young", "Clarke",
)  # fmt: skip


@dataclass
class ScaleResult:
    """What seed_scale wrote, and how long it took."""

    patients: int
    days: int
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    busy_physio_login: str = "physio1@scale.example"

    def summary(self) -> str:
        counts = ", ".join(f"{table} {count:,}" for table, count in self.rows.items())
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items())
        return (
            f"{self.patients} patients x {self.days} days in {self.seconds:.1f} s ({phases}); "
            f"rows: {counts}"
        )


def physio_login(number: int) -> str:
    return f"physio{number}@scale.example"


def patient_login(number: int) -> str:
    return f"patient{number}@scale.example"


def scale_exists() -> bool:
    """Tell whether scale data is already in the database."""
    return db.session.scalar(sa.select(User.id).where(User.login == physio_login(1))) is not None


@dataclass
class _Clinic:
    """What every patient of the scale clinic is generated with."""

    id: int
    physio_ids: list[int]
    recipes: list[Recipe]
    exercises: dict[str, ExerciseInfo]
    days: int
    seed: int
    now: datetime
    patients: int

    def physio_of(self, index: int) -> int:
        """Physio 1 has the first patients (up to 200); the rest are dealt to the others."""
        busy = min(BUSY_PHYSIO_PATIENTS, self.patients)
        if index < busy:
            return self.physio_ids[0]
        return self.physio_ids[1 + (index - busy) % (PHYSIOS - 1)]


def seed_scale(
    patients: int,
    days: int,
    seed: int = 1,
    *,
    suggest_every: int = SUGGEST_EVERY,
    now: datetime | None = None,
    workers: int = 1,
) -> ScaleResult:
    """Write the scale clinic and its history; the caller commits (refused if already there).

    With workers > 1 the chunks of patients are generated by that many processes while this
    one writes them, in order, in the caller's one transaction.
    """
    if patients < 1 or days < 1:
        raise ScaleError("Give at least one patient and one day.")
    if scale_exists():
        raise ScaleError("Scale data is already in this database; use a fresh database.")
    started = time.perf_counter()
    now = now or utcnow()
    writer = BulkWriter(db.session.connection())
    ids = IdAllocator.above_existing(writer)
    result = ScaleResult(patients=patients, days=days)

    clinic_row = Clinic(name=CLINIC_NAME, created_at=now)
    db.session.add(clinic_row)
    db.session.flush()
    recipes, exercises = usable_recipes(clinic_row.id, writer, ids, now)
    physio_ids = [ids.next("users") for _ in range(PHYSIOS)]
    clinic = _Clinic(clinic_row.id, physio_ids, recipes, exercises, days, seed, now, patients)
    staff = _staff(clinic, ids)
    firsts = range(0, patients, CHUNK_PATIENTS)
    blocks = ids.blocks(_ids_per_chunk(clinic), len(firsts))

    writer.drop_foreign_keys(BULK_TABLES)
    writer.drop_indexes(BULK_TABLES)
    # Forked before the writer thread starts: a process forked beside a thread may inherit
    # a lock that thread held.
    with _chunk_maker(clinic, workers) as make, WriterThread(writer, result.rows) as background:
        background.put(staff)
        for chunk in make(list(zip(firsts, blocks, strict=True))):
            background.put(chunk)
    result.phases["generate and write"] = time.perf_counter() - started
    _finish(writer, ids, clinic, result, suggest_every)
    result.seconds = time.perf_counter() - started
    return result


def _ids_per_chunk(clinic: _Clinic) -> dict[str, int]:
    """The most ids of each table one chunk of patients can need (a chunk that needs more is
    refused by its allocator, so these bounds are checked, not trusted)."""
    lines = max(len(line_recipes) for _, _, line_recipes in clinic.recipes)
    versions = 2 + clinic.days // 21  # the first after 21 days, then every 28 or more
    per_patient = {
        "users": 1, "patients": 1, "programmes": 1, "programme_phases": 1,
        "programme_versions": versions, "prescriptions": versions * lines,
        # each line once a day, on both sides, up to three times a day
        "exercise_logs": clinic.days * lines * 2 * 3,
        "check_ins": 2 * clinic.days, "day_summaries": clinic.days, "flags": clinic.days,
    }  # fmt: skip
    return {table: CHUNK_PATIENTS * count for table, count in per_patient.items()}


def _make_chunk(clinic: _Clinic, first: int, ids: IdAllocator) -> Chunk:
    """Generate the patients of one chunk (numbers first..first+CHUNK_PATIENTS-1)."""
    chunk = Chunk()
    for index in range(first, min(first + CHUNK_PATIENTS, clinic.patients)):
        _patient(chunk, ids, clinic, index, clinic.physio_of(index))
    return chunk


_forked_clinic: _Clinic | None = None  # what a generating process was forked with


def _make_forked_chunk(task: tuple[int, IdAllocator]) -> Chunk:
    assert _forked_clinic is not None
    return _make_chunk(_forked_clinic, *task)


@contextmanager
def _chunk_maker(
    clinic: _Clinic, workers: int
) -> Iterator[Callable[[list[tuple[int, IdAllocator]]], Iterator[Chunk]]]:
    """Yield a function that makes the chunks of the tasks, in order.

    One worker makes them here; more are forked processes (the clinic is theirs by fork, not
    pickled), with at most two chunks per process in flight, so a writer slower than the
    generators holds a few chunks in memory, not the whole clinic.
    """
    if workers <= 1:
        yield lambda tasks: (_make_chunk(clinic, first, ids) for first, ids in tasks)
        return
    global _forked_clinic
    _forked_clinic = clinic
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:

            def make(tasks: list[tuple[int, IdAllocator]]) -> Iterator[Chunk]:
                pending: deque[AsyncResult[Chunk]] = deque()
                for task in tasks:
                    pending.append(pool.apply_async(_make_forked_chunk, (task,)))
                    if len(pending) > 2 * workers:
                        yield pending.popleft().get()
                while pending:
                    yield pending.popleft().get()

            yield make
    finally:
        _forked_clinic = None


def _staff(clinic: _Clinic, ids: IdAllocator) -> Chunk:
    """The physios and one admin."""
    staff = Chunk()
    for n, uid in enumerate(clinic.physio_ids):
        name, login = f"Physio {n + 1}", physio_login(n + 1)
        staff.add(User, _user_row(uid, clinic.id, Role.PHYSIO, name, login, clinic.now))
    admin = _user_row(
        ids.next("users"), clinic.id, Role.ADMIN, "Scale admin", "admin@scale.example", clinic.now
    )
    staff.add(User, admin)
    return staff


def _finish(
    writer: BulkWriter, ids: IdAllocator, clinic: _Clinic, result: ScaleResult, every: int
) -> None:
    """Build the indexes, check the foreign keys, point programmes at their versions,
    analyze and suggest."""
    mark = time.perf_counter()
    writer.restore_indexes()
    result.phases["build indexes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    writer.restore_foreign_keys()
    result.phases["check foreign keys"] = time.perf_counter() - mark
    # Versions were written after their programmes (the foreign keys point both ways). One
    # grouped pass joined to the programmes: a subquery per programme, planned before ANALYZE
    # as a scan of all versions, took minutes at 20,000 patients.
    latest = (
        sa.select(
            ProgrammeVersion.programme_id, sa.func.max(ProgrammeVersion.id).label("version_id")
        )
        .group_by(ProgrammeVersion.programme_id)
        .subquery()
    )
    db.session.execute(
        sa.update(Programme)
        .where(Programme.clinic_id == clinic.id, Programme.id == latest.c.programme_id)
        .values(current_version_id=latest.c.version_id)
        .execution_options(synchronize_session=False)
    )
    writer.sync_sequences(list(ids.last))
    mark = time.perf_counter()
    writer.analyze()
    result.phases["analyze"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.rows["suggestions"] = _refresh_suggestions(clinic.id, clinic.physio_ids[0], every)
    result.phases["suggestions"] = time.perf_counter() - mark


def _user_row(
    uid: int, clinic_id: int, role: str, name: str, login: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": uid, "clinic_id": clinic_id, "role": str(role), "name": name, "login": login,
        "email": login, "password_hash": SCALE_PASSWORD_HASH,
        "active": True, "created_at": now,
    }  # fmt: skip


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


# --- One patient ------------------------------------------------------------------------------


def _patient(chunk: Chunk, ids: IdAllocator, clinic: _Clinic, index: int, physio_id: int) -> None:
    """Generate one patient, their programme's versions and the clinic's days of history."""
    rng = random.Random(clinic.seed * 1_000_003 + index)
    condition, title, line_recipes = clinic.recipes[index % len(clinic.recipes)]
    plan = _patient_rows(chunk, ids, rng, clinic, index, physio_id, condition)
    programme_id = _programme_rows(chunk, ids, clinic, plan, title)
    thresholds = PainThresholds() if rng.random() < 0.9 else PainThresholds(2, 4, 1, 2)
    lines = [
        Line.first(line_id, clinic.exercises[recipe[0]], recipe)
        for line_id, recipe in enumerate(line_recipes, start=1)
    ]
    _pain_story(rng, plan, clinic.days)
    _versions(chunk, ids, rng, plan, programme_id, thresholds, lines, clinic.exercises)
    write_history(chunk, ids, rng, plan)


def _patient_rows(
    chunk: Chunk,
    ids: IdAllocator,
    rng: random.Random,
    clinic: _Clinic,
    index: int,
    physio_id: int,
    condition: str,
) -> PatientPlan:
    """Add the patient's user and patient rows; return their plan, still without versions."""
    timezone = _weighted(rng, TIMEZONES)
    today = local_today(timezone, clinic.now)
    start = today - timedelta(days=clinic.days - 1)
    usual = _weighted(rng, ((1, 3), (2, 4), (3, 2)))
    user_id, patient_id = ids.next("users"), ids.next("patients")
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {index + 1}"
    joined = datetime.combine(start, clock(9), tzinfo=UTC)
    login = patient_login(index + 1)
    chunk.add(User, _user_row(user_id, clinic.id, Role.PATIENT, name, login, joined))
    chunk.add(
        Patient,
        {
            "id": patient_id, "user_id": user_id, "clinic_id": clinic.id, "physio_id": physio_id,
            "date_of_birth": date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1),
            "timezone": timezone, "condition": condition,
            "affected_side": rng.choice(("left", "right", "both")),
            "goal": "Get back to walking and running without pain", "usual_pain": usual,
            "created_at": joined,
        },
    )  # fmt: skip
    return PatientPlan(patient_id, physio_id, ZoneInfo(timezone), usual, start, today)


def _programme_rows(
    chunk: Chunk, ids: IdAllocator, clinic: _Clinic, plan: PatientPlan, title: str
) -> int:
    """Add the patient's programme and its one phase; return the programme's id."""
    programme_id = ids.next("programmes")
    joined = datetime.combine(plan.start, clock(9), tzinfo=UTC)
    chunk.add(
        Programme,
        {
            "id": programme_id, "patient_id": plan.patient_id, "clinic_id": clinic.id,
            "created_by_id": plan.physio_id, "template_id": None, "title": title,
            "start_date": plan.start, "end_date": None, "status": "active",
            "current_version_id": None, "created_at": joined,
        },
    )  # fmt: skip
    chunk.add(
        ProgrammePhase,
        {
            "id": ids.next("programme_phases"), "programme_id": programme_id, "position": 0,
            "name": "Phase 1: Load and build", "goal": "Build strength with pain at 3/10 or less",
            "typical_weeks": 6, "criteria": "Pain during exercise <= 3/10, settled next morning",
        },
    )  # fmt: skip
    return programme_id


def _pain_story(rng: random.Random, plan: PatientPlan, days: int) -> None:
    """A start and an end pain level, how long it takes to settle, and random flare-ups."""
    plan.start_pain = rng.randint(3, 6)
    if rng.random() < 0.15:
        plan.end_pain = plan.start_pain - 1
    else:
        plan.end_pain = rng.randint(0, min(3, plan.start_pain))
    plan.settle_days = max(1, int(days * rng.uniform(0.4, 0.8)))
    for n in range(days):
        if rng.random() < 1 / 150:
            _flare(rng, plan, plan.start + timedelta(days=n))


def _flare(rng: random.Random, plan: PatientPlan, first_day: date) -> None:
    for n in range(rng.randint(3, 6)):
        plan.flares[first_day + timedelta(days=n)] = rng.randint(3, 4)


def _versions(
    chunk: Chunk,
    ids: IdAllocator,
    rng: random.Random,
    plan: PatientPlan,
    programme_id: int,
    thresholds: PainThresholds,
    lines: list[Line],
    exercises: dict[str, ExerciseInfo],
) -> None:
    """Versions: created on the start date, then a change every four to eight weeks.

    After a flare-up a line is usually stepped back; otherwise one moves on, and one change
    in five is too much, too soon (a flare-up follows a few days later).
    """

    def new_version(day: date, kind: str, summary: str, reason: str = REVIEWED) -> None:
        version = _write_version(chunk, ids, plan, programme_id, thresholds, lines, day)
        row = _version_row(plan, programme_id, version, kind, summary, reason)
        chunk.add(ProgrammeVersion, row)
        plan.versions.append(version)

    new_version(plan.start, "created", "Programme created", reason="")
    day = plan.start + timedelta(days=rng.randint(21, 42))
    while day <= plan.today:
        flared = any(day - timedelta(days=n) in plan.flares for n in range(1, 8))
        if flared and rng.random() < 0.6:
            kind, summary = regress(rng.choice(lines))
            new_version(day, kind, summary, reason=FLARED)
        else:
            kind, summary = progress(rng.choice(lines), exercises)
            if rng.random() < 0.2:  # too much, too soon
                _flare(rng, plan, day + timedelta(days=rng.randint(2, 5)))
            new_version(day, kind, summary)
        day += timedelta(days=rng.randint(28, 56))


def _write_version(
    chunk: Chunk,
    ids: IdAllocator,
    plan: PatientPlan,
    programme_id: int,
    thresholds: PainThresholds,
    lines: list[Line],
    day: date,
) -> Version:
    """Add the prescription rows of a new version (the lines as they stand now)."""
    version_id = ids.next("programme_versions")
    stored = []
    for position, line in enumerate(lines):
        prescription_id = ids.next("prescriptions")
        chunk.add(
            Prescription,
            {
                "id": prescription_id, "version_id": version_id, "line_id": line.line_id,
                "phase_position": 0, "position": position, "exercise_id": line.exercise.id,
                "load_kg": None, "load_text": None, "tempo": None,
                "days_of_week": line.days_of_week, "times_per_week": line.times_per_week,
                "note": "", "sets": line.sets, "reps": line.reps,
                "hold_seconds": line.hold_seconds, "duration_seconds": line.duration_seconds,
                "rest_seconds": line.exercise.rest_seconds, "side": line.side,
                "times_per_day": 1,
            },
        )  # fmt: skip
        stored.append((Line(**vars(line)), prescription_id))
    return Version(version_id, day, thresholds, stored)


def _version_row(
    plan: PatientPlan, programme_id: int, version: Version, kind: str, summary: str, reason: str
) -> dict[str, Any]:
    thresholds, day = version.thresholds, version.effective_from
    return {
        "id": version.id, "programme_id": programme_id, "number": len(plan.versions) + 1,
        "effective_from": day, "created_at": datetime.combine(day, clock(8), tzinfo=UTC),
        "created_by_id": plan.physio_id, "change_kind": kind, "summary": summary,
        "reason": reason,
        "phase_position": 0, "affected_side": "both",
        "green_max_during": thresholds.green_max_during,
        "amber_max_during": thresholds.amber_max_during,
        "amber_morning_rise": thresholds.amber_morning_rise,
        "red_morning_rise": thresholds.red_morning_rise,
    }  # fmt: skip


# --- Suggestions ------------------------------------------------------------------------------


def _refresh_suggestions(clinic_id: int, busy_physio_id: int, every: int) -> int:
    """Run the app's own suggestion refresh for physio 1's patients and every n-th other one."""
    from app.services import suggestions

    patients = db.session.scalars(
        sa.select(Patient).where(Patient.clinic_id == clinic_id).order_by(Patient.id)
    ).all()
    made = 0
    for n, patient in enumerate(patients):
        if patient.physio_id == busy_physio_id or (every and n % every == 0):
            made += len(suggestions.refresh_for_patient(patient).created)
    db.session.flush()
    return made
