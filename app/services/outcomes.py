"""Outcome questionnaires: instrument files and wording, schedules, answers and results.

The instruments' structure comes from exercise_library/outcomes/*.yaml (checked by
domain.outcomes); `flask outcomes sync` records each file's version in outcome_instruments,
and `flask outcomes load FILE` adds a clinic's licensed item wording to that row. Scores
are always the domain's, computed from the raw answers stored here.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.domain import outcomes as rules
from app.domain.errors import Refused
from app.domain.events import EventStatus, OutcomeEvent
from app.domain.library_files import LibraryError
from app.domain.localtime import local_today, utcnow
from app.extensions import db
from app.models import Assessment, OutcomeInstrument, OutcomeMeasure, OutcomeSchedule, Patient, User
from app.services import audit
from app.services.library_files import read_folder, read_yaml_file

NOT_YOURS = "That questionnaire is not one of yours, or it does not exist."


class InstrumentsInvalid(Exception):
    """The instrument files (or a wording file) have errors; nothing was loaded."""

    def __init__(self, errors: Sequence[LibraryError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the outcome instrument files")
        self.errors = list(errors)


def outcomes_dir() -> Path:
    return Path(current_app.config["EXERCISE_LIBRARY_DIR"]) / "outcomes"


def validate_files(directory: Path) -> tuple[dict[str, dict[str, Any]], list[LibraryError]]:
    """Read and check every instrument file; return slug -> content and the errors."""
    files = read_folder(directory)
    errors = [error for name, data in files.items() for error in rules.check_instrument(name, data)]
    valid = {
        name.removesuffix(".yaml"): data
        for name, data in files.items()
        if isinstance(data, dict) and not rules.check_instrument(name, data)
    }
    for slug in rules.INSTRUMENTS:
        if slug not in valid and f"{slug}.yaml" not in files:
            errors.append(LibraryError(f"{slug}.yaml", "", "is missing"))
    return valid, errors


@lru_cache(maxsize=4)
def _shipped(directory: str) -> dict[str, dict[str, Any]]:
    valid, errors = validate_files(Path(directory))
    if errors:
        raise InstrumentsInvalid(errors)
    return valid


def shipped_definitions() -> dict[str, dict[str, Any]]:
    """The shipped instrument files, checked once per process (they change with a release)."""
    return _shipped(str(outcomes_dir()))


@dataclass
class SyncCounts:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def sync_instruments(directory: Path | None = None) -> SyncCounts:
    """Upsert the instrument files by slug (a changed file updates its row; wording stays)."""
    valid, errors = validate_files(directory or outcomes_dir())
    if errors:
        raise InstrumentsInvalid(errors)
    rows = {row.slug: row for row in db.session.scalars(sa.select(OutcomeInstrument))}
    counts = SyncCounts()
    for slug, data in sorted(valid.items()):
        digest = rules.content_hash(data)
        row = rows.get(slug)
        if row is None:
            db.session.add(
                OutcomeInstrument(
                    slug=slug, name=data["name"], definition=data, content_hash=digest
                )
            )
            counts.created.append(slug)
        elif row.content_hash != digest:
            row.definition, row.name, row.content_hash = data, data["name"], digest
            counts.updated.append(slug)
        else:
            counts.unchanged.append(slug)
    db.session.flush()
    return counts


def load_wording(path: Path) -> str:
    """Store a clinic's licensed wording file for its instrument; return the slug."""
    data = read_yaml_file(path)
    slug = data.get("slug") if isinstance(data, dict) else None
    shipped = shipped_definitions()
    if not isinstance(slug, str) or slug not in shipped:
        known = ", ".join(rules.INSTRUMENTS)
        raise InstrumentsInvalid(
            [LibraryError(path.name, "slug", f"must be one of the shipped instruments: {known}")]
        )
    errors = rules.wording_errors(path.name, shipped[slug], data)
    if errors:
        raise InstrumentsInvalid(errors)
    assert isinstance(data, dict)
    sync_instruments()
    row = db.session.scalar(sa.select(OutcomeInstrument).where(OutcomeInstrument.slug == slug))
    assert row is not None
    row.wording = rules.wording_of(data)
    row.wording_loaded_at = utcnow()
    db.session.flush()
    return slug


