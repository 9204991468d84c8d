"""Scale data for benchmarks: a clinic of 20 physios and N patients with D days of history.

Everything is generated in memory from a seeded random generator (the same seed and the same
date give the same data) and written in bulk: COPY on PostgreSQL, one executemany per table
and chunk on SQLite. Primary keys are assigned here, so rows can point at each other without
reading anything back. Day summaries are computed with the same domain rules the app uses
(schedule.due_between, pain.zone_for_day), so charts and the dashboard read what a year of
real syncs would have left behind; suggestions come from the app's own refresh.
"""

import json
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.domain.localtime import local_today, utcnow
from app.domain.pain import PainThresholds, Zone, zone_for_day
from app.domain.schedule import PlanSnapshot, PrescriptionSpec, due_between, weekdays_from_mask
from app.extensions import db
from app.models import (
    CheckIn,
    Clinic,
    DaySummary,
    Exercise,
    ExerciseLog,
    Flag,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
    Role,
    SyncEvent,
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
RED_FLAG_OPEN_DAYS = 7  # red-day flags older than this were seen by the physio
# Tables big enough that PostgreSQL checks their foreign keys faster once, at the end, than
# row by row ("Populating a Database" in its manual); SQLite checks them cheaply as it goes.
BULK_TABLES = ("exercise_logs", "sync_events", "check_ins", "day_summaries", "flags")
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

# Programmes: (condition, title, [(first exercise slug, days_of_week mask or None,
# times_per_week or None)]). Strength lines progress along their library chains.
MON_WED_FRI = 0b0010101
RECIPES: tuple[tuple[str, str, tuple[tuple[str, int | None, int | None], ...]], ...] = (
    (
        "gluteal-tendinopathy",
        "Gluteal tendinopathy loading",
        (
            ("supine-isometric-abduction", None, 5),
            ("bridge", MON_WED_FRI, None),
            ("sit-to-stand", None, 3),
            ("clamshell", None, 2),
        ),
    ),
    (
        "adductor-groin-pain",
        "Groin strength programme",
        (
            ("ball-squeeze", None, 5),
            ("bridge", None, 3),
            ("double-leg-balance", None, 3),
            ("adductor-stretch", None, 3),
        ),
    ),
    (
        "hip-pain-runners",
        "Return to running: hip strength",
        (
            ("calf-raise", MON_WED_FRI, None),
            ("squat", None, 3),
            ("brisk-walk", None, 3),
            ("hamstring-stretch", None, 4),
        ),
    ),
    (
        "hip-flexor-strain",
        "Hip flexor strain rehabilitation",
        (
            ("isometric-hip-flexion", None, 4),
            ("low-step-up", MON_WED_FRI, None),
            ("plank-knees", None, 3),
            ("hip-flexor-stretch", None, 3),
        ),
    ),
)
# A minimal stand-in library (clinic-made exercises) when the shipped one is not loaded:
# slug -> (name, category, dose, progression slug).
FALLBACK_EXERCISES: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "bridge": ("Bridge", {"sets": 3, "reps": 12, "side": "both"}, "offset-bridge"),
    "offset-bridge": ("Offset bridge", {"sets": 3, "reps": 10, "side": "each"}, None),
    "squat": ("Squat", {"sets": 3, "reps": 12, "side": "both"}, None),
    "ball-squeeze": ("Ball squeeze", {"sets": 5, "hold_seconds": 10, "side": "both"}, None),
    "calf-stretch": ("Calf stretch", {"sets": 3, "hold_seconds": 30, "side": "each"}, None),
}
FALLBACK_RECIPE = (
    "gluteal-tendinopathy",
    "Hip strength programme",
    (
        ("ball-squeeze", None, 5),
        ("bridge", MON_WED_FRI, None),
        ("squat", None, 3),
        ("calf-stretch", None, 3),
    ),
)


class ScaleError(Exception):
    """The scale data cannot be made; the message says why."""


@dataclass(frozen=True)
class ExerciseInfo:
    id: int
    slug: str
    name: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    rest_seconds: int
    side: str
    times_per_day: int
    progression_slug: str | None


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


