"""Stored plan suggestions and red-day flags: refresh them from the logs, apply or dismiss them.

refresh_for_patient() reads what the rules need in a handful of queries (day summaries,
per-exercise pain, the current version's lines and their history), runs the pure rules of
app.domain.suggestions and keeps one pending row per piece of advice:
- advice already pending (same dedupe key, same programme version) is kept, its numbers
  updated;
- pending advice that no longer holds, or that was made for an older version of the plan,
  becomes 'superseded' (kept for the record, no longer shown);
- new advice is added as 'pending'.

"Ready to consider the next phase" (rules.phase_readiness) is added when the same refresh
has no regress, hold or review: moving on is the physio's call, made on the programme page.

Statuses: pending -> applied | dismissed | superseded. A suggestion without a proposal
(hold, review, next phase, or a rule that has nothing to offer) has nothing to apply: "apply"
means the physio acknowledges it; it is stored as applied with no new version.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app import policy
from app.domain import suggestions as rules
from app.domain.cautions import not_advised_for
from app.domain.dose import STRENGTH_FIELDS, strength_errors
from app.domain.errors import Refused
from app.domain.library_files import is_walk_run
from app.domain.localtime import local_today, utcnow
from app.domain.pain import Zone
from app.domain.plan_draft import phase_label
from app.domain.schedule import due_by_day
from app.extensions import db
from app.models import (
    DaySummary,
    Exercise,
    ExerciseLog,
    Flag,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
    Suggestion,
    User,
)
from app.services import audit, bulk, plans, programmes

HISTORY_DAYS = 28  # the rules look back 3 weeks; 4 keep the two-week trend comfortable
PENDING = "pending"
APPLIED = "applied"
DISMISSED = "dismissed"
SUPERSEDED = "superseded"
RED_DAY = "red_day"


class SuggestionError(Refused):
    """A suggestion cannot be applied or dismissed; the message says why, for the physio."""


class StaleSuggestion(SuggestionError):
    """The suggestion was decided already, or the plan moved on since it was made (a conflict)."""


@dataclass(frozen=True)
class RefreshResult:
    created: list[Suggestion]
    kept: list[Suggestion]
    superseded: list[Suggestion]


# --- Refresh --------------------------------------------------------------------------------


def refresh_for_patient(patient: Patient, today: date | None = None) -> RefreshResult:
    """Recompute the patient's suggestions and store what is new (the caller commits)."""
    today = today or local_today(patient.timezone)
    programme = plans.active_programme(patient.id)
    pending = _pending(patient.id)
    if programme is None or programme.current_version_id is None:
        return RefreshResult([], [], _supersede(pending))
    version = db.session.get(ProgrammeVersion, programme.current_version_id)
    assert version is not None
    first = today - timedelta(days=HISTORY_DAYS - 1)
    lines = _line_states(programme, version, patient.condition)
    records = day_records(patient, first, today)
    ctx = rules.PlanContext(
        today=today,
        plan_changed_on=version.effective_from,
        thresholds=programmes.thresholds_of(version),
        lines=lines,
    )
    found = rules.suggest(records, ctx)
    # "Ready for the next phase" only on a settled plan: not beside a regress, hold or review.
    if not any(s.kind in _UNSETTLED for s in found):
        phase = _phase_state(programme, version)
        if phase is not None and (ready := rules.phase_readiness(records, ctx, phase)):
            found.append(ready)

    current = {row.dedupe_key: row for row in pending if row.version_id == version.id}
    wanted = {rules.dedupe_key(s): s for s in found}
    gone = [row for row in pending if current.get(row.dedupe_key) is not row]
    gone += [row for key, row in current.items() if key not in wanted]
    superseded = _supersede(gone)
    db.session.flush()  # free the unique (patient, key) slot before adding its successor

    kept, created = [], []
    for key, advice in wanted.items():
        row = current.get(key)
        if row is not None:
            row.window_start, row.window_end = advice.window_start, advice.window_end
            row.numbers, row.reason = dict(advice.numbers), advice.reason
            kept.append(row)
            continue
        row = _new_row(patient, programme, version, advice, key)
        # Two refreshes at once may race to add the same advice: the partial unique index
        # keeps one; the loser simply skips it.
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue
        created.append(row)
    return RefreshResult(created, kept, superseded)