def instrument(slug: str) -> rules.Instrument:
    """The instrument with the clinic's licensed wording when loaded (one statement)."""
    definition = shipped_definitions()[slug]
    wording = db.session.scalar(
        sa.select(OutcomeInstrument.wording).where(OutcomeInstrument.slug == slug)
    )
    return rules.instrument_from(definition, wording)


def instrument_names() -> dict[str, str]:
    """slug -> "LEFS (Lower Extremity Functional Scale)", for forms and pages."""
    return {
        slug: f"{data['short_name']} ({data['name']})"
        for slug, data in sorted(shipped_definitions().items(), key=lambda kv: kv[0])
    }


def suggested_for(condition: str) -> list[str]:
    """The instruments whose file suggests them for a patient's condition."""
    return [
        slug
        for slug, data in shipped_definitions().items()
        if condition in data.get("suggested", {}).get("conditions", [])
    ]


# --- Scheduling -----------------------------------------------------------------------------


def refresh_due_date(patient: Patient) -> None:
    """Keep patients.outcome_due_on = the earliest unanswered measure's due date."""
    patient.outcome_due_on = db.session.scalar(
        sa.select(sa.func.min(OutcomeMeasure.due_on)).where(
            OutcomeMeasure.patient_id == patient.id, OutcomeMeasure.answered_on.is_(None)
        )
    )


def _baseline_assessment(patient: Patient, day: date) -> int | None:
    """The assessment a baseline belongs to: the latest one on or before its day."""
    return db.session.scalar(
        sa.select(Assessment.id)
        .where(Assessment.patient_id == patient.id, Assessment.assessed_on <= day)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
        .limit(1)
    )


def schedule(
    user: User, patient: Patient, slug: str, first_due: date, every_weeks: int | None
) -> OutcomeMeasure:
    """Ask the patient for a measure from first_due (the baseline when it is their first),
    then every N weeks after each answer; replaces that instrument's earlier schedule."""
    errors = {}
    if slug not in shipped_definitions():
        errors["instrument"] = "Choose a questionnaire from the list."
    interval_error = rules.every_weeks_error(every_weeks)
    if interval_error:
        errors["every_weeks"] = interval_error
    if errors:
        raise Refused(errors)
    plan = db.session.scalar(
        sa.select(OutcomeSchedule).where(
            OutcomeSchedule.patient_id == patient.id, OutcomeSchedule.instrument == slug
        )
    )
    if plan is None:
        plan = OutcomeSchedule(patient_id=patient.id, instrument=slug, created_by_id=user.id)
        db.session.add(plan)
    plan.every_weeks, plan.active = every_weeks, True
    db.session.flush()
    # Asking again replaces a measure still waiting, rather than stacking two.
    db.session.execute(
        sa.delete(OutcomeMeasure).where(
            OutcomeMeasure.patient_id == patient.id,
            OutcomeMeasure.instrument == slug,
            OutcomeMeasure.answered_on.is_(None),
        )
    )
    measure = _new_measure(patient, plan, slug, first_due)
    audit.record(user, "outcome.schedule", "outcome_schedule", plan.id, patient_id=patient.id)
    return measure


def _new_measure(
    patient: Patient, plan: OutcomeSchedule | None, slug: str, due: date, reason: str = ""
) -> OutcomeMeasure:
    answered_before = db.session.scalar(
        sa.select(sa.func.count(OutcomeMeasure.id)).where(
            OutcomeMeasure.patient_id == patient.id,
            OutcomeMeasure.instrument == slug,
            OutcomeMeasure.answered_on.is_not(None),
        )
    )
    reason = reason or ("repeat" if answered_before else "baseline")
    measure = OutcomeMeasure(
        patient_id=patient.id,
        schedule_id=plan.id if plan else None,
        instrument=slug,
        reason=reason,
        due_on=due,
        assessment_id=_baseline_assessment(patient, due) if reason == "baseline" else None,
        licensed_wording=False,
    )
    db.session.add(measure)
    db.session.flush()
    refresh_due_date(patient)
    return measure


