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

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app import policy
from app.domain import suggestions as rules
from app.domain.cautions import not_advised_for, take_care_for
from app.domain.dose import STRENGTH_FIELDS, strength_errors
from app.domain.errors import Refused
from app.domain.library_files import is_walk_run
from app.domain.localtime import local_today, utcnow
from app.domain.pain import Zone
from app.domain.plan_draft import PlanDraft, phase_label
from app.domain.reps import RepsSession, session_of
from app.domain.schedule import due_by_day
from app.extensions import db, run
from app.failures import log_failure
from app.models import (
    CheckIn,
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
    SuggestionRefresh,
    User,
)
from app.services import audit, bulk, plans, programmes

logger = logging.getLogger(__name__)

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
    """Recompute the patient's suggestions against the current plan (the caller commits).

    Run after the patient's days change and, in the same transaction, after every new plan
    version (rework_after_plan_change): pending advice that still holds is carried over to
    the current version, the rest is superseded with the reason, new advice is added. The
    programme row is locked first, as every decision does, so a refresh and a decision on the
    same plan take turns.
    """
    today = today or local_today(patient.timezone)
    programme = plans.active_programme(patient.id)
    version = None
    if programme is not None and programme.current_version_id is not None:
        _lock_programme(programme.id)
        version = db.session.get(ProgrammeVersion, programme.current_version_id)
    rows = _open_and_decided(patient.id, version.id if version else None)
    pending = [row for row in rows if row.status == PENDING]
    if programme is None or version is None:
        return RefreshResult([], [], _supersede(pending, "The patient has no programme running."))
    wanted = _wanted(patient, programme, version, today, _declined(rows, version.id))
    current = {row.dedupe_key: row for row in pending if row.programme_id == programme.id}
    gone = [row for row in pending if current.get(row.dedupe_key) is not row]
    gone += [row for key, row in current.items() if key not in wanted]
    superseded = _supersede(gone, _why_gone(version), version_id=version.id)
    db.session.flush()  # free the unique (patient, key) slot before adding its successor

    kept, created = [], []
    for key, advice in wanted.items():
        row = current.get(key)
        if row is not None:
            _carry_over(row, version, advice)
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


def rework_after_plan_change(patient_id: int) -> RefreshResult | None:
    """Work the pending suggestions out again against a new plan version (same transaction)."""
    patient = db.session.get(Patient, patient_id)
    return None if patient is None else refresh_for_patient(patient)


def _wanted(
    patient: Patient,
    programme: Programme,
    version: ProgrammeVersion,
    today: date,
    declined: set[str],
) -> dict[str, rules.Suggestion]:
    """Return the decisions the rules make today, by key: one per clinical event."""
    first = today - timedelta(days=HISTORY_DAYS - 1)
    records, sessions = day_records(patient, first, today)
    lines = [
        replace(line, rep_sessions=sessions.get(line.line_id, ()))
        for line in _line_states(programme, version, patient.condition)
    ]
    ctx = rules.PlanContext(
        today=today,
        plan_changed_on=version.effective_from,
        settings=programmes.settings_of(version),
        lines=lines,
    )
    found = rules.suggest(records, ctx)
    # "Ready for the next phase" only on a settled plan: not beside a regress, hold or review.
    if not any(s.kind in _UNSETTLED for s in found):
        phase = _phase_state(programme, version, patient.id)
        if phase is not None and (ready := rules.phase_readiness(records, ctx, phase)):
            found.append(ready)
    return {rules.decision_key(d): d for d in rules.decisions(found, lines, declined)}


def _why_gone(version: ProgrammeVersion) -> str:
    return (
        f"Worked out again for plan version {version.number}: the patient's logs no longer "
        "call for it on the current plan."
    )


def _carry_over(row: Suggestion, version: ProgrammeVersion, advice: rules.Suggestion) -> None:
    """Keep a pending decision that still holds, pointing at the current version."""
    row.version_id = version.id
    row.window_start, row.window_end = advice.window_start, advice.window_end
    row.numbers, row.reason = dict(advice.numbers), advice.reason
    row.proposal = _stored(advice)