_UNSETTLED = (rules.Kind.REGRESS, rules.Kind.HOLD, rules.Kind.REVIEW)


def _phase_state(programme: Programme, version: ProgrammeVersion) -> rules.PhaseState | None:
    """Return the current phase as phase_readiness() needs it; None when it is the last one.

    Two statements, whatever the number of lines or versions: the phases, then the first day
    of the unbroken run of versions in the current phase (a move back restarts the clock).
    """
    phases = db.session.execute(
        sa.select(ProgrammePhase.position, ProgrammePhase.name, ProgrammePhase.typical_weeks)
        .where(ProgrammePhase.programme_id == programme.id)
        .order_by(ProgrammePhase.position)
    ).all()
    current = next((p for p in phases if p.position == version.phase_position), None)
    following = next((p for p in phases if p.position > version.phase_position), None)
    if current is None or following is None:
        return None  # nothing to move on to: phase_readiness() would say nothing
    last_elsewhere = (
        sa.select(sa.func.max(ProgrammeVersion.number))
        .where(
            ProgrammeVersion.programme_id == programme.id,
            ProgrammeVersion.number <= version.number,
            ProgrammeVersion.phase_position != version.phase_position,
        )
        .scalar_subquery()
    )
    started_on = db.session.scalar(
        sa.select(sa.func.min(ProgrammeVersion.effective_from)).where(
            ProgrammeVersion.programme_id == programme.id,
            ProgrammeVersion.number <= version.number,
            ProgrammeVersion.number > sa.func.coalesce(last_elsewhere, 0),
        )
    )
    return rules.PhaseState(
        name=phase_label(current.position, current.name),
        started_on=started_on or version.effective_from,
        typical_weeks=current.typical_weeks,
        next_phase_name=phase_label(following.position, following.name),
        test_task_pain=None,  # not recorded yet: the reason asks the physio to check it
    )


def refresh_patient(patient_id: int) -> None:
    """Refresh one patient's suggestions, by id: run as deferred work, which holds no ORM rows."""
    patient = db.session.get(Patient, patient_id)
    if patient is not None:
        refresh_for_patient(patient)


def _pending(patient_id: int) -> list[Suggestion]:
    return list(
        db.session.scalars(
            sa.select(Suggestion).where(
                Suggestion.patient_id == patient_id, Suggestion.status == PENDING
            )
        )
    )


def _supersede(rows: Iterable[Suggestion]) -> list[Suggestion]:
    rows = list({row.id: row for row in rows}.values())
    for row in rows:
        row.status = SUPERSEDED
        row.decided_at = utcnow()
    return rows


def _new_row(
    patient: Patient,
    programme: Programme,
    version: ProgrammeVersion,
    advice: rules.Suggestion,
    key: str,
) -> Suggestion:
    proposal = None if advice.proposal is None else advice.proposal.to_dict()
    return Suggestion(
        patient_id=patient.id,
        programme_id=programme.id,
        version_id=version.id,
        line_id=advice.line_id,
        kind=str(advice.kind),
        rule=advice.rule,
        window_start=advice.window_start,
        window_end=advice.window_end,
        numbers=dict(advice.numbers),
        reason=advice.reason,
        proposal=proposal,
        dedupe_key=key,
        status=PENDING,
    )