def schedule_from_template(
    user: User, patient: Patient, condition: str | None, start: date
) -> list[str]:
    """Schedule the measures the instrument files suggest for a template's condition (each
    one the patient has no schedule for yet): baseline on the programme's first day, then
    every TEMPLATE_EVERY_WEEKS weeks. Returns the slugs scheduled."""
    if not condition:
        return []
    existing = set(
        db.session.scalars(
            sa.select(OutcomeSchedule.instrument).where(OutcomeSchedule.patient_id == patient.id)
        )
    )
    made = [slug for slug in suggested_for(condition) if slug not in existing]
    for slug in made:
        schedule(user, patient, slug, start, rules.TEMPLATE_EVERY_WEEKS)
    return made


def ask_at_discharge(user: User, patient: Patient, slug: str, due: date) -> OutcomeMeasure:
    """Ask for one more measure at discharge (the repeat schedule stops)."""
    if slug not in shipped_definitions():
        raise Refused({"instrument": "Choose a questionnaire from the list."})
    plan = db.session.scalar(
        sa.select(OutcomeSchedule).where(
            OutcomeSchedule.patient_id == patient.id, OutcomeSchedule.instrument == slug
        )
    )
    if plan is not None:
        plan.every_weeks = None
    db.session.execute(
        sa.delete(OutcomeMeasure).where(
            OutcomeMeasure.patient_id == patient.id,
            OutcomeMeasure.instrument == slug,
            OutcomeMeasure.answered_on.is_(None),
        )
    )
    measure = _new_measure(patient, plan, slug, due, "discharge")
    audit.record(user, "outcome.discharge", "outcome_measure", measure.id, patient_id=patient.id)
    return measure


def waiting_measures(patient: Patient, today: date) -> list[OutcomeMeasure]:
    """The patient's unanswered measures due by today, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OutcomeMeasure)
            .where(
                OutcomeMeasure.patient_id == patient.id,
                OutcomeMeasure.answered_on.is_(None),
                OutcomeMeasure.due_on <= today,
            )
            .order_by(OutcomeMeasure.due_on, OutcomeMeasure.id)
        )
    )


def own_measure(patient: Patient, measure_id: int) -> OutcomeMeasure | None:
    """The patient's own measure by id, or None (another patient's looks like none)."""
    return db.session.scalar(
        sa.select(OutcomeMeasure).where(
            OutcomeMeasure.id == measure_id, OutcomeMeasure.patient_id == patient.id
        )
    )


def baseline_activities(patient: Patient) -> list[str]:
    """The activities named in the patient's first answered PSFS (follow-ups rate them)."""
    names = db.session.scalar(
        sa.select(OutcomeMeasure.activities)
        .where(
            OutcomeMeasure.patient_id == patient.id,
            OutcomeMeasure.instrument == "psfs",
            OutcomeMeasure.answered_on.is_not(None),
        )
        .order_by(OutcomeMeasure.answered_on, OutcomeMeasure.id)
        .limit(1)
    )
    return list(names or [])


# --- Answering ------------------------------------------------------------------------------


def answer(
    patient: Patient,
    measure_id: int,
    answers: object,
    activities: object = None,
    *,
    event_id: str | None = None,
    now: datetime | None = None,
) -> OutcomeMeasure:
    """Store a patient's raw answers to a due measure and its score; raises Refused.

    A refused set stores nothing. A repeating schedule gets its next measure.
    """
    now = now or utcnow()
    today = local_today(patient.timezone, now)
    measure = own_measure(patient, measure_id)
    if measure is None:
        raise Refused({"measure_id": NOT_YOURS})
    if measure.answered_on is not None:
        raise Refused({"measure_id": "This questionnaire is already answered."})
    if measure.due_on > today:
        raise Refused({"measure_id": f"This questionnaire opens on {measure.due_on.isoformat()}."})
    tool = instrument(measure.instrument)
    if tool.names_activities and measure.reason != "baseline" and not activities:
        activities = baseline_activities(patient) or None
    clean, names = rules.read_answers(tool, answers, activities)
    result = rules.score(tool, clean)
    measure.answers, measure.activities = clean, names or None
    measure.score = result.as_json()
    measure.answered_on, measure.answered_at = today, now
    measure.instrument_hash, measure.licensed_wording = tool.content_hash, tool.licensed
    measure.event_id = event_id
    db.session.flush()
    plan = db.session.get(OutcomeSchedule, measure.schedule_id) if measure.schedule_id else None
    repeat = rules.next_due(today, plan.every_weeks) if plan and plan.active else None
    if repeat is not None and measure.reason != "discharge":
        _new_measure(patient, plan, measure.instrument, repeat)
    refresh_due_date(patient)
    return measure