_UNSETTLED = (rules.Kind.REGRESS, rules.Kind.HOLD, rules.Kind.REVIEW)


def _phase_state(
    programme: Programme, version: ProgrammeVersion, patient_id: int
) -> rules.PhaseState | None:
    """Return the current phase as phase_readiness() needs it; None when it is the last one.

    Three statements, whatever the number of lines or versions: the phases, then the first
    day of the unbroken run of versions in the current phase (a move back restarts the
    clock), then the latest rating of its test task since then.
    """
    phases = db.session.execute(
        sa.select(
            ProgrammePhase.position,
            ProgrammePhase.name,
            ProgrammePhase.typical_weeks,
            ProgrammePhase.test_task,
        )
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
    started_on = started_on or version.effective_from
    rating = None
    if current.test_task:
        # The ratings since the phase began are this phase's (the patient rates weekly).
        rating = db.session.scalar(
            sa.select(CheckIn.pain)
            .where(
                CheckIn.patient_id == patient_id,
                CheckIn.kind == "task",
                CheckIn.session_date >= started_on,
            )
            .order_by(CheckIn.session_date.desc())
            .limit(1)
        )
    return rules.PhaseState(
        name=phase_label(current.position, current.name),
        started_on=started_on,
        typical_weeks=current.typical_weeks,
        next_phase_name=phase_label(following.position, following.name),
        test_task_pain=rating,
        test_task=current.test_task,
    )


# How many queued patients one worker run refreshes at most (each in its own transaction).
REFRESHES_PER_RUN = 500


def queue_refresh(patient_id: int) -> None:
    """Ask the worker to refresh the patient's suggestions (in the caller's transaction).

    One row per patient: a patient's further syncs before the worker's next run add nothing,
    so ticking six exercises makes one refresh, not six, and the sync does not wait for it.
    """
    run(
        bulk.insert_new_only(SuggestionRefresh),
        [{"patient_id": patient_id, "due_since": utcnow()}],
    )


def run_due(now: datetime) -> dict[str, int]:
    """The worker's job: refresh each queued patient once, oldest request first.

    A patient is claimed by deleting its row, in the transaction that refreshes and commits:
    two workers never both refresh one request (the second's DELETE finds nothing), a sync
    during the refresh queues the patient again, and a failure rolls the claim back, so the
    next run tries again. Where it failed is logged, never the rows (health data).
    """
    del now  # every queued refresh is due at once
    queued = db.session.scalars(
        sa.select(SuggestionRefresh.patient_id)
        .order_by(SuggestionRefresh.due_since)
        .limit(REFRESHES_PER_RUN)
    ).all()
    db.session.commit()
    counts = {"suggestion_refreshes": 0}
    for patient_id in queued:
        try:
            claimed = db.session.scalar(
                sa.delete(SuggestionRefresh)
                .where(SuggestionRefresh.patient_id == patient_id)
                .returning(SuggestionRefresh.patient_id)
            )
            patient = db.session.get(Patient, patient_id) if claimed is not None else None
            if patient is not None:
                refresh_for_patient(patient)
                counts["suggestion_refreshes"] += 1
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            log_failure(logger, "suggestion refresh", error)
            counts["errors"] = counts.get("errors", 0) + 1
    return counts


def _lock_programme(programme_id: int) -> Programme | None:
    """Lock a programme row (FOR UPDATE) and read it fresh: decisions on one plan take turns."""
    return db.session.scalar(
        sa.select(Programme)
        .where(Programme.id == programme_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _open_and_decided(patient_id: int, version_id: int | None) -> list[Suggestion]:
    """Return the pending suggestions, and those decided on the current version (one query)."""
    decided_here = sa.and_(
        Suggestion.status.in_((APPLIED, DISMISSED)),
        sa.or_(Suggestion.version_id == version_id, Suggestion.applied_version_id == version_id),
    )
    condition = Suggestion.status == PENDING
    if version_id is not None:
        condition = sa.or_(condition, decided_here)
    return list(
        db.session.scalars(
            sa.select(Suggestion)
            .where(Suggestion.patient_id == patient_id, condition)
            .order_by(Suggestion.id)
            .execution_options(populate_existing=True)
        )
    )


def _declined(rows: Iterable[Suggestion], version_id: int) -> set[str]:
    """Return the advice the physio decided against on this version (rules.decline_key).

    A dismissed decision, or an acknowledged one, on this version; and the lines left out of
    a decision whose applying made this version. Each on its evidence: a new red day is new.
    """
    keys: set[str] = set()
    for row in rows:
        if row.status == PENDING:
            continue
        changes = stored_changes(row)
        if row.applied_version_id == version_id:
            left_out = set(left_out_of(row))
            changes = [c for c in changes if c.line_id in left_out]
        elif row.version_id == version_id:
            keys.add(rules.decline_key(row.dedupe_key, row.reason))
        else:
            continue
        keys |= {rules.decline_key(c.key, c.reason) for c in changes}
    return keys


def _supersede(
    rows: Iterable[Suggestion], why: str, version_id: int | None = None
) -> list[Suggestion]:
    """Mark pending rows superseded, with when and why, in one conditional UPDATE.

    Only rows still pending in the database change: a decision made a moment ago by another
    request is never overwritten.
    """
    ids = sorted({row.id for row in rows})
    if not ids:
        return []
    now = utcnow()
    done = set(
        db.session.scalars(
            sa.update(Suggestion)
            .where(Suggestion.id.in_(ids), Suggestion.status == PENDING)
            .values(status=SUPERSEDED, decided_at=now, superseded_reason=why)
            .returning(Suggestion.id)
            .execution_options(synchronize_session=False)
        )
    )
    changed = [row for row in rows if row.id in done]
    for row in changed:
        db.session.expire(row)
    # Keep one object per row, oldest first.
    return sorted({row.id: row for row in changed}.values(), key=lambda row: row.id)


def _new_row(
    patient: Patient,
    programme: Programme,
    version: ProgrammeVersion,
    advice: rules.Suggestion,
    key: str,
) -> Suggestion:
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
        proposal=_stored(advice),
        dedupe_key=key,
        status=PENDING,
    )


def _stored(advice: rules.Suggestion) -> dict[str, object] | None:
    """Return a decision's lines as stored (each change by Proposal.to_dict); None without."""
    if not advice.changes:
        return None
    return {"lines": [change.to_dict() for change in advice.changes]}


def day_records(
    patient: Patient, first: date, last: date
) -> tuple[list[rules.DayRecord], dict[int, tuple[RepsSession, ...]]]:
    """Return what the rules know of each day first..last: summaries plus per-exercise pain.

    And, per line, its sessions (the days it was due, oldest first) with the reps done in
    each set (reps.session_of: unknown unless every unit's reps were entered), for 2-for-2.
    What was due each day is the plan in force then (plans.plans_in_force).
    """
    summaries = db.session.scalars(
        sa.select(DaySummary).where(
            DaySummary.patient_id == patient.id,
            DaySummary.local_date.between(first, last),
        )
    ).all()
    exercise_pain, done_units, reps = _logged_units(patient, first, last)
    in_force = plans.plans_in_force([patient.id], first, last).get(patient.id, [])
    due = due_by_day(plans.schedule_of(in_force), first, last)
    by_day = {summary.local_date: summary for summary in summaries}
    records = []
    sessions: dict[int, list[RepsSession]] = defaultdict(list)
    for day, items in sorted(due.items()):
        for item in items:
            units = [reps.get((day, *unit)) for unit in item.units]
            sessions[item.line_id].append(session_of(day, units))
        summary = by_day.get(day)
        if summary is None:
            # Days are summarised when something is logged; a silent day still had its due
            # exercises, and silence on due days is what the "nothing logged" rule looks for.
            due_units = sum(item.unit_count for item in items)
            if due_units:
                nothing_done = {item.line_id: (0, item.unit_count) for item in items}
                records.append(
                    rules.DayRecord(
                        day=day, due_units=due_units, done_units=0, line_units=nothing_done
                    )
                )
            continue
        line_units = {
            item.line_id: (
                sum((day, *unit) in done_units for unit in item.units),
                item.unit_count,
            )
            for item in items
        }
        completed = frozenset(i for i, (done, due) in line_units.items() if done == due)
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
                settled=summary.settled,
                line_units=line_units,
            )
        )
    return records, {line_id: tuple(found) for line_id, found in sessions.items()}