def day_records(patient: Patient, first: date, last: date) -> list[rules.DayRecord]:
    """Return what the rules know of each day first..last: summaries plus per-exercise pain.

    What was due each day is the plan in force then (plans.plans_in_force).
    """
    summaries = db.session.scalars(
        sa.select(DaySummary).where(
            DaySummary.patient_id == patient.id,
            DaySummary.local_date.between(first, last),
        )
    ).all()
    logs = db.session.execute(
        sa.select(
            ExerciseLog.local_date,
            ExerciseLog.line_id,
            ExerciseLog.session,
            ExerciseLog.side,
            ExerciseLog.done,
            ExerciseLog.pain,
        ).where(
            ExerciseLog.patient_id == patient.id,
            ExerciseLog.local_date.between(first, last),
        )
    ).all()
    exercise_pain: dict[date, dict[int, int]] = defaultdict(dict)
    done_units: set[tuple[date, int, int, str]] = set()
    for log in logs:
        if log.pain is not None:
            old = exercise_pain[log.local_date].get(log.line_id, -1)
            exercise_pain[log.local_date][log.line_id] = max(old, log.pain)
        if log.done:
            done_units.add((log.local_date, log.line_id, log.session, log.side))
    in_force = plans.plans_in_force([patient.id], first, last).get(patient.id, [])
    due = due_by_day(plans.schedule_of(in_force), first, last)
    by_day = {summary.local_date: summary for summary in summaries}
    records = []
    for day, items in sorted(due.items()):
        summary = by_day.get(day)
        if summary is None:
            # Days are summarised when something is logged; a silent day still had its due
            # exercises, and silence on due days is what the "nothing logged" rule looks for.
            due_units = sum(item.unit_count for item in items)
            if due_units:
                records.append(rules.DayRecord(day=day, due_units=due_units, done_units=0))
            continue
        completed = frozenset(
            item.line_id for item in items if all((day, *unit) in done_units for unit in item.units)
        )
        records.append(
            rules.DayRecord(
                day=day,
                due_units=summary.due_units,
                done_units=summary.done_units,
                during=summary.during_pain,
                morning=summary.morning_pain,
                usual=summary.usual_pain,
                exercise_pain=exercise_pain.get(day, {}),
                logged=summary.logged,
                completed_lines=completed,
            )
        )
    return records


def _line_states(
    programme: Programme, version: ProgrammeVersion, condition: str | None = None
) -> list[rules.LineState]:
    """Return the current phase's lines with their chain neighbours and dose start date.

    A neighbour with a caution for the patient's condition that rules it out (compression in
    gluteal tendinopathy) is marked, so the rules never propose swapping to it.
    """
    following = aliased(Exercise)
    preceding = aliased(Exercise)
    rows = db.session.execute(
        sa.select(
            Prescription,
            Exercise,
            following.id,
            following.name,
            following.cautions,
            preceding.id,
            preceding.name,
            preceding.cautions,
        )
        .join(Exercise, Prescription.exercise_id == Exercise.id)
        .outerjoin(following, Exercise.progression_id == following.id)
        .outerjoin(preceding, Exercise.regression_id == preceding.id)
        .where(
            Prescription.version_id == version.id,
            Prescription.phase_position == version.phase_position,
        )
        .order_by(Prescription.position)
    ).all()
    since = _dose_since(programme.id, [row[0].line_id for row in rows])
    states = []
    for line, exercise, next_id, next_name, next_cautions, *previous in rows:
        previous_id, previous_name, previous_cautions = previous
        states.append(
            rules.LineState(
                line_id=line.line_id,
                exercise_id=exercise.id,
                exercise_name=exercise.name,
                next_exercise_id=next_id,
                next_exercise_name=next_name,
                previous_exercise_id=previous_id,
                previous_exercise_name=previous_name,
                dose=line.dose,
                dose_since=since.get(line.line_id, version.effective_from),
                is_walk_run=is_walk_run(exercise),
                next_not_advised=not_advised_for(next_cautions, condition),
                previous_not_advised=not_advised_for(previous_cautions, condition),
            )
        )
    return states