def apply_outcome_event(
    patient: Patient, event: OutcomeEvent, now: datetime
) -> tuple[EventStatus, dict[str, str], date | None]:
    """Apply a synced "outcome" event (activity.apply_events calls this): applied or rejected.

    A resend of the event that answered the measure is a duplicate: its sync event row then
    collides with the stored one, and apply_and_commit answers it from the ids (stored once).
    """
    answered = db.session.scalar(
        sa.select(OutcomeMeasure.answered_on).where(
            OutcomeMeasure.event_id == event.id, OutcomeMeasure.patient_id == patient.id
        )
    )
    if answered is not None:
        return EventStatus.DUPLICATE, {}, answered
    try:
        measure = answer(
            patient,
            event.measure_id,
            event.answers,
            event.activities,
            event_id=event.id,
            now=now,
        )
    except Refused as refused:
        return EventStatus.REJECTED, refused.errors, None
    return EventStatus.APPLIED, {}, measure.answered_on


# --- Results for the physio -----------------------------------------------------------------


@dataclass
class InstrumentResults:
    """One instrument's answered measures for a patient, baseline first, and the change."""

    instrument: rules.Instrument
    measures: list[OutcomeMeasure]
    waiting: list[OutcomeMeasure]
    every_weeks: int | None
    changes: list[rules.Change] = field(default_factory=list)


def _score_of(measure: OutcomeMeasure) -> rules.Score:
    data = measure.score or {}
    return rules.Score(total=data.get("total"), subscales=data.get("subscales", {}))


def results(patient: Patient) -> list[InstrumentResults]:
    """Every instrument the patient has a schedule or a measure for, with its change."""
    measures = list(
        db.session.scalars(
            sa.select(OutcomeMeasure)
            .where(OutcomeMeasure.patient_id == patient.id)
            .order_by(OutcomeMeasure.answered_on, OutcomeMeasure.due_on, OutcomeMeasure.id)
        )
    )
    plans = {
        plan.instrument: plan
        for plan in db.session.scalars(
            sa.select(OutcomeSchedule).where(OutcomeSchedule.patient_id == patient.id)
        )
    }
    found: list[InstrumentResults] = []
    for slug in rules.INSTRUMENTS:
        mine = [m for m in measures if m.instrument == slug]
        if not mine and slug not in plans:
            continue
        plan = plans.get(slug)
        answered = [m for m in mine if m.answered_on is not None]
        item = InstrumentResults(
            instrument=instrument(slug),
            measures=answered,
            waiting=[m for m in mine if m.answered_on is None],
            every_weeks=plan.every_weeks if plan else None,
        )
        if len(answered) > 1:
            first, last = answered[0], answered[-1]
            item.changes = rules.changes(
                item.instrument,
                _score_of(first),
                _score_of(last),
                first.answers or [],
                last.answers or [],
                first.activities or [],
            )
        found.append(item)
    return found


def score_points(result: InstrumentResults) -> dict[str, list[tuple[date, float]]]:
    """Score part -> (day answered, value) for the chart, oldest first."""
    points: dict[str, list[tuple[date, float]]] = {}
    for measure in result.measures:
        assert measure.answered_on is not None
        for key, value in _score_of(measure).values().items():
            if value is not None:
                points.setdefault(key, []).append((measure.answered_on, float(value)))
    return points