Unit = tuple[date, int, int, str]  # (day, line, session, side)


def _logged_units(
    patient: Patient, first: date, last: date
) -> tuple[dict[date, dict[int, int]], set[Unit], dict[Unit, list[int]]]:
    """Return first..last's per-exercise pain (the worst of the day), done units, reps entered."""
    logs = db.session.execute(
        sa.select(
            ExerciseLog.local_date,
            ExerciseLog.line_id,
            ExerciseLog.session,
            ExerciseLog.side,
            ExerciseLog.done,
            ExerciseLog.pain,
            ExerciseLog.reps_done,
        ).where(
            ExerciseLog.patient_id == patient.id,
            ExerciseLog.local_date.between(first, last),
        )
    ).all()
    exercise_pain: dict[date, dict[int, int]] = defaultdict(dict)
    done_units: set[Unit] = set()
    reps: dict[Unit, list[int]] = {}
    for log in logs:
        if log.done and log.reps_done:
            reps[(log.local_date, log.line_id, log.session, log.side)] = list(log.reps_done)
        if log.pain is not None:
            old = exercise_pain[log.local_date].get(log.line_id, -1)
            exercise_pain[log.local_date][log.line_id] = max(old, log.pain)
        if log.done:
            done_units.add((log.local_date, log.line_id, log.session, log.side))
    return exercise_pain, done_units, reps