def _dose_since(programme_id: int, line_ids: list[int]) -> dict[int, date]:
    """Return, per line, the first day of its current exercise and dose (one query)."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Prescription.line_id,
            ProgrammeVersion.effective_from,
            Prescription.exercise_id,
            Prescription.sets,
            Prescription.reps,
            Prescription.hold_seconds,
            Prescription.duration_seconds,
            Prescription.load_kg,
        )
        .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == programme_id, Prescription.line_id.in_(line_ids))
        .order_by(ProgrammeVersion.number.desc())
    ).all()
    since: dict[int, date] = {}
    latest: dict[int, tuple[object, ...]] = {}
    finished: set[int] = set()
    for line_id, effective_from, *dose in rows:
        if line_id in finished:
            continue
        if line_id in latest and latest[line_id] != tuple(dose):
            finished.add(line_id)  # an older, different dose: the current one began after it
            continue
        latest[line_id] = tuple(dose)
        since[line_id] = effective_from
    return since


# --- Red days -------------------------------------------------------------------------------


def flag_red_days(patient: Patient, summaries: Iterable[DaySummary]) -> list[Flag]:
    """Flag each red day among the summaries for the physio, once per day; return the new flags.

    One INSERT for all the red days, none when no day is red. A day flagged already (now, or
    by a concurrent request a moment ago) is skipped by the (patient, kind, day) unique
    constraint, so nothing needs to be read first.
    """
    rows = [
        {
            "patient_id": patient.id,
            "kind": RED_DAY,
            "local_date": summary.local_date,
            "message": red_day_message(summary),
        }
        for summary in summaries
        if summary.zone == Zone.RED
    ]
    if not rows:
        return []
    flags = list(db.session.scalars(bulk.insert_new_only(Flag).values(rows).returning(Flag)))
    for flag in flags:
        audit.record(
            None, "flag.raise", "flag", flag.id, clinic_id=patient.clinic_id, patient_id=patient.id
        )
    return flags


def red_day_message(summary: DaySummary) -> str:
    """Return what made the day red, in words for the physio."""
    findings = []
    if summary.during_pain is not None:
        findings.append(f"pain during exercise {summary.during_pain}/10")
    if summary.max_exercise_pain is not None and summary.max_exercise_pain != summary.during_pain:
        findings.append(f"worst exercise pain {summary.max_exercise_pain}/10")
    if summary.morning_pain is not None:
        usual = "" if summary.usual_pain is None else f" (usual {summary.usual_pain})"
        findings.append(f"next-morning pain {summary.morning_pain}/10{usual}")
    when = f"{summary.local_date:%a} {summary.local_date.day} {summary.local_date:%b}"
    return f"Red pain day on {when}: " + (", ".join(findings) or "pain in the red zone") + "."


def resolve_flag(actor: User, flag: Flag) -> None:
    """Mark a flag as seen by the physio."""
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        flag.resolved_by_id = actor.id
        audit.record(actor, "flag.resolve", "flag", flag.id, patient_id=flag.patient_id)


# --- The physio's decision ------------------------------------------------------------------


def apply_suggestion(
    actor: User, suggestion: Suggestion, edits: Mapping[str, object] | None = None
) -> ProgrammeVersion | None:
    """Apply a pending suggestion: a new programme version, or an acknowledgement.

    edits replace fields of a proposed dose (the physio's "edit then apply"). Raises
    SuggestionError, with nothing changed, when it cannot be applied: StaleSuggestion when it
    is decided already or the plan has moved on; else the edits or the plan refuse it.
    """
    programme = _check_open(suggestion)
    proposal = stored_proposal(suggestion)
    if proposal is None:
        if edits:
            raise SuggestionError("This suggestion has no change to edit.")
        _decide(actor, suggestion, APPLIED, "")
        audit.record(
            actor,
            "suggestion.acknowledge",
            "suggestion",
            suggestion.id,
            patient_id=suggestion.patient_id,
        )
        return None
    assert suggestion.line_id is not None  # only advice about a line has a proposal
    try:
        draft = programmes.draft_for(programme, expect_version_id=suggestion.version_id)
        if proposal.action == rules.Action.SWAP:
            if edits:
                raise SuggestionError("A swap to another exercise cannot be edited here.")
            exercise = policy.find_prescribable(programme.clinic_id, proposal.to_exercise_id)
            if exercise is None:
                raise SuggestionError("The suggested exercise is no longer in the library.")
            draft.swap_exercise(suggestion.line_id, exercise)
        else:
            draft.set_dose(suggestion.line_id, **proposed_dose(suggestion, edits))
        version = programmes.commit_draft(
            actor, programme, draft, _reason(suggestion, edits), change_kind="suggestion"
        )
    except programmes.ProgrammeError as error:
        raise SuggestionError(str(error)) from error
    _decide(actor, suggestion, APPLIED, "")
    suggestion.applied_version_id = version.id
    audit.record(
        actor,
        "suggestion.apply",
        "suggestion",
        suggestion.id,
        patient_id=suggestion.patient_id,
        version_id=version.id,
        edited=bool(edits),
    )
    return version


def dismiss_suggestion(actor: User, suggestion: Suggestion, note: str) -> None:
    """Dismiss a pending suggestion with the physio's note (a note is required)."""
    note = (note or "").strip()
    if suggestion.status != PENDING:
        raise StaleSuggestion(decided_message(suggestion))
    if not note:
        raise SuggestionError("Please say why you are dismissing this suggestion.")
    if len(note) > 2000:
        raise SuggestionError("Please keep the note under 2000 characters.")
    _decide(actor, suggestion, DISMISSED, note)
    audit.record(
        actor, "suggestion.dismiss", "suggestion", suggestion.id, patient_id=suggestion.patient_id
    )


def stored_proposal(suggestion: Suggestion) -> rules.Proposal | None:
    """Return the suggestion's stored proposal, checked; raises rules.InvalidProposal if bad."""
    if suggestion.proposal is None:
        return None
    return rules.Proposal.from_dict(suggestion.proposal)


def proposed_dose(suggestion: Suggestion, edits: Mapping[str, object] | None) -> dict[str, object]:
    """Return the dose to apply: the proposal's, with the physio's edits, checked."""
    proposal = stored_proposal(suggestion)
    proposed = proposal.dose if proposal is not None else None
    dose = {name: getattr(proposed, name, None) for name in STRENGTH_FIELDS}
    for name, value in (edits or {}).items():
        if name not in STRENGTH_FIELDS:
            raise SuggestionError(f"{name} cannot be changed here.")
        dose[name] = value
    errors = strength_errors(dose)
    if errors:
        # A wrong load is reported alone; the other settings all together.
        raise SuggestionError(errors.get("load_kg") or " ".join(errors.values()))
    return dose


def _check_open(suggestion: Suggestion) -> Programme:
    if suggestion.status != PENDING:
        raise StaleSuggestion(decided_message(suggestion))
    programme = db.session.get(Programme, suggestion.programme_id)
    if programme is None or programme.current_version_id != suggestion.version_id:
        raise StaleSuggestion(
            "The programme has changed since this suggestion was made, so it no longer "
            "applies. New suggestions are worked out from the current plan."
        )
    return programme


def decided_message(suggestion: Suggestion) -> str:
    words = {APPLIED: "applied", DISMISSED: "dismissed", SUPERSEDED: "replaced by newer data"}
    return f"This suggestion was already {words.get(suggestion.status, suggestion.status)}."


def _decide(actor: User, suggestion: Suggestion, status: str, note: str) -> None:
    suggestion.status = status
    suggestion.decided_at = utcnow()
    suggestion.decided_by_id = actor.id
    suggestion.decision_note = note


def _reason(suggestion: Suggestion, edits: Mapping[str, object] | None) -> str:
    edited = " (dose edited by the physio)" if edits else ""
    return f"Suggestion applied{edited}: {suggestion.reason}"