def seed_scale(
    patients: int,
    days: int,
    seed: int = 1,
    *,
    suggest_every: int = SUGGEST_EVERY,
    now: datetime | None = None,
) -> ScaleResult:
    """Write the scale clinic and its history; the caller commits (refused if already there)."""
    if patients < 1 or days < 1:
        raise ScaleError("Give at least one patient and one day.")
    if scale_exists():
        raise ScaleError("Scale data is already in this database; use a fresh database.")
    started = time.perf_counter()
    now = now or utcnow()
    writer = _BulkWriter(db.session.connection())
    ids = _IdAllocator(writer)
    result = ScaleResult(patients=patients, days=days)

    clinic = Clinic(name=CLINIC_NAME, created_at=now)
    db.session.add(clinic)
    db.session.flush()
    recipes, exercises = _recipes(clinic.id, writer, ids, now)

    physio_ids = [ids.next("users") for _ in range(PHYSIOS)]
    admin_id = ids.next("users")
    staff = _Chunk()
    for n, uid in enumerate(physio_ids):
        staff.add(
            User,
            _user_row(uid, clinic.id, Role.PHYSIO, f"Physio {n + 1}", physio_login(n + 1), now),
        )
    staff.add(
        User, _user_row(admin_id, clinic.id, Role.ADMIN, "Scale admin", "admin@scale.example", now)
    )

    busy = min(BUSY_PHYSIO_PATIENTS, patients)
    dropped = writer.drop_foreign_keys(BULK_TABLES)
    # The database writes one chunk while Python makes the next: two cores, both busy.
    with _WriterThread(writer, result.rows) as background:
        background.put(staff)
        for first in range(0, patients, CHUNK_PATIENTS):
            chunk = _Chunk()
            for index in range(first, min(first + CHUNK_PATIENTS, patients)):
                if index < busy:
                    physio_id = physio_ids[0]
                else:
                    physio_id = physio_ids[1 + (index - busy) % (PHYSIOS - 1)]
                rng = random.Random(seed * 1_000_003 + index)
                recipe = recipes[index % len(recipes)]
                _patient(chunk, ids, rng, index, clinic.id, physio_id, recipe, exercises, days, now)
            background.put(chunk)
    result.phases["generate and write"] = time.perf_counter() - started
    mark = time.perf_counter()
    writer.restore_foreign_keys(dropped)
    result.phases["check foreign keys"] = time.perf_counter() - mark

    # Versions were written after their programmes (the foreign keys point both ways).
    db.session.execute(
        sa.update(Programme)
        .where(Programme.clinic_id == clinic.id)
        .values(
            current_version_id=sa.select(sa.func.max(ProgrammeVersion.id))
            .where(ProgrammeVersion.programme_id == Programme.id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
    ids.sync_sequences()
    mark = time.perf_counter()
    writer.analyze()
    result.phases["analyze"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.rows["suggestions"] = _refresh_suggestions(clinic.id, physio_ids[0], suggest_every)
    result.phases["suggestions"] = time.perf_counter() - mark
    result.seconds = time.perf_counter() - started
    return result


# --- The plan ---------------------------------------------------------------------------------


def _recipes(
    clinic_id: int, writer: "_BulkWriter", ids: "_IdAllocator", now: datetime
) -> tuple[list, dict[str, ExerciseInfo]]:
    """Return the usable recipes and the exercises they need (library, else a stand-in set)."""
    exercises = _load_exercises()
    usable = [r for r in RECIPES if all(slug in exercises for slug, *_ in r[2])]
    if usable:
        return usable, exercises
    rows = []
    for slug, (name, dose, _) in FALLBACK_EXERCISES.items():
        rows.append(
            {
                "id": ids.next("exercises"),
                "slug": f"scale-{clinic_id}-{slug}",
                "clinic_id": clinic_id,
                "name": name,
                "category": "strengthening",
                "body_regions": "[]",
                "target_muscles": "[]",
                "equipment": "[]",
                "position": "standing",
                "level": 1,
                "times_per_week": 3,
                "steps": json.dumps([f"Do the {name.lower()} slowly."]),
                "cues": "[]",
                "faults": "[]",
                "cautions": "[]",
                "evidence": "",
                "search_text": name.lower(),
                "tags": "",
                "archived": False,
                "sets": dose["sets"],
                "reps": dose.get("reps"),
                "hold_seconds": dose.get("hold_seconds"),
                "duration_seconds": None,
                "rest_seconds": 60,
                "side": dose["side"],
                "times_per_day": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    writer.insert(Exercise.__table__, list(rows[0]), [tuple(r.values()) for r in rows], {})
    fallback = {}
    for row in rows:
        slug = row["slug"].removeprefix(f"scale-{clinic_id}-")
        fallback[slug] = ExerciseInfo(
            row["id"], slug, row["name"], row["sets"], row["reps"], row["hold_seconds"], None,
            60, row["side"], 1, FALLBACK_EXERCISES[slug][2],
        )  # fmt: skip
    return [FALLBACK_RECIPE], fallback


def _load_exercises() -> dict[str, ExerciseInfo]:
    """Return the shipped library's exercises by slug, with their chain's next slug."""
    following = sa.orm.aliased(Exercise)
    rows = db.session.execute(
        sa.select(Exercise, following.slug)
        .outerjoin(following, Exercise.progression_id == following.id)
        .where(Exercise.clinic_id.is_(None), Exercise.archived.is_(False))
    ).all()
    return {
        e.slug: ExerciseInfo(
            e.id,
            e.slug,
            e.name,
            e.sets,
            e.reps,
            e.hold_seconds,
            e.duration_seconds,
            e.rest_seconds,
            e.side,
            e.times_per_day,
            next_slug,
        )  # fmt: skip
        for e, next_slug in rows
    }


@dataclass
class _Line:
    """One line of the plan as it stands, changed version by version."""

    line_id: int
    exercise: ExerciseInfo
    days_of_week: int | None
    times_per_week: int | None
    sets: int
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    side: str
    dose_steps: int = 0  # dose increases since the exercise was last swapped

    def dose_text(self) -> str:
        if self.reps:
            amount = f"{self.reps} reps"
        elif self.hold_seconds:
            amount = f"{self.hold_seconds} s hold"
        else:
            amount = f"{(self.duration_seconds or 0) // 60 or 1} min"
        return f"{self.sets} x {amount}"


def _progress(line: _Line, exercises: dict[str, ExerciseInfo]) -> tuple[str, str]:
    """Move a line one step on (a dose step, or the chain's next exercise); return kind, words."""
    following = exercises.get(line.exercise.progression_slug or "")
    if line.dose_steps >= 2 and following is not None:
        before = line.exercise.name
        line.exercise = following
        line.sets, line.reps = following.sets, following.reps
        line.hold_seconds, line.duration_seconds = (
            following.hold_seconds,
            following.duration_seconds,
        )
        line.side, line.dose_steps = following.side, 0
        return "swap", f"{before} progressed to {following.name}"
    before = line.dose_text()
    if line.reps:
        line.reps = min(line.reps + 2, 30)
    elif line.hold_seconds:
        line.hold_seconds = min(line.hold_seconds + 5, 60)
    elif line.duration_seconds:
        line.duration_seconds = min(line.duration_seconds + 300, 3600)
    if line.dose_steps == 1 and line.sets < 4:
        line.sets += 1
    line.dose_steps += 1
    return "dose", f"{line.exercise.name}: {line.dose_text()} (was {before})"


def _regress(line: _Line) -> tuple[str, str]:
    before = line.dose_text()
    if line.reps:
        line.reps = max(line.reps - 4, 5)
    elif line.hold_seconds:
        line.hold_seconds = max(line.hold_seconds - 10, 5)
    elif line.duration_seconds:
        line.duration_seconds = max(line.duration_seconds - 300, 300)
    line.sets = max(line.sets - 1, 2)
    line.dose_steps = 0
    return "dose", f"{line.exercise.name}: {line.dose_text()} (was {before}) after a flare-up"


# --- One patient ------------------------------------------------------------------------------


class _Chunk:
    """Rows for a chunk of patients, table by table, in foreign-key order."""

    TABLES = (
        User, Patient, Programme, ProgrammePhase, ProgrammeVersion, Prescription, ExerciseLog,
        SyncEvent, CheckIn, DaySummary, Flag,
    )  # fmt: skip

    def __init__(self) -> None:
        self.columns: dict[type, Sequence[str]] = {}
        self.rows: dict[type, list[tuple]] = {model: [] for model in self.TABLES}

    def add(self, model: type, row: dict[str, Any]) -> None:
        """Add a row given as a dict (every row of a table with the same keys)."""
        self.columns.setdefault(model, tuple(row))
        self.rows[model].append(tuple(row.values()))

    def add_tuples(self, model: type, columns: Sequence[str], rows: list[tuple]) -> None:
        """Add rows already laid out as tuples of `columns` (the big tables)."""
        self.columns.setdefault(model, columns)
        self.rows[model].extend(rows)

    def write(self, writer: "_BulkWriter", counts: dict[str, int]) -> None:
        for model in self.TABLES:
            if self.rows[model]:
                writer.insert(model.__table__, self.columns[model], self.rows[model], counts)


def _user_row(
    uid: int, clinic_id: int, role: str, name: str, login: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": uid, "clinic_id": clinic_id, "role": str(role), "name": name, "login": login,
        "email": login, "password_hash": SCALE_PASSWORD_HASH,
        "active": True, "created_at": now,
    }  # fmt: skip


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _clip(value: float) -> int:
    return max(0, min(10, round(value)))


def _patient(
    chunk: _Chunk,
    ids: "_IdAllocator",
    rng: random.Random,
    index: int,
    clinic_id: int,
    physio_id: int,
    recipe: tuple,
    exercises: dict[str, ExerciseInfo],
    days: int,
    now: datetime,
) -> None:
    """Generate one patient, their programme's versions and `days` days of history."""
    condition, title, line_recipe = recipe
    timezone = _weighted(rng, TIMEZONES)
    zone_info = ZoneInfo(timezone)
    today = local_today(timezone, now)
    start = today - timedelta(days=days - 1)
    usual = _weighted(rng, ((1, 3), (2, 4), (3, 2)))
    user_id, patient_id = ids.next("users"), ids.next("patients")
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {index + 1}"
    joined = datetime.combine(start, clock(9), tzinfo=UTC)
    chunk.add(
        User, _user_row(user_id, clinic_id, Role.PATIENT, name, patient_login(index + 1), joined)
    )
    chunk.add(
        Patient,
        {
            "id": patient_id, "user_id": user_id, "clinic_id": clinic_id, "physio_id": physio_id,
            "date_of_birth": date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1),
            "timezone": timezone, "condition": condition,
            "affected_side": rng.choice(("left", "right", "both")),
            "goal": "Get back to walking and running without pain", "usual_pain": usual,
            "created_at": joined,
        },
    )  # fmt: skip
    programme_id = ids.next("programmes")
    chunk.add(
        Programme,
        {
            "id": programme_id, "patient_id": patient_id, "clinic_id": clinic_id,
            "created_by_id": physio_id, "template_id": None, "title": title, "start_date": start,
            "end_date": None, "status": "active", "current_version_id": None, "created_at": joined,
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

    thresholds = PainThresholds() if rng.random() < 0.9 else PainThresholds(2, 4, 1, 2)
    lines = []
    for line_id, (slug, mask, per_week) in enumerate(line_recipe, start=1):
        ex = exercises[slug]
        lines.append(
            _Line(line_id, ex, mask, per_week, ex.sets, ex.reps, ex.hold_seconds,
                  ex.duration_seconds, ex.side)
        )  # fmt: skip

    # The pain story: a start and an end level, flare-ups (some right after a progression).
    start_pain = rng.randint(3, 6)
    end_pain = start_pain - 1 if rng.random() < 0.15 else rng.randint(0, min(3, start_pain))
    settle_days = max(1, int(days * rng.uniform(0.4, 0.8)))
    flares: dict[date, int] = {}  # day -> extra pain

    def flare(first_day: date) -> None:
        for n in range(rng.randint(3, 6)):
            flares[first_day + timedelta(days=n)] = rng.randint(3, 4)

    for n in range(days):
        if rng.random() < 1 / 150:
            flare(start + timedelta(days=n))

    # Versions: created on the start date, then a change every four to eight weeks.
    versions: list[tuple[int, date, PainThresholds, list[tuple[_Line, int]]]] = []

    def new_version(day: date, kind: str, summary: str) -> None:
        version_id = ids.next("programme_versions")
        number = len(versions) + 1
        chunk.add(
            ProgrammeVersion,
            {
                "id": version_id, "programme_id": programme_id, "number": number,
                "effective_from": day, "created_at": datetime.combine(day, clock(8), tzinfo=UTC),
                "created_by_id": physio_id, "change_kind": kind, "summary": summary,
                "reason": "" if kind == "created" else "Reviewed progress and pain",
                "phase_position": 0, "affected_side": "both",
                "green_max_during": thresholds.green_max_during,
                "amber_max_during": thresholds.amber_max_during,
                "amber_morning_rise": thresholds.amber_morning_rise,
                "red_morning_rise": thresholds.red_morning_rise,
            },
        )  # fmt: skip
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
            stored.append((_Line(**vars(line)), prescription_id))
        versions.append((version_id, day, thresholds, stored))

    new_version(start, "created", "Programme created")
    day = start + timedelta(days=rng.randint(21, 42))
    while day <= today:
        flared = any(day - timedelta(days=n) in flares for n in range(1, 8))
        if flared and rng.random() < 0.6:
            kind, summary = _regress(rng.choice(lines))
        else:
            kind, summary = _progress(rng.choice(lines), exercises)
            if rng.random() < 0.2:  # too much, too soon
                flare(day + timedelta(days=rng.randint(2, 5)))
        new_version(day, kind, summary)
        day += timedelta(days=rng.randint(28, 56))

    snapshots = [
        PlanSnapshot(
            version_id=version_id,
            effective_from=effective,
            phase=0,
            prescriptions=tuple(
                PrescriptionSpec(
                    line_id=line.line_id,
                    exercise_id=line.exercise.id,
                    phase=0,
                    side=line.side,
                    days_of_week=(
                        weekdays_from_mask(line.days_of_week) if line.days_of_week else None
                    ),
                    times_per_week=line.times_per_week,
                )
                for line, _ in stored
            ),
        )
        for version_id, effective, _, stored in versions
    ]
    due = due_between(start, snapshots, start, today)
    in_force = {}  # version id -> (thresholds, {line_id: (prescription id, sets)})
    for version_id, _, its_thresholds, stored in versions:
        in_force[version_id] = (
            its_thresholds,
            {line.line_id: (pid, line.sets) for line, pid in stored},
        )

    _history(chunk, ids, rng, patient_id, zone_info, usual, start, today, due, in_force,
             versions, flares, start_pain, end_pain, settle_days, physio_id, now)  # fmt: skip


def _history(
    chunk: _Chunk,
    ids: "_IdAllocator",
    rng: random.Random,
    patient_id: int,
    zone_info: ZoneInfo,
    usual: int,
    start: date,
    today: date,
    due: dict,
    in_force: dict,
    versions: list,
    flares: dict[date, int],
    start_pain: int,
    end_pain: int,
    settle_days: int,
    physio_id: int,
    now: datetime,
) -> None:
    """Generate the patient's ticks, check-ins, sync events, day summaries and red flags."""
    adherence = rng.uniform(0.70, 0.95)
    reports_exercise_pain = rng.random() < 0.15
    stops_on = today - timedelta(days=rng.randint(4, 40)) if rng.random() < 0.08 else None
    week_factor = 1.0
    version_index = 0
    morning_due: tuple[date, int, int] | None = None  # (session day, during pain, version id)
    logs, events, checkins, summaries, flags = [], [], [], [], []
    units_cache: dict[int, tuple] = {}

    def units_of(item: Any) -> tuple:
        # The same DueItem objects recur every week: work out their tick units once.
        units = units_cache.get(id(item))
        if units is None:
            units = units_cache[id(item)] = item.units
        return units

    day = start
    n = 0
    while day <= today:
        if day.weekday() == 0 or n == 0:
            week_factor = rng.uniform(0.8, 1.12)
        while version_index + 1 < len(versions) and versions[version_index + 1][1] <= day:
            version_index += 1
        version_id = versions[version_index][0]
        thresholds, prescriptions = in_force[version_id]
        active = stops_on is None or day < stops_on
        extra = flares.get(day, 0)
        trend = start_pain + (end_pain - start_pain) * min(1.0, n / settle_days)
        evening = datetime.combine(day, clock(18, rng.randrange(60)), tzinfo=zone_info)
        evening = evening.astimezone(UTC)
        received = evening + timedelta(seconds=3)
        items = due[day]

        # Today is left as a morning before anything is done: its session and this morning's
        # answer would be timed later than now (the draws still happen: earlier days stay put).
        before_today = day < today
        # Next morning's answer about yesterday's session (entered today).
        if morning_due is not None and active and rng.random() < 0.7 and before_today:
            session_day, during_then, session_version = morning_due
            rise = 0 if rng.random() < 0.8 else 1
            if flares.get(session_day, 0) or during_then > thresholds.amber_max_during:
                rise = rng.randint(2, 3)
            answer = datetime.combine(day, clock(8, rng.randrange(60)), tzinfo=zone_info)
            # The morning answer is about the session day, under that day's version.
            checkins.append(
                (session_day, "morning", _clip(usual + rise), usual, session_version,
                 answer.astimezone(UTC))
            )  # fmt: skip
        morning_due = None

        done_units = 0
        max_pain = None
        during = None
        chance = min(0.99, adherence * week_factor - extra * 0.08)
        if items and active and rng.random() < chance and before_today:
            during = _clip(trend + extra + rng.choice((-1, 0, 0, 0, 1)))
            for item in items:
                prescription_id, sets = prescriptions[item.line_id]
                for unit in units_of(item):
                    if rng.random() >= 0.96:
                        continue
                    counted = rng.random() < 0.03  # counted sets but did not finish them
                    pain = None
                    if reports_exercise_pain and rng.random() < 0.5:
                        pain = _clip(during + rng.choice((-1, 0, 1)))
                        max_pain = pain if max_pain is None else max(max_pain, pain)
                    sets_done = sets - 1 if counted and sets > 1 else sets
                    done = sets_done >= sets
                    done_units += done
                    logs.append(
                        (ids.next("exercise_logs"), patient_id, prescription_id, unit.line_id,
                         day, unit.session, unit.side, done, sets_done, pain, evening, received)
                    )  # fmt: skip
                    kind = "tick" if done else "sets"
                    payload = (
                        f'{{"id": "{{id}}", "type": "{kind}", "local_date": "{day}", '
                        f'"line_id": {unit.line_id}, "prescription_id": {prescription_id}, '
                        f'"session": {unit.session}, "side": "{unit.side}", '
                        f'"client_time": "{evening.isoformat()}"'
                        + ("" if done else f', "sets_done": {sets_done}')
                        + ("" if pain is None else f', "pain": {pain}')
                        + "}"
                    )
                    event_id = _uuid(rng)
                    events.append(
                        (event_id, patient_id, kind, day, evening, received, "applied",
                         payload.replace("{id}", event_id))
                    )  # fmt: skip
            if rng.random() >= 0.85:
                during = None  # did the exercises, skipped the pain question
            else:
                checkins.append((day, "during", during, None, version_id, evening))
            morning_due = (day, during if during is not None else _clip(trend), version_id)
        due_units = sum(len(units_of(item)) for item in items)
        summaries.append((day, due_units, done_units, max_pain, version_id, thresholds))
        day += timedelta(days=1)
        n += 1

    # Check-ins (and their sync events), then the summaries that read them.
    pain_of: dict[tuple[date, str], int] = {}
    for session_day, kind, pain, usual_then, version_id, at in checkins:
        pain_of[(session_day, kind)] = pain
        chunk.add(
            CheckIn,
            {
                "id": ids.next("check_ins"), "patient_id": patient_id,
                "session_date": session_day, "kind": kind, "pain": pain,
                "usual_pain": usual_then, "note": "", "version_id": version_id, "edits": 0,
                "client_time": at, "created_at": at, "updated_at": at,
            },
        )  # fmt: skip
        event_id = _uuid(rng)
        local = at.astimezone(zone_info).date()
        events.append(
            (event_id, patient_id, "checkin", session_day, at, at + timedelta(seconds=3),
             "applied",
             f'{{"id": "{event_id}", "type": "checkin", "kind": "{kind}", '
             f'"session_date": "{session_day}", "local_date": "{local}", "pain": {pain}, '
             f'"note": "", "client_time": "{at.isoformat()}"}}')
        )  # fmt: skip

    open_after = today - timedelta(days=RED_FLAG_OPEN_DAYS)
    for day, due_units, done_units, max_pain, version_id, thresholds in summaries:
        during = pain_of.get((day, "during"))
        morning_pain = pain_of.get((day, "morning"))
        if not done_units and during is None and morning_pain is None:
            continue  # the app writes a summary only for a day something was logged for
        zone = zone_for_day(during, morning_pain, usual, thresholds)
        updated = datetime.combine(day, clock(20), tzinfo=UTC)
        summary = {
            "id": ids.next("day_summaries"), "patient_id": patient_id, "local_date": day,
            "version_id": version_id, "due_units": due_units, "done_units": done_units,
            "during_pain": during, "morning_pain": morning_pain, "usual_pain": usual,
            "max_exercise_pain": max_pain, "zone": str(zone) if zone else None,
            "logged": True, "updated_at": updated,
        }  # fmt: skip
        chunk.add(DaySummary, summary)
        if zone == Zone.RED:
            seen = day < open_after
            flags.append(
                {
                    "id": ids.next("flags"), "patient_id": patient_id, "kind": "red_day",
                    "local_date": day, "message": _red_day_message(summary),
                    "created_at": updated,
                    "resolved_at": updated + timedelta(days=1) if seen else None,
                    "resolved_by_id": physio_id if seen else None,
                },
            )  # fmt: skip
    chunk.add_tuples(ExerciseLog, _LOG_COLUMNS, logs)
    chunk.add_tuples(SyncEvent, _EVENT_COLUMNS, events)
    for row in flags:
        chunk.add(Flag, row)


_LOG_COLUMNS = (
    "id", "patient_id", "prescription_id", "line_id", "local_date", "session", "side", "done",
    "sets_done", "pain", "client_time", "updated_at",
)  # fmt: skip
_EVENT_COLUMNS = (
    "id", "patient_id", "kind", "local_date", "client_time", "received_at", "status", "payload",
)  # fmt: skip


def _red_day_message(summary: dict[str, Any]) -> str:
    """The same words as the app's red-day flag (suggestions.red_day_message)."""
    from types import SimpleNamespace

    from app.services.suggestions import red_day_message

    return red_day_message(SimpleNamespace(**summary))  # type: ignore[arg-type]


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


# --- Bulk writing -----------------------------------------------------------------------------


class _IdAllocator:
    """Hand out primary keys above each table's current maximum (read once, up front, so the
    writer thread has the connection to itself afterwards)."""

    def __init__(self, writer: "_BulkWriter") -> None:
        self.writer = writer
        tables = ["exercises", *(model.__tablename__ for model in _Chunk.TABLES)]
        self.last = {table: writer.max_id(table) for table in tables if table != "sync_events"}

    def next(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]

    def sync_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids handed out here."""
        for table in self.last:
            self.writer.sync_sequence(table)


class _BulkWriter:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite (one statement each)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        if self.dialect.name == "sqlite":
            # Scale data is throwaway: skip the journal flushes while writing it.
            connection.exec_driver_sql("PRAGMA cache_size = -200000")

    def max_id(self, table: str) -> int:
        return self.connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar()

    def sync_sequence(self, table: str) -> None:
        if self.postgres:
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )

    def drop_foreign_keys(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """Drop the tables' foreign keys on PostgreSQL; return (table, name, definition)s."""
        if not self.postgres:
            return []
        found = self.connection.execute(
            sa.text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t)"
            ),
            {"t": list(tables)},
        ).all()
        for table, name, _ in found:
            self.connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return [tuple(row) for row in found]

    def restore_foreign_keys(self, dropped: list[tuple[str, str, str]]) -> None:
        """Add the foreign keys back: each is checked in one pass over its table."""
        for table, name, definition in dropped:
            self.connection.exec_driver_sql(
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            )

    def analyze(self) -> None:
        if self.postgres:
            self.connection.exec_driver_sql("ANALYZE")
        else:
            self.connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
            self.connection.exec_driver_sql("ANALYZE")

    def insert(
        self,
        table: sa.Table,
        columns: Sequence[str],
        rows: list[tuple],
        counts: dict[str, int],
    ) -> None:
        """Insert rows (tuples in the order of columns) in one COPY or one executemany."""
        counts[table.name] = counts.get(table.name, 0) + len(rows)
        names = ", ".join(columns)
        cursor = self.connection.connection.driver_connection.cursor()
        try:
            if self.postgres:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                converters = [self._converter(table.c[name]) for name in columns]
                if any(converters):
                    rows = [
                        tuple(
                            value if f is None or value is None else f(value)
                            for f, value in zip(converters, row, strict=True)
                        )
                        for row in rows
                    ]
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        finally:
            cursor.close()

    def _converter(self, column: sa.Column) -> Callable[[Any], Any] | None:
        """Return how a Python value becomes what the driver takes (None: as it is)."""
        if isinstance(column.type, sa.JSON):
            return None  # the rows carry JSON text already
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        if process is None:
            return None
        cache: dict[Any, Any] = {}

        def convert(value: Any) -> Any:
            # Dates and times repeat a lot (a day's ticks share them): convert each once.
            try:
                return cache[value]
            except KeyError:
                cache[value] = converted = process(value)
                return converted

        return convert


class _WriterThread:
    """Write chunks in order on a second thread; the drivers release the GIL while the
    database works, so generating the next chunk overlaps with storing this one."""

    def __init__(self, writer: _BulkWriter, counts: dict[str, int]) -> None:
        self.writer = writer
        self.counts = counts
        self.queue: queue.Queue[_Chunk | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="scale-writer", daemon=True)

    def __enter__(self) -> "_WriterThread":
        self.thread.start()
        return self

    def put(self, chunk: _Chunk) -> None:
        if self.error is not None:
            raise ScaleError("writing scale data failed") from self.error
        self.queue.put(chunk)

    def __exit__(self, *exc_info: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise ScaleError("writing scale data failed") from self.error

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    chunk.write(self.writer, self.counts)
                except BaseException as error:  # handed to the main thread
                    self.error = error


# --- For the benchmark harness ----------------------------------------------------------------


def bench_patient() -> dict[str, Any]:
    """Return physio 1's first patient with exercises due today, and the first unit to tick."""
    from app.services import activity

    physio_id = db.session.scalar(sa.select(User.id).where(User.login == physio_login(1)))
    if physio_id is None:
        raise ScaleError("No scale data: run flask seed-scale first.")
    patients = db.session.scalars(
        sa.select(Patient).where(Patient.physio_id == physio_id).order_by(Patient.id)
    ).all()
    for patient in patients:
        view = activity.today_view(patient)
        if view.items:
            item = view.items[0]
            unit = item.units[0]
            return {
                "login": patient.user.login,
                "patient_id": patient.id,
                "today": view.day.isoformat(),
                "line_id": item.line_id,
                "session": unit.session,
                "side": unit.side,
                "caseload": len(patients),
            }
    raise ScaleError("None of physio 1's patients has anything due today.")


def hot_queries(patient_id: int, caseload: Sequence[int], today: date) -> dict[str, sa.Select]:
    """The lookups the hot pages make, with the index each one should use (by its name)."""
    from app.services import activity

    year_ago, week_ago = today - timedelta(days=364), today - timedelta(days=6)
    return {
        # The statement the day page and the sync read their days with (activity._read_days).
        "days' ticks and check-ins (patient, date range)": activity.DAYS_STATEMENT.params(
            patient_id=patient_id, first=today - timedelta(days=2), last=today
        ),
        "chart year (day summaries of a patient)": sa.select(DaySummary).where(
            DaySummary.patient_id == patient_id, DaySummary.local_date.between(year_ago, today)
        ),
        "dashboard week (day summaries of a caseload)": sa.select(DaySummary).where(
            DaySummary.patient_id.in_(caseload), DaySummary.local_date.between(week_ago, today)
        ),
        "caseload (patients of a physio)": sa.select(Patient).where(
            Patient.id.in_(caseload[:1]) | (Patient.physio_id == -1)
        ),
        "sync dedupe (events by id)": sa.select(SyncEvent.id).where(
            SyncEvent.id.in_(["00000000-0000-4000-a000-000000000000"])
        ),
        "open flags (patient)": sa.select(Flag).where(
            Flag.patient_id == patient_id, Flag.resolved_at.is_(None)
        ),
    }


def explain_hot_queries() -> dict[str, str]:
    """EXPLAIN each hot query (PostgreSQL) and return how it reads its table."""
    from sqlalchemy.dialects import postgresql

    physio_id = db.session.scalar(sa.select(User.id).where(User.login == physio_login(1)))
    caseload = db.session.scalars(
        sa.select(Patient.id).where(Patient.physio_id == physio_id).order_by(Patient.id)
    ).all()
    if not caseload:
        raise ScaleError("No scale data: run flask seed-scale first.")
    timezone = db.session.scalar(sa.select(Patient.timezone).where(Patient.id == caseload[0]))
    queries = hot_queries(caseload[0], caseload, local_today(timezone or "UTC"))
    plans = {}
    for name, statement in queries.items():
        sql = statement.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        plan = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar()
        plans[name] = "; ".join(plan_scans(plan[0]["Plan"]))
    return plans


def plan_scans(node: dict[str, Any]) -> list[str]:
    """Return 'Index Scan using ix on table'-style words for every scan in a plan tree."""
    found = []
    kind = node.get("Node Type", "")
    if "Scan" in kind:
        index = node.get("Index Name")
        table = node.get("Relation Name", "")
        found.append(f"{kind} using {index}" if index else f"{kind} on {table}")
    for child in node.get("Plans", []):
        found += plan_scans(child)
    return found