def _lines_statement() -> sa.Select[*tuple[Any, ...]]:
    """The current phase's lines with their exercise and its chain neighbours (built once)."""
    following = aliased(Exercise)
    preceding = aliased(Exercise)
    return (
        sa.select(
            Prescription,
            Exercise,
            following.id,
            following.name,
            following.cautions,
            following.walk_run,
            preceding.id,
            preceding.name,
            preceding.cautions,
        )
        .join(Exercise, Prescription.exercise_id == Exercise.id)
        .outerjoin(following, Exercise.progression_id == following.id)
        .outerjoin(preceding, Exercise.regression_id == preceding.id)
        .where(
            Prescription.version_id == sa.bindparam("version_id", type_=sa.Integer),
            Prescription.phase_position == sa.bindparam("phase", type_=sa.Integer),
        )
        .order_by(Prescription.position)
    )


def _doses_statement() -> sa.Select[*tuple[Any, ...]]:
    """Each line's exercise and dose in every version of a programme, newest first (built once)."""
    return (
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
        .where(
            ProgrammeVersion.programme_id == sa.bindparam("programme_id", type_=sa.Integer),
            Prescription.line_id.in_(sa.bindparam("line_ids", expanding=True)),
        )
        .order_by(ProgrammeVersion.number.desc())
    )


# Building these (the aliases above most of all) cost more than running them: build them once.
_LINES_STATEMENT = _lines_statement()
_DOSES_STATEMENT = _doses_statement()


def _line_states(
    programme: Programme, version: ProgrammeVersion, condition: str | None = None
) -> list[rules.LineState]:
    """Return the current phase's lines with their chain neighbours and dose start date.

    A neighbour with a caution for the patient's condition that rules it out (compression in
    gluteal tendinopathy) is marked, so the rules never propose swapping to it.
    """
    rows = db.session.execute(
        _LINES_STATEMENT, {"version_id": version.id, "phase": version.phase_position}
    ).all()
    since, changed = _dose_since(programme.id, [row[0].line_id for row in rows])
    states = []
    for line, exercise, next_id, next_name, next_cautions, next_walk_run, *previous in rows:
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
                next_is_walk_run=bool(next_walk_run),
                is_readiness_test=exercise.readiness_test,
                changed_on=since.get(line.line_id) if line.line_id in changed else None,
                next_not_advised=not_advised_for(next_cautions, condition),
                previous_not_advised=not_advised_for(previous_cautions, condition),
                next_take_care=take_care_for(next_cautions, condition),
                previous_take_care=take_care_for(previous_cautions, condition),
            )
        )
    return states


def _dose_since(programme_id: int, line_ids: list[int]) -> tuple[dict[int, date], set[int]]:
    """Return, per line, the first day of its current exercise and dose (one query).

    Also the lines whose exercise or dose was changed since first prescribed.
    """
    if not line_ids:
        return {}, set()
    rows = db.session.execute(
        _DOSES_STATEMENT, {"programme_id": programme_id, "line_ids": line_ids}
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
    return since, finished


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
    if summary.settled is False:
        findings.append("pain not settled within 24 hours (the patient's answer)")
    when = f"{summary.local_date:%a} {summary.local_date.day} {summary.local_date:%b}"
    return f"Red pain day on {when}: " + (", ".join(findings) or "pain in the red zone") + "."


# --- The flare: red days grouped, acknowledged once ------------------------------------------


class AlreadyDone(Refused):
    """A one-time decision (acknowledging a flare or a flag) was made already by someone."""


@dataclass(frozen=True)
class Flare:
    """The patient's open flare: the red days flagged since the last acknowledgement.

    New red days join it; once acknowledged, the next red day opens a new one.
    """

    flags: list[Flag]

    @property
    def days(self) -> list[date]:
        return sorted(flag.local_date for flag in self.flags)

    @property
    def through(self) -> int:
        """Return the newest flag id shown: acknowledging covers what the physio saw."""
        return max(flag.id for flag in self.flags)


def open_flare(patient_id: int) -> Flare | None:
    """Return the patient's open flare (one query), or None when every red day was seen."""
    flags = list(
        db.session.scalars(
            sa.select(Flag)
            .where(Flag.patient_id == patient_id, Flag.resolved_at.is_(None))
            .order_by(Flag.local_date.desc(), Flag.id.desc())
        )
    )
    return Flare(flags) if flags else None


def acknowledge_flare(actor: User, patient_id: int, through: int | None = None) -> int:
    """Acknowledge the open flare once: its flags up to id `through` (what the page showed).

    One conditional UPDATE decides: of two physios pressing at once one acknowledges, the
    other is told it was done (AlreadyDone), and there is one audit row. Returns the days.
    """
    condition = [Flag.patient_id == patient_id, Flag.resolved_at.is_(None)]
    if through is not None:
        condition.append(Flag.id <= through)
    ids = _resolve_flags(actor, condition)
    if not ids:
        raise AlreadyDone("This flare was already acknowledged; nothing was changed.")
    audit.record(
        actor, "flare.acknowledge", "flag", min(ids), patient_id=patient_id, flags=len(ids)
    )
    return len(ids)


def resolve_flag(actor: User, flag: Flag) -> None:
    """Mark one flag as seen, once (AlreadyDone when it was seen already)."""
    if not _resolve_flags(actor, [Flag.id == flag.id, Flag.resolved_at.is_(None)]):
        raise AlreadyDone("This red day was already marked as seen; nothing was changed.")
    audit.record(actor, "flag.resolve", "flag", flag.id, patient_id=flag.patient_id)


def _resolve_flags(actor: User, condition: list[sa.ColumnElement[bool]]) -> list[int]:
    ids = list(
        db.session.scalars(
            sa.update(Flag)
            .where(*condition)
            .values(resolved_at=utcnow(), resolved_by_id=actor.id)
            .returning(Flag.id)
            .execution_options(synchronize_session=False)
        )
    )
    for flag in db.session.identity_map.values():
        if isinstance(flag, Flag) and flag.id in ids:
            db.session.expire(flag)
    return ids


# --- The physio's decision ------------------------------------------------------------------

# line id -> the physio's dose edits for it (None: as proposed); lines not named are left out.
Choices = Mapping[int, Mapping[str, object] | None]


def apply_suggestion(
    actor: User, suggestion: Suggestion, choices: Choices | None = None
) -> ProgrammeVersion | None:
    """Apply a pending decision: one new programme version for its chosen lines, or an
    acknowledgement when it has nothing to change.

    choices: the lines to apply, each with the physio's dose edits (None: all as proposed).
    Raises SuggestionError, with nothing changed, when it cannot be applied: StaleSuggestion
    when it is decided already or the plan has moved on; else the choices or the plan refuse
    it. The remaining pending suggestions are worked out again against the new version.
    """
    programme = _lock_open(suggestion)
    changes = stored_changes(suggestion)
    if not any(change.proposal for change in changes):
        if choices:
            raise SuggestionError("This suggestion has no change to edit.")
        _claim(actor, suggestion, APPLIED)
        audit.record(
            actor,
            "suggestion.acknowledge",
            "suggestion",
            suggestion.id,
            patient_id=suggestion.patient_id,
        )
        return None
    chosen = _chosen(changes, choices)
    draft = _draft_of(programme, suggestion, chosen)
    left_out = [c.line_id for c in changes if c.proposal and c.line_id not in dict(chosen)]
    edited = any(edits for _, edits in chosen)
    _claim(actor, suggestion, APPLIED)
    try:
        version = programmes.commit_draft(
            actor,
            programme,
            draft,
            _reason(suggestion, edited, [c for c in changes if c.line_id in left_out]),
            change_kind="suggestion",
            rework_suggestions=False,
        )
    except programmes.ProgrammeError as error:
        raise SuggestionError(str(error)) from error
    suggestion.applied_version_id = version.id
    if left_out:
        suggestion.proposal = {**(suggestion.proposal or {}), "left_out": left_out}
    audit.record(
        actor,
        "suggestion.apply",
        "suggestion",
        suggestion.id,
        patient_id=suggestion.patient_id,
        version_id=version.id,
        edited=edited,
        lines=len(chosen),
    )
    db.session.flush()
    rework_after_plan_change(suggestion.patient_id)
    return version


def _chosen(
    changes: list[rules.LineChange], choices: Choices | None
) -> list[tuple[int, Mapping[str, object] | None]]:
    """Return (line id, edits) for each line to apply, checked against the decision."""
    offered = [change.line_id for change in changes if change.proposal is not None]
    if choices is None:
        return [(line_id, None) for line_id in offered]
    if unknown := set(choices) - set(offered):
        raise SuggestionError(
            f"Line {min(unknown)} is not part of this suggestion; reload the page."
        )
    if not choices:
        raise SuggestionError("Choose at least one exercise to change, or dismiss the suggestion.")
    return [(line_id, choices[line_id]) for line_id in offered if line_id in choices]


def _draft_of(
    programme: Programme,
    suggestion: Suggestion,
    chosen: list[tuple[int, Mapping[str, object] | None]],
) -> PlanDraft:
    """Return the current plan with every chosen line changed (one draft, one version)."""
    by_line = {change.line_id: change for change in stored_changes(suggestion)}
    try:
        draft = programmes.draft_for(programme, expect_version_id=suggestion.version_id)
        for line_id, edits in chosen:
            proposal = by_line[line_id].proposal
            assert proposal is not None
            if proposal.action == rules.Action.SWAP:
                if edits:
                    raise SuggestionError("A swap to another exercise cannot be edited here.")
                exercise = policy.find_prescribable(programme.clinic_id, proposal.to_exercise_id)
                if exercise is None:
                    raise SuggestionError(
                        f"The suggested exercise, {proposal.to_exercise_name}, is no longer "
                        "in the library."
                    )
                draft.swap_exercise(line_id, exercise)
            else:
                draft.set_dose(line_id, **proposed_dose(proposal, edits))
    except programmes.ProgrammeError as error:
        raise SuggestionError(str(error)) from error
    return draft


def dismiss_suggestion(actor: User, suggestion: Suggestion, note: str) -> None:
    """Dismiss a pending suggestion with the physio's note (a note is required)."""
    note = (note or "").strip()
    _lock_programme(suggestion.programme_id)
    db.session.refresh(suggestion, with_for_update=True)
    if suggestion.status != PENDING:
        raise StaleSuggestion(decided_message(suggestion))
    if not note:
        raise SuggestionError("Please say why you are dismissing this suggestion.")
    if len(note) > 2000:
        raise SuggestionError("Please keep the note under 2000 characters.")
    _claim(actor, suggestion, DISMISSED, note)
    audit.record(
        actor, "suggestion.dismiss", "suggestion", suggestion.id, patient_id=suggestion.patient_id
    )


def stored_changes(suggestion: Suggestion) -> list[rules.LineChange]:
    """Return the decision's stored lines, checked; raises rules.InvalidProposal if bad."""
    stored = suggestion.proposal
    if stored is None:
        return []
    if not isinstance(stored, Mapping) or not isinstance(stored.get("lines"), list):
        raise rules.InvalidProposal("A stored decision must hold a list of lines.")
    return [rules.LineChange.from_dict(line) for line in stored["lines"]]


def left_out_of(suggestion: Suggestion) -> list[int]:
    """Return the lines the physio left out when applying the decision."""
    stored = suggestion.proposal if isinstance(suggestion.proposal, Mapping) else {}
    return [i for i in stored.get("left_out", []) if isinstance(i, int)]


def proposed_dose(
    proposal: rules.Proposal, edits: Mapping[str, object] | None
) -> dict[str, object]:
    """Return the dose to apply: the proposal's, with the physio's edits, checked."""
    dose = {name: getattr(proposal.dose, name, None) for name in STRENGTH_FIELDS}
    for name, value in (edits or {}).items():
        if name not in STRENGTH_FIELDS:
            raise SuggestionError(f"{name} cannot be changed here.")
        dose[name] = value
    errors = strength_errors(dose)
    if errors:
        # A wrong load is reported alone; the other settings all together.
        raise SuggestionError(errors.get("load_kg") or " ".join(errors.values()))
    return dose


def _lock_open(suggestion: Suggestion) -> Programme:
    """Lock the plan, then read the suggestion fresh: it must be pending on the current plan."""
    programme = _lock_programme(suggestion.programme_id)
    db.session.refresh(suggestion, with_for_update=True)
    if suggestion.status != PENDING:
        raise StaleSuggestion(decided_message(suggestion))
    if programme is None or programme.current_version_id != suggestion.version_id:
        raise StaleSuggestion(
            "The programme has changed since this suggestion was made, so it no longer "
            "applies. The suggestions below are worked out from the current plan."
        )
    return programme


def decided_message(suggestion: Suggestion) -> str:
    """Return what happened to a suggestion that is no longer pending, in words."""
    if suggestion.status == SUPERSEDED:
        why = suggestion.superseded_reason or "newer data replaced it."
        return f"This suggestion was already replaced: {why[0].lower()}{why[1:]}"
    words = {APPLIED: "applied", DISMISSED: "dismissed"}
    return (
        f"This suggestion was already {words.get(suggestion.status, suggestion.status)}; "
        "nothing was changed."
    )


def _claim(actor: User, suggestion: Suggestion, status: str, note: str = "") -> None:
    """Decide a suggestion once, in the database: pending on its version -> status.

    A conditional UPDATE, so of several requests at once exactly one wins; the others get
    StaleSuggestion and their transaction is rolled back by the view.
    """
    claimed = db.session.scalars(
        sa.update(Suggestion)
        .where(
            Suggestion.id == suggestion.id,
            Suggestion.status == PENDING,
            Suggestion.version_id == suggestion.version_id,
        )
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, decision_note=note)
        .returning(Suggestion.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.expire(suggestion)
    if len(claimed) != 1:
        raise StaleSuggestion(decided_message(suggestion))


def _reason(suggestion: Suggestion, edited: bool, left_out: list[rules.LineChange]) -> str:
    edits = " (dose edited by the physio)" if edited else ""
    skipped = (
        f" Left unchanged: {', '.join(c.exercise_name for c in left_out)}." if left_out else ""
    )
    # commit_draft keeps reasons under 1000 characters; the decision itself is stored whole.
    return f"Suggestion applied{edits}: {suggestion.reason}{skipped}"[:1000]
