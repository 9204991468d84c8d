"""Suggestions to progress, hold, regress or review a plan, from recent days (clinical.md s. 4).

A suggestion is never applied by itself: the physio sees the rule, the window and the numbers
behind it, then applies, edits or dismisses it. suggest() is pure and deterministic.

Windows, counted back from ctx.today:
- The week: the 7 full days ending yesterday. Today is left out because it is not over (a
  patient who exercises tonight would look non-adherent at noon), and yesterday's
  next-morning pain is in by today. Progress, adherence and the pain trend use the week.
- The pain window: the week plus today, so a red or amber day is acted on at once.
- The earlier week, for "average pain 2+ points worse than 2 weeks earlier": the week moved
  exactly 14 days back, i.e. days 15-21 before today against days 1-7.

Which rule wins for a line: regress beats hold beats progress. Reviews come alongside any
of them, but no line progresses while there is a review or any line regresses.
Red pain that the patient tied to an exercise regresses that line only; red pain during the
session with no exercise named, or next-morning flares two days running, regress every line,
because nothing says which one is to blame (the physio applies or dismisses each).

Missing data is unknown, never good or bad: a morning not reported, or reported by a patient
with no usual pain recorded, neither holds nor regresses, but progress needs at least one
known next-morning comparison in the week. phase_readiness() is a separate rule for "ready to
consider the next phase" (clinical.md s. 4: 2-3 weeks in a phase, test task under 3/10).
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from app.domain.adherence import (
    ADHERENT,
    LOW_ADHERENCE,
    SILENT_DAYS,
    is_low_adherence,
    last_active_day,
    nothing_logged_for,
)
from app.domain.dose import (
    DURATION_SECONDS_RANGE,
    HOLD_SECONDS_RANGE,
    REPS_RANGE,
    SETS_RANGE,
    STRENGTH_FIELDS,
    Dose,
    InvalidDose,
    strength_errors,
)
from app.domain.localtime import days_between
from app.domain.numbers import Number, percent
from app.domain.pain import PainThresholds, Zone, zone_for_during, zone_for_morning
from app.domain.reps import BEAT_TARGET_BY, RepsSession, two_for_two

WEEK_DAYS = 7
TREND_GAP_DAYS = 14  # the pain trend compares the week with the week two weeks earlier
TREND_MIN_READINGS = 2  # a single reading on either side is not a trend
# Phases (clinical.md s. 4): stay at least 2-3 weeks in a phase; tendon stages are each gated
# by pain below 3/10 on a test task.
MIN_WEEKS_IN_PHASE = 2
STAGE_GATE_PAIN = 3  # the test task must be below this
WALK_RUN_GOOD_SESSIONS = 2  # a walk-run level moves on after this many good sessions in a row

# More dose where a chain ends (clinical.md s. 4), tried in this order.
REPS_STEP = 2
HOLD_STEP_SECONDS = 5
# Load goes up 5-10% (clinical.md s. 4) in 0.5 kg steps: the largest step not above 10%.
# Under 5 kg even 0.5 kg is more than 10%, so such a line gets the next option, a set.
LOAD_STEP_MIN, LOAD_STEP_MAX = Fraction(5, 100), Fraction(10, 100)
LOAD_PLATE_KG = 0.5
# Less dose where a chain starts: clinical.md s. 4 says 20-30%; 25% is the middle and is
# easy for patient and physio to picture ("a quarter less"). Rounded to the nearest whole
# rep, second or half kilo (ties to the smaller dose), which stays within 20-30% wherever a
# whole number can.
LESS_DOSE = Fraction(3, 4)
# Return to running after 30 minutes continuous: weekly volume up by no more than about 10%
# (clinical.md s. 6). Same days a week, so each run gets at most 10% longer, in whole minutes.
RUN_VOLUME_STEP = Fraction(1, 10)


class Kind(StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"  # also flags the patient for the physio
    REVIEW = "review"  # no automatic change: the physio should look


class Action(StrEnum):
    SWAP = "swap"  # change the line's exercise
    DOSE = "dose"  # keep the exercise, change its dose


# Stable rule codes: stored with each suggestion and shown to the physio.
PROGRESS_STEADY_GREEN = "progress_steady_green"
PROGRESS_CHAIN_END_DOSE = "progress_chain_end_dose"
PROGRESS_DOSE_AT_LIMIT = "progress_dose_at_limit"
PROGRESS_WALK_RUN_LEVEL = "progress_walk_run_level"
PROGRESS_RUN_VOLUME = "progress_run_volume"
PROGRESS_PHASE_READY = "progress_phase_ready"
PROGRESS_TWO_FOR_TWO = "progress_two_for_two"  # reps beat the target in 2 sessions in a row
REGRESS_PAIN_ABOVE_5 = "regress_pain_above_5"  # "5" is the default amber limit
REGRESS_MORNING_WORSE_TWO_DAYS = "regress_morning_worse_two_days"
REGRESS_WALK_RUN_LEVEL = "regress_walk_run_level"
REGRESS_NOT_SETTLED_24H = "regress_not_settled_24h"  # the patient said: not settled in 24 h
HOLD_AMBER = "hold_amber"
REVIEW_LOW_ADHERENCE = "review_low_adherence"
REVIEW_NOTHING_LOGGED = "review_nothing_logged"
REVIEW_PAIN_WORSE_THAN_TWO_WEEKS = "review_pain_worse_than_two_weeks"


@dataclass(frozen=True)
class DayRecord:
    """What is known about one patient-local day."""

    day: date
    due_units: int
    done_units: int  # due units done (ticks that were not due are not counted)
    during: int | None = None  # pain during the day's session
    morning: int | None = None  # pain the morning AFTER this day (entered the next day)
    usual: int | None = None  # the patient's usual pain, to compare the morning with
    exercise_pain: Mapping[int, int] = field(default_factory=dict)  # line_id -> max pain
    logged: bool = False  # any tick or check-in that day
    completed_lines: frozenset[int] = frozenset()  # lines with every due unit done that day
    # The morning after: the patient's answer to "has the pain settled within 24 hours?"
    settled: bool | None = None

    @property
    def morning_rise(self) -> int | None:
        """Return how far next-morning pain was above usual, when both are known."""
        if self.morning is None or self.usual is None:
            return None
        return self.morning - self.usual


@dataclass(frozen=True)
class LineState:
    """A line of the current phase: its exercise, its neighbours in the chain and its dose."""

    line_id: int
    exercise_id: int
    exercise_name: str
    next_exercise_id: int | None
    next_exercise_name: str | None
    previous_exercise_id: int | None
    previous_exercise_name: str | None
    dose: Dose
    dose_since: date  # first day of the current exercise and dose on this line
    is_walk_run: bool = False  # a return-to-running level (clinical.md s. 6)
    # The day the physio last changed this line's exercise or dose (None: as first prescribed).
    # Pain up to that day was answered by the change: it regresses the line no further.
    changed_on: date | None = None
    # Why the next / previous exercise is not advised for the patient's condition, in words
    # ("gluteal tendinopathy (compression)"); None when it is fine. Such an exercise is never
    # proposed: the chain is treated as ending there, so the dose changes instead.
    next_not_advised: str | None = None
    previous_not_advised: str | None = None
    # The plan's sessions of this line, oldest first, with the reps done in each set
    # (reps.RepsSession); the 2-for-2 rule reads them.
    rep_sessions: tuple[RepsSession, ...] = ()

    @property
    def harder(self) -> tuple[int, str] | None:
        """Return the next exercise in the chain that may be proposed, as (id, name)."""
        if self.next_exercise_id is None or self.next_not_advised:
            return None
        return self.next_exercise_id, self.next_exercise_name or ""

    @property
    def easier(self) -> tuple[int, str] | None:
        """Return the previous exercise in the chain that may be proposed, as (id, name)."""
        if self.previous_exercise_id is None or self.previous_not_advised:
            return None
        return self.previous_exercise_id, self.previous_exercise_name or ""


@dataclass(frozen=True)
class PlanContext:
    today: date
    plan_changed_on: date  # effective date of the latest programme version
    thresholds: PainThresholds
    lines: Sequence[LineState]


@dataclass(frozen=True)
class PhaseState:
    """The current phase, as far as "ready for the next phase?" needs it."""

    name: str
    started_on: date  # first day under this phase (the version that moved to it)
    typical_weeks: int  # the phase's typical length, set by the template or the physio
    next_phase_name: str | None  # None: this is the last phase
    test_task_pain: int | None = None  # latest pain on the phase's test task, if recorded
    test_task: str = ""  # the task the physio chose for the phase ("" when none)


class InvalidProposal(ValueError):
    """A stored proposal that is not one Proposal.to_dict() writes; the message says why."""


@dataclass(frozen=True)
class Proposal:
    """The change the physio can apply in one click: a swap, or the complete new dose.

    A dose proposal's dose holds only what the rules change (sets, reps / hold / duration,
    load); the line keeps its rest, side, schedule and texts.
    """

    action: Action
    to_exercise_id: int | None = None
    to_exercise_name: str | None = None
    dose: Dose | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the proposal as stored: the action and its set values."""
        if self.action == Action.SWAP:
            return {
                "action": str(self.action),
                "to_exercise_id": self.to_exercise_id,
                "to_exercise_name": self.to_exercise_name,
            }
        assert self.dose is not None
        return {"action": str(self.action), **self.dose.strength()}

    @classmethod
    def from_dict(cls, data: object) -> "Proposal":
        """Read a stored proposal back, checking it; raises InvalidProposal when it is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidProposal(f"A proposal must be a mapping, not {type(data).__name__}.")
        values = dict(data)
        action = values.pop("action", None)
        if action == Action.SWAP:
            exercise_id, name = (
                values.pop("to_exercise_id", None),
                values.pop("to_exercise_name", None),
            )
            if values:
                raise InvalidProposal(f"A swap has no {', '.join(sorted(values))}.")
            if not isinstance(exercise_id, int) or isinstance(exercise_id, bool):
                raise InvalidProposal("A swap needs the exercise id as a whole number.")
            if not isinstance(name, str):
                raise InvalidProposal("A swap needs the exercise name.")
            return cls(Action.SWAP, exercise_id, name)
        if action == Action.DOSE:
            if extra := set(values) - set(STRENGTH_FIELDS):
                raise InvalidProposal(f"A dose proposal has no {', '.join(sorted(extra))}.")
            if errors := strength_errors(values):
                raise InvalidProposal("A dose proposal is wrong: " + " ".join(errors.values()))
            try:
                return cls(Action.DOSE, dose=Dose.from_dict(values))
            except InvalidDose as error:
                raise InvalidProposal(f"A dose proposal is wrong: {error}") from error
        raise InvalidProposal(f"Unknown proposal action {action!r}.")


@dataclass(frozen=True)
class Suggestion:
    kind: Kind
    rule: str
    line_id: int | None  # None: about the patient, not one line
    window_start: date
    window_end: date
    numbers: Mapping[str, float | int | None]  # the figures behind the reason
    reason: str  # one sentence for the physio, with the numbers
    proposal: Proposal | None = None
    # A decision about several lines (decisions()): each line with its own change and reason.
    changes: tuple["LineChange", ...] = ()


def suggest(days: Sequence[DayRecord], ctx: PlanContext) -> list[Suggestion]:
    """Return the suggestions for a patient today: regress, hold, review, then progress.

    days should cover the last 3 weeks; a missing day counts as nothing due, nothing logged.
    """
    history = _History(days, ctx)
    regressions = [s for line in ctx.lines if (s := _regression(line, history))]
    regressed = {s.line_id for s in regressions}
    holds = _holds(history, regressed)
    held = {s.line_id for s in holds}
    reviews = _reviews(history)
    # Amber for the patient holds every line. A review (low adherence, silence, pain worse
    # than two weeks ago) means the physio should look before the plan moves on; so does a
    # red day on any exercise (clinical.md s. 8: progress needs no red reading anywhere).
    if None in held or reviews or regressions:
        return [*regressions, *holds, *reviews]
    progressions = [
        s
        for line in ctx.lines
        if line.line_id not in regressed | held and (s := _progression(line, history))
    ]
    return [*regressions, *holds, *progressions]


def dedupe_key(s: Suggestion) -> str:
    """Return what makes two suggestions the same advice, whatever day they were made."""
    line = "-" if s.line_id is None else str(s.line_id)
    return f"{s.kind}:{s.rule}:{line}:{_proposal_key(s.proposal)}"


# --- One decision per clinical event ----------------------------------------------------------

PROGRESS_SEVERAL = "progress_several"  # a progress decision whose lines follow different rules
_VERBS = {
    Kind.REGRESS: "step back {n} exercises",
    Kind.HOLD: "keep {n} exercises at their dose",
    Kind.PROGRESS: "progress {n} exercises",
}


@dataclass(frozen=True)
class LineChange:
    """One line of a decision: its exercise, the rule that fired, why, and the change (if any)."""

    line_id: int
    exercise_name: str
    rule: str
    reason: str
    proposal: Proposal | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the line as stored; its change is Proposal.to_dict()'s (or None)."""
        return {
            "line_id": self.line_id,
            "exercise_name": self.exercise_name,
            "rule": self.rule,
            "reason": self.reason,
            "change": None if self.proposal is None else self.proposal.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object) -> "LineChange":
        """Read a stored line back, checking it; raises InvalidProposal when it is wrong."""
        if not isinstance(data, Mapping):
            raise InvalidProposal(f"A line must be a mapping, not {type(data).__name__}.")
        values = dict(data)
        line_id, change = values.pop("line_id", None), values.pop("change", None)
        texts = {name: values.pop(name, None) for name in ("exercise_name", "rule", "reason")}
        if values:
            raise InvalidProposal(f"A line has no {', '.join(sorted(values))}.")
        if not isinstance(line_id, int) or isinstance(line_id, bool):
            raise InvalidProposal("A line needs its line id as a whole number.")
        if not all(isinstance(text, str) for text in texts.values()):
            raise InvalidProposal("A line needs its exercise name, rule and reason.")
        proposal = None if change is None else Proposal.from_dict(change)
        return cls(
            line_id, str(texts["exercise_name"]), str(texts["rule"]), str(texts["reason"]), proposal
        )

    @property
    def evidence(self) -> str:
        """Return what the rule saw: the reason up to its ": " (every rule's sentence has one)."""
        return self.reason.partition(": ")[0]

    @property
    def advice(self) -> str:
        """Return what the rule advises for the line: the reason after the evidence."""
        evidence, _, advice = self.reason.partition(": ")
        advice = advice or evidence
        return advice[:1].upper() + advice[1:]

    @property
    def key(self) -> str:
        """Return what makes two line changes the same advice (rule, line, change)."""
        return f"{self.rule}:{self.line_id}:{_proposal_key(self.proposal)}"


def decisions(
    found: Sequence[Suggestion],
    lines: Sequence[LineState],
    declined: Iterable[str] = (),
) -> list[Suggestion]:
    """Return one decision per clinical event: the line advice of suggest() grouped.

    Regressions are grouped by the rule that fired (one red day is one decision covering
    every line it affects), holds likewise, progressions by their review window. Advice about
    the patient (reviews, a hold for the whole session, the next phase) stays one decision
    each. declined: decline keys (decline_key) of advice the physio already decided against
    on this plan (left out of a decision they applied, or dismissed): the same advice on the
    same evidence is not proposed again; new evidence (a new red day) proposes it anew.
    """
    names = {line.line_id: line.exercise_name for line in lines}
    skip = set(declined)
    groups: dict[tuple[object, ...], list[LineChange]] = {}
    members: dict[tuple[object, ...], list[Suggestion]] = {}
    result: list[Suggestion] = []
    for advice in found:
        if advice.line_id is None:
            if decline_key(dedupe_key(advice), advice.reason) not in skip:
                result.append(advice)
            continue
        change = LineChange(
            advice.line_id,
            names.get(advice.line_id, ""),
            advice.rule,
            advice.reason,
            advice.proposal,
        )
        if decline_key(change.key, change.reason) in skip:
            continue
        event = (
            (advice.kind, advice.window_start, advice.window_end)
            if advice.kind == Kind.PROGRESS
            else (advice.kind, advice.rule)
        )
        groups.setdefault(event, []).append(change)
        members.setdefault(event, []).append(advice)
    grouped = [_decision(members[event], groups[event]) for event in groups]
    return [*grouped, *result]


def decline_key(key: str, reason: str) -> str:
    """Return what a decision against advice covers: the advice (key) on its evidence."""
    return f"{key}|{reason.partition(': ')[0]}"


def _decision(found: Sequence[Suggestion], changes: Sequence[LineChange]) -> Suggestion:
    """Return the one decision for an event's line advice, its reason the evidence once."""
    first = found[0]
    rules = {s.rule for s in found}
    numbers = {
        name: value
        for name, value in first.numbers.items()
        if all(s.numbers.get(name) == value for s in found)
    }
    if len(found) == 1:
        reason = first.reason  # one line: its own sentence says it all
    else:
        evidence = list(dict.fromkeys(change.evidence for change in changes))
        verb = _VERBS[first.kind].format(n=len(found))
        reason = f"{'; '.join(evidence)}: {verb}, each listed with its change."
    return Suggestion(
        kind=first.kind,
        rule=first.rule if len(rules) == 1 else PROGRESS_SEVERAL,
        line_id=first.line_id if len(found) == 1 else None,
        window_start=min(s.window_start for s in found),
        window_end=max(s.window_end for s in found),
        numbers=numbers | {"lines": len(found)},
        reason=reason,
        changes=tuple(changes),
    )


def decision_key(s: Suggestion) -> str:
    """Return what makes two decisions the same, whatever day they were made."""
    if not s.changes:
        return dedupe_key(s)
    lines = "+".join(f"{c.line_id}:{_proposal_key(c.proposal)}" for c in s.changes)
    return f"{s.kind}:{s.rule}:{lines}"


def what_rules_read_of_today(record: DayRecord | None) -> tuple[object, ...]:
    """Return what suggest() and phase_readiness() read of today's record.

    Today is not over, so its adherence (done units, completed lines) is in no window: only
    its pains and whether anything was logged count. Two histories that differ only in
    today's record, with this the same, get the same suggestions; so a further tick of today
    without pain cannot change one, and the app skips the refresh for it.
    """
    if record is None:
        return (None, None, None, (), False)
    pains = tuple(sorted(record.exercise_pain.items()))
    # Usual pain only matters beside a next-morning answer (today's comes in tomorrow).
    usual = None if record.morning is None else record.usual
    return (record.during, record.morning, usual, pains, _has_entries(record))


# --- The days, as the rules need them -------------------------------------------------------


class _History:
    """The records by day, and the windows counted back from today."""

    def __init__(self, days: Sequence[DayRecord], ctx: PlanContext) -> None:
        self.ctx = ctx
        self.thresholds = ctx.thresholds
        self.by_day = {record.day: record for record in days}
        self.week_end = ctx.today - timedelta(days=1)
        self.week_start = ctx.today - timedelta(days=WEEK_DAYS)

    def between(self, first: date, last: date) -> list[DayRecord]:
        """Return the known records from first to last, oldest first."""
        return [self.by_day[day] for day in days_between(first, last) if day in self.by_day]

    def week(self) -> list[DayRecord]:
        return self.between(self.week_start, self.week_end)

    def pain_window(self) -> list[DayRecord]:
        return self.between(self.week_start, self.ctx.today)

    def week_adherence(self) -> tuple[int, int]:
        """Return (done, due) units over the week."""
        week = self.week()
        due = sum(r.due_units for r in week)
        return sum(min(r.done_units, r.due_units) for r in week), due


# --- Regress --------------------------------------------------------------------------------


def _regression(line: LineState, history: _History) -> Suggestion | None:
    """Return a regress suggestion for the line, from the first rule that fires."""
    return (
        _regress_for_pain(line, history)
        or _regress_for_mornings(line, history)
        or _regress_for_unsettled(line, history)
        or (_walk_run_step_back(line, history) if line.is_walk_run else None)
    )


def _regress_for_pain(line: LineState, history: _History) -> Suggestion | None:
    limit = history.thresholds.amber_max_during
    line_ids = {each.line_id for each in history.ctx.lines}
    red: list[tuple[date, int]] = []  # days and pain that point at this line
    named = False
    for record in _unanswered(line, history.pain_window()):
        high = {i: p for i, p in record.exercise_pain.items() if p > limit and i in line_ids}
        if line.line_id in high:
            red.append((record.day, high[line.line_id]))
            named = True
        elif not high and record.during is not None and record.during > limit:
            red.append((record.day, record.during))  # no exercise named: every line
    if not red:
        return None
    worst = max(pain for _, pain in red)
    where = f"during {line.exercise_name}" if named else "during exercise"
    unnamed = "" if named else ", with no exercise named"
    proposal, action = _step_back(line)
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_PAIN_ABOVE_5,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={"max_pain": worst, "limit": limit, "days_above": len(red)},
        reason=(
            f"Pain {where} reached {worst}/10 {_on_days([day for day, _ in red])} "
            f"(limit {limit}/10){unnamed}: {action}."
        ),
        proposal=proposal,
    )


def _regress_for_mornings(line: LineState, history: _History) -> Suggestion | None:
    rise_limit = history.thresholds.red_morning_rise
    flares = {
        r.day: r.morning_rise
        for r in _unanswered(line, history.pain_window())
        if r.morning_rise is not None and r.morning_rise >= rise_limit
    }
    running = [day for day in sorted(flares) if day - timedelta(days=1) in flares]
    if not running:
        return None
    second = running[-1]
    first = second - timedelta(days=1)
    proposal, action = _step_back(line)
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_MORNING_WORSE_TWO_DAYS,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={
            "rise_first": flares[first],
            "rise_second": flares[second],
            "limit": rise_limit,
            "days_running": 2,
        },
        reason=(
            f"Next-morning pain was {flares[first]} and then {flares[second]} points above "
            f"usual after {_day(first)} and {_day(second)} (limit {rise_limit}): {action}."
        ),
        proposal=proposal,
    )


def _regress_for_unsettled(line: LineState, history: _History) -> Suggestion | None:
    """Regress every line when the patient said the pain had not settled within 24 hours.

    Not settled counts as red (clinical.md s. 2 and 8); the answer names no exercise.
    """
    unsettled = [r.day for r in _unanswered(line, history.pain_window()) if r.settled is False]
    if not unsettled:
        return None
    proposal, action = _step_back(line)
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_NOT_SETTLED_24H,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={"days_not_settled": len(unsettled), "hours": 24},
        reason=(
            f"The patient said the pain from exercising {_on_days(unsettled)} had not settled "
            f"within 24 hours ({len(unsettled)} day{'s' if len(unsettled) != 1 else ''}; "
            f"the 24-hour rule counts that as red): {action}."
        ),
        proposal=proposal,
    )


def _unanswered(line: LineState, records: Iterable[DayRecord]) -> list[DayRecord]:
    """Return the records after the physio last changed the line: earlier ones were answered.

    A change made on a red day answers that day too (the physio changed the plan because of
    it), so applying a regression never raises another one for the same pain.
    """
    changed = line.changed_on
    return [r for r in records if changed is None or r.day > changed]


def _step_back(line: LineState) -> tuple[Proposal | None, str]:
    """Return the easier exercise or 25% less dose, and the words for it."""
    if easier := line.easier:
        return Proposal(Action.SWAP, *easier), f"suggest going back to {easier[1]}"
    proposal = _less_dose(line)
    not_advised = _not_advised_words(line, harder=False)
    if proposal is None:
        if not_advised:
            return None, f"{not_advised} and {line.exercise_name} is at its smallest dose, review"
        return None, f"{line.exercise_name} is already at its easiest, please review"
    return proposal, (
        f"{not_advised + ', so ' if not_advised else ''}"
        f"suggest 25% less {line.exercise_name}: {_dose_words(proposal)} "
        f"instead of {_dose_words(_current_dose(line))}"
    )


def _not_advised_words(line: LineState, *, harder: bool) -> str:
    """Return "the next exercise, X, is not advised for ..." when the chain stops there; else ""."""
    if harder and line.next_not_advised:
        return (
            f"the next exercise, {line.next_exercise_name}, is not advised for "
            f"{line.next_not_advised}"
        )
    if not harder and line.previous_not_advised:
        return (
            f"the previous exercise, {line.previous_exercise_name}, is not advised for "
            f"{line.previous_not_advised}"
        )
    return ""


def _less_dose(line: LineState) -> Proposal | None:
    """Return the dose a quarter smaller (nearest whole unit, at least 1), sets unchanged."""
    for name in ("reps", "hold_seconds", "duration_seconds"):
        value = getattr(line.dose, name)
        if value is not None and value > 1:
            return _with_dose(line, **{name: max(1, _nearest_down(value * LESS_DOSE))})
    if load := line.dose.load_kg:
        plates = _nearest_down(Fraction(load) / Fraction(LOAD_PLATE_KG) * LESS_DOSE)
        lighter = float(plates * Fraction(LOAD_PLATE_KG))
        if 0 < lighter < load:
            return _with_dose(line, load_kg=lighter)
    return None


def _nearest_down(value: Fraction) -> int:
    """Return the nearest whole number, halves going down (the smaller, safer dose)."""
    return math.ceil(value - Fraction(1, 2))


# --- Hold -----------------------------------------------------------------------------------


def _holds(history: _History, regressed: set[int | None]) -> list[Suggestion]:
    """Return a hold for the patient when their session or mornings were amber.

    Without that, return a hold for each line whose own pain was amber. No hold when every
    line is being regressed anyway.
    """
    lines = [line for line in history.ctx.lines if line.line_id not in regressed]
    if not lines:
        return []
    t = history.thresholds
    window = history.pain_window()
    # A single next-morning rise at the red level is not two days running: it holds.
    amber_during = _amber((r.during for r in window), t)
    rises = [r.morning_rise for r in window if r.morning_rise is not None]
    amber_rises = [rise for rise in rises if rise >= t.amber_morning_rise]
    if amber_during or amber_rises:
        findings = []
        if amber_during:
            findings.append(f"pain during exercise reached {max(amber_during)}/10")
        if amber_rises:
            findings.append(f"next-morning pain rose {max(amber_rises)} above usual")
        return [
            _hold(
                history,
                None,
                " and ".join(findings),
                {
                    "max_during": max(amber_during, default=None),
                    "max_morning_rise": max(amber_rises, default=None),
                    "green_max_during": t.green_max_during,
                },
            )
        ]
    holds = []
    for line in lines:
        pains = [r.exercise_pain.get(line.line_id) for r in window]
        amber = _amber(pains, t)
        if amber:
            words = f"pain during {line.exercise_name} reached {max(amber)}/10"
            numbers = {"max_pain": max(amber), "green_max_during": t.green_max_during}
            holds.append(_hold(history, line.line_id, words, numbers))
    return holds


def _amber(pains: Iterable[int | None], thresholds: PainThresholds) -> list[int]:
    """Return the known pains in the amber zone."""
    return [p for p in pains if p is not None and zone_for_during(p, thresholds) == Zone.AMBER]


def _hold(
    history: _History, line_id: int | None, findings: str, numbers: Mapping[str, int | None]
) -> Suggestion:
    return Suggestion(
        kind=Kind.HOLD,
        rule=HOLD_AMBER,
        line_id=line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers=numbers,
        reason=(
            f"Over {_span(history.week_start, history.ctx.today)} {findings}: "
            "keep the current dose until it settles."
        ),
    )


# --- Review ---------------------------------------------------------------------------------


def _reviews(history: _History) -> list[Suggestion]:
    found = (_review_adherence(history), _review_quiet(history), _review_trend(history))
    return [s for s in found if s]


def _review_adherence(history: _History) -> Suggestion | None:
    done, due = history.week_adherence()
    if not is_low_adherence(done, due):
        return None
    return Suggestion(
        kind=Kind.REVIEW,
        rule=REVIEW_LOW_ADHERENCE,
        line_id=None,
        window_start=history.week_start,
        window_end=history.week_end,
        numbers={"adherence": round(done / due, 2), "done_units": done, "due_units": due},
        reason=(
            f"Over {_span(history.week_start, history.week_end)} adherence was "
            f"{_percent(done, due)} ({done} of {due} exercise ticks), below "
            f"{_percent(LOW_ADHERENCE, 1)}: check in with the patient before changing the plan."
        ),
    )


def _review_quiet(history: _History) -> Suggestion | None:
    first = history.ctx.today - timedelta(days=SILENT_DAYS)
    last = history.week_end
    # Rest days with nothing due are no reason to log; only silence on due days counts.
    if not any(r.due_units for r in history.between(first, last)):
        return None
    logged = [r for r in history.by_day.values() if r.day <= history.ctx.today and _has_entries(r)]
    latest = max(logged, key=lambda r: r.day, default=None)
    active = last_active_day(latest.day, latest.morning is not None) if latest else None
    if not nothing_logged_for(active, history.ctx.today):
        return None
    return Suggestion(
        kind=Kind.REVIEW,
        rule=REVIEW_NOTHING_LOGGED,
        line_id=None,
        window_start=first,
        window_end=last,
        numbers={"days": SILENT_DAYS},
        reason=(
            f"Nothing was logged for {SILENT_DAYS} days ({_span(first, last)}) although "
            "exercises were due: check in with the patient."
        ),
    )


def _review_trend(history: _History) -> Suggestion | None:
    gap = timedelta(days=TREND_GAP_DAYS)
    earlier_start, earlier_end = history.week_start - gap, history.week_end - gap
    recent = [r.during for r in history.week() if r.during is not None]
    earlier = [
        r.during for r in history.between(earlier_start, earlier_end) if r.during is not None
    ]
    if len(recent) < TREND_MIN_READINGS or len(earlier) < TREND_MIN_READINGS:
        return None
    # Exact means: in floats 11/3 - 5/3 comes out just under 2 and would miss a 2-point rise.
    recent_mean, earlier_mean = _exact_mean(recent), _exact_mean(earlier)
    change = recent_mean - earlier_mean
    mcid = history.thresholds.mcid
    if change < mcid:
        return None
    # Reported, not a trigger: clinical.md uses the 2-point band for worsening flags.
    change_percent = None if not earlier_mean else round(float(100 * change / earlier_mean))
    return Suggestion(
        kind=Kind.REVIEW,
        rule=REVIEW_PAIN_WORSE_THAN_TWO_WEEKS,
        line_id=None,
        window_start=earlier_start,
        window_end=history.week_end,
        numbers={
            "recent_mean": round(float(recent_mean), 1),
            "earlier_mean": round(float(earlier_mean), 1),
            "change": round(float(change), 1),
            "change_percent": change_percent,
            "mcid": mcid,
        },
        reason=(
            f"Average pain during exercise was {float(recent_mean):.1f}/10 over "
            f"{_span(history.week_start, history.week_end)} against "
            f"{float(earlier_mean):.1f}/10 over {_span(earlier_start, earlier_end)}, "
            f"{float(change):.1f} points worse ({mcid} points is a change that matters): "
            "review the plan."
        ),
    )


def _exact_mean(values: Sequence[int]) -> Fraction:
    return Fraction(sum(values), len(values))


def _has_entries(record: DayRecord) -> bool:
    return (
        record.logged
        or record.done_units > 0
        or record.during is not None
        or record.morning is not None
    )


# --- Progress -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GreenWeek:
    """A week that shows the dose is comfortable: adherent, green pain and green mornings."""

    done: int
    due: int
    pains: list[int]  # every pain known in the week, session and this line's
    rises: list[int]  # every next-morning rise above usual known in the week


def _progression(line: LineState, history: _History) -> Suggestion | None:
    if line.is_walk_run:
        return _walk_run_step_up(line, history)
    if reps_beaten := _two_for_two_step(line, history):
        return reps_beaten
    week = _green_week(line, history)
    if week is None:
        return None
    start, end = history.week_start, history.week_end
    numbers = {
        "adherence": round(week.done / week.due, 2),
        "max_during": max(week.pains),
        "max_morning_rise": max(week.rises),
        "mornings_known": len(week.rises),
        "days": WEEK_DAYS,
    }
    evidence = (
        f"Over {_span(start, end)} adherence was {_percent(week.done, week.due)} and pain "
        f"during exercise never went above {max(week.pains)}/10, with no next-morning flare "
        f"on the {len(week.rises)} morning{'s' if len(week.rises) != 1 else ''} reported"
    )
    proposal, rule, advice = _progress_step(line)
    return Suggestion(
        kind=Kind.PROGRESS,
        rule=rule,
        line_id=line.line_id,
        window_start=start,
        window_end=end,
        numbers=numbers,
        reason=f"{evidence}: {advice}.",
        proposal=proposal,
    )


def _two_for_two_step(line: LineState, history: _History) -> Suggestion | None:
    """Return more load when the reps beat the target in the last sessions in a row (2-for-2).

    Sessions count from the line's current dose (its target) and after the physio's last
    change; the days must be green for the line. Load first where a plate fits; a line
    without load moves on as a steady green week would (the next exercise, else more dose).
    """
    target = line.dose.reps
    if target is None:
        return None
    changed = line.changed_on
    sessions = [
        s
        for s in line.rep_sessions
        if s.day >= line.dose_since and (changed is None or s.day > changed)
    ]
    met = two_for_two(sessions, target, history.ctx.today)
    if met is None:
        return None
    t = history.thresholds
    for day in met.days:
        record = history.by_day.get(day)
        pains = [] if record is None else _run_pains(record, line)
        if any(zone_for_during(p, t) != Zone.GREEN for p in pains):
            return None
    load = line.dose.load_kg
    if load and (step := _load_step(load)):
        heavier = _with_dose(line, load_kg=round(load + step, 2))
        proposal: Proposal | None = heavier
        advice = f"suggest {_dose_words(heavier)} instead of {_dose_words(_current_dose(line))}"
        rule = PROGRESS_TWO_FOR_TWO
    else:
        proposal, rule, advice = _progress_step(line)
        rule = PROGRESS_TWO_FOR_TWO if proposal else rule
    reps = ", ".join(f"{n} on {_day(day)}" for n, day in zip(met.last_sets, met.days, strict=True))
    return Suggestion(
        kind=Kind.PROGRESS,
        rule=rule,
        line_id=line.line_id,
        window_start=met.days[0],
        window_end=met.days[-1],
        numbers={
            "target_reps": target,
            "beat_by": BEAT_TARGET_BY,
            "sessions": len(met.days),
            "min_last_set_reps": min(met.last_sets),
        },
        reason=(
            f"The last set of {line.exercise_name} beat its {target}-rep target by "
            f"{BEAT_TARGET_BY} or more in each of the last {len(met.days)} sessions in a row "
            f"({reps}; the 2-for-2 rule): {advice}."
        ),
        proposal=proposal,
    )


def _green_week(line: LineState, history: _History) -> _GreenWeek | None:
    """Return the week's figures when it shows the line may progress; else None."""
    start = history.week_start
    # A full week under the current dose and plan, so the week judges what is prescribed now.
    if line.dose_since > start or history.ctx.plan_changed_on > start:
        return None
    done, due = history.week_adherence()
    if not due or done / due < ADHERENT:
        return None
    t = history.thresholds
    week = history.week()
    pains = [r.during for r in week] + [r.exercise_pain.get(line.line_id) for r in week]
    known_pains = [p for p in pains if p is not None]
    rises = [r.morning_rise for r in week if r.morning_rise is not None]
    if not known_pains:
        return None  # no pain reported at all: nothing shows the dose is comfortable
    if any(zone_for_during(p, t) != Zone.GREEN for p in known_pains):
        return None
    if any(zone_for_morning(r.morning, r.usual, t) not in (None, Zone.GREEN) for r in week):
        return None
    # Green needs the 24-hour response too (clinical.md s. 2: it matters more than pain
    # during). A missed morning check-in is no reason to wait, but a week without a single
    # next-morning comparison (none given, or no usual level to compare with) shows nothing.
    if not rises:
        return None
    return _GreenWeek(done, due, known_pains, rises)


def _progress_step(line: LineState) -> tuple[Proposal | None, str, str]:
    """Return the proposal, rule and advice: the next exercise, else more dose, else review."""
    if harder := line.harder:
        return Proposal(Action.SWAP, *harder), PROGRESS_STEADY_GREEN, f"ready for {harder[1]}"
    # The chain ends here, or its next exercise is not advised for the patient's condition.
    not_advised = _not_advised_words(line, harder=True)
    chain_end = not_advised or f"{line.exercise_name} ends its chain"
    proposal = _more_dose(line)
    if proposal is None:
        at_limit = f"{line.exercise_name} is" if not_advised else "it is"
        return (
            None,
            PROGRESS_DOSE_AT_LIMIT,
            f"{chain_end} and {at_limit} at the largest dose, review",
        )
    advice = (
        f"{chain_end}, so suggest {_dose_words(proposal)} "
        f"instead of {_dose_words(_current_dose(line))}"
    )
    return proposal, PROGRESS_CHAIN_END_DOSE, advice


def _more_dose(line: LineState) -> Proposal | None:
    """Return the next dose up: reps, else hold, else load, else one more set; None at the top."""
    dose = line.dose
    if dose.reps is not None and dose.reps < REPS_RANGE[1]:
        return _with_dose(line, reps=min(dose.reps + REPS_STEP, REPS_RANGE[1]))
    if dose.hold_seconds is not None and dose.hold_seconds < HOLD_SECONDS_RANGE[1]:
        hold = min(dose.hold_seconds + HOLD_STEP_SECONDS, HOLD_SECONDS_RANGE[1])
        return _with_dose(line, hold_seconds=hold)
    if dose.load_kg and (step := _load_step(dose.load_kg)):
        return _with_dose(line, load_kg=round(dose.load_kg + step, 2))
    if dose.sets < SETS_RANGE[1]:
        return _with_dose(line, sets=dose.sets + 1)
    return None


def _load_step(load_kg: float) -> float | None:
    """Return the largest whole-plate increase within 5-10% of the load; None if none fits."""
    plates = math.floor(Fraction(load_kg) * LOAD_STEP_MAX / Fraction(LOAD_PLATE_KG))
    step = plates * LOAD_PLATE_KG
    return step if step and step >= Fraction(load_kg) * LOAD_STEP_MIN else None


# --- Return to running (clinical.md s. 6) ---------------------------------------------------


def _walk_run_sessions(line: LineState, history: _History) -> list[tuple[DayRecord, bool | None]]:
    """Return each completed session of the level so far with whether it went well.

    Well: pain at most the walk-run limit (2/10) and back to usual by the next morning.
    None: not known yet (no pain given, or no next-morning comparison).
    """
    limit = history.thresholds.walk_run_max_pain
    sessions: list[tuple[DayRecord, bool | None]] = []
    for record in _unanswered(line, history.between(line.dose_since, history.week_end)):
        if line.line_id not in record.completed_lines:
            continue
        pains = _run_pains(record, line)
        rise = record.morning_rise
        if (pains and max(pains) > limit) or (rise is not None and rise > 0):
            sessions.append((record, False))
        elif pains and rise is not None:
            sessions.append((record, True))
        else:
            sessions.append((record, None))
    return sessions


def _run_pains(record: DayRecord, line: LineState) -> list[int]:
    return [p for p in (record.during, record.exercise_pain.get(line.line_id)) if p is not None]


def _walk_run_step_back(line: LineState, history: _History) -> Suggestion | None:
    sessions = _walk_run_sessions(line, history)
    if not sessions or sessions[-1][1] is not False:
        return None
    record = sessions[-1][0]
    limit = history.thresholds.walk_run_max_pain
    easier = line.easier
    proposal = None if easier is None else Proposal(Action.SWAP, *easier)
    advice = (
        f"step back to {easier[1]}"
        if easier
        else f"{_not_advised_words(line, harder=False) or 'this is the first level'}, please review"
    )
    pains, rise = _run_pains(record, line), record.morning_rise
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_WALK_RUN_LEVEL,
        line_id=line.line_id,
        window_start=line.dose_since,
        window_end=history.week_end,
        numbers={
            "max_pain": max(pains, default=None),
            "morning_rise": rise,
            "pain_limit": limit,
        },
        reason=(
            f"{line.exercise_name} on {_day(record.day)} was not comfortable "
            f"({_run_findings(pains, rise)}; the level needs pain at most {limit}/10 and "
            f"back to usual by the next morning): {advice}."
        ),
        proposal=proposal,
    )


def _run_findings(pains: Sequence[int], rise: int | None) -> str:
    findings = [] if not pains else [f"pain reached {max(pains)}/10"]
    if rise is not None:
        findings.append(
            f"next-morning pain {rise} above usual" if rise > 0 else "back to usual next morning"
        )
    return " and ".join(findings)


def _walk_run_step_up(line: LineState, history: _History) -> Suggestion | None:
    sessions = _walk_run_sessions(line, history)[-WALK_RUN_GOOD_SESSIONS:]
    if len(sessions) < WALK_RUN_GOOD_SESSIONS or not all(ok for _, ok in sessions):
        return None
    limit = history.thresholds.walk_run_max_pain
    rule = PROGRESS_WALK_RUN_LEVEL
    if harder := line.harder:
        proposal: Proposal | None = Proposal(Action.SWAP, *harder)
        advice = f"ready for {harder[1]}"
    else:
        # The last level (30 minutes continuous): from here only the running time grows.
        proposal = _longer_run(line)
        rule = PROGRESS_RUN_VOLUME if proposal else PROGRESS_DOSE_AT_LIMIT
        advice = (
            f"suggest {_dose_words(proposal)} instead of {_dose_words(_current_dose(line))}, "
            f"no more than {_percent(RUN_VOLUME_STEP, 1)} more running a week"
            if proposal
            else "this is the last level, review"
        )
    days = [record.day for record, _ in sessions]
    pains = [p for record, _ in sessions for p in _run_pains(record, line)]
    return Suggestion(
        kind=Kind.PROGRESS,
        rule=rule,
        line_id=line.line_id,
        window_start=days[0],
        window_end=days[-1],
        numbers={"sessions": len(sessions), "max_pain": max(pains), "pain_limit": limit},
        reason=(
            f"{line.exercise_name} was completed {_on_days(days)} with pain at most "
            f"{max(pains)}/10 (limit {limit}/10) and back to usual by the next morning: "
            f"{advice}."
        ),
        proposal=proposal,
    )


def _longer_run(line: LineState) -> Proposal | None:
    """Return each run up to 10% longer in whole minutes; None if not even a minute fits."""
    duration = line.dose.duration_seconds
    if not duration:
        return None
    extra_minutes = math.floor(duration * RUN_VOLUME_STEP / 60)
    longer = duration + 60 * extra_minutes
    if not extra_minutes or longer > DURATION_SECONDS_RANGE[1]:
        return None
    return _with_dose(line, duration_seconds=longer)


# --- Next phase (clinical.md s. 4) ---------------------------------------------------------


def phase_readiness(
    days: Sequence[DayRecord], ctx: PlanContext, phase: PhaseState
) -> Suggestion | None:
    """Return "ready to consider the next phase" when the phase has run its course; else None.

    Ready: at least the phase's typical weeks (and never under 2) since it started, the week
    adherent (80%), every pain known in the week and today green, at least one next-morning
    comparison and none above usual, and the phase's test task last rated below 3/10 (with
    no task chosen, the reason asks the physio to check one). It only
    tells the physio: moving on changes the whole plan, so there is nothing to apply.
    """
    if phase.next_phase_name is None:
        return None
    history = _History(days, ctx)
    t = ctx.thresholds
    weeks_needed = max(MIN_WEEKS_IN_PHASE, phase.typical_weeks)
    days_in_phase = (ctx.today - phase.started_on).days
    if days_in_phase < WEEK_DAYS * weeks_needed:
        return None
    done, due = history.week_adherence()
    if not due or done / due < ADHERENT:
        return None
    window = history.pain_window()
    known_pains = [
        pain for r in window for pain in (r.during, *r.exercise_pain.values()) if pain is not None
    ]
    rises = [r.morning_rise for r in window if r.morning_rise is not None]
    if not known_pains or not rises:
        return None  # nothing shows the phase is comfortable, or the 24-hour response
    if any(zone_for_during(p, t) != Zone.GREEN for p in known_pains):
        return None
    if any(zone_for_morning(r.morning, r.usual, t) not in (None, Zone.GREEN) for r in window):
        return None
    test = phase.test_task_pain
    if test is not None and test >= STAGE_GATE_PAIN:
        return None
    if phase.test_task and test is None:
        return None  # the gate is the task the physio chose: wait for the patient's rating
    check = _test_task_words(phase)
    return Suggestion(
        kind=Kind.PROGRESS,
        rule=PROGRESS_PHASE_READY,
        line_id=None,
        window_start=history.week_start,
        window_end=ctx.today,
        numbers={
            "weeks_in_phase": days_in_phase // WEEK_DAYS,
            "typical_weeks": phase.typical_weeks,
            "adherence": round(done / due, 2),
            "max_during": max(known_pains),
            "max_morning_rise": max(rises),
            "test_task_pain": test,
            "stage_gate_pain": STAGE_GATE_PAIN,
        },
        reason=(
            f"After {days_in_phase // WEEK_DAYS} weeks in {phase.name} (typically "
            f"{phase.typical_weeks}), adherence over {_span(history.week_start, history.week_end)} "
            f"was {_percent(done, due)} and every day was green (pain at most "
            f"{max(known_pains)}/10, no next-morning flare): ready to consider "
            f"{phase.next_phase_name}; {check}."
        ),
    )


def _test_task_words(phase: PhaseState) -> str:
    """Return what the phase's test task showed, or (none chosen) what to check first."""
    task = f" ({phase.test_task})" if phase.test_task else ""
    if phase.test_task_pain is not None:
        return (
            f"the test task{task} was last rated {phase.test_task_pain}/10 "
            f"(the gate is below {STAGE_GATE_PAIN}/10)"
        )
    return f"check the test task is below {STAGE_GATE_PAIN}/10 first"


# --- Small helpers --------------------------------------------------------------------------


def _current_dose(line: LineState) -> Proposal:
    return _with_dose(line)


def _with_dose(line: LineState, **changes: int | float) -> Proposal:
    """Return a dose proposal: the line's whole dose (what the rules change) with the changes."""
    return Proposal(Action.DOSE, dose=Dose(**(line.dose.strength() | changes)))


def _dose_words(proposal: Proposal) -> str:
    assert proposal.dose is not None
    return proposal.dose.amount_words()


def _proposal_key(proposal: Proposal | None) -> str:
    if proposal is None:
        return "-"
    if proposal.action == Action.SWAP:
        return f"swap={proposal.to_exercise_id}"
    assert proposal.dose is not None
    dose = (getattr(proposal.dose, name) for name in STRENGTH_FIELDS)
    return "dose=" + ",".join("" if value is None else f"{value:g}" for value in dose)


def _percent(part: Number, whole: Number) -> str:
    return f"{percent(part, whole)}%"


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _span(first: date, last: date) -> str:
    """Return a date range the short way: "18-24 Nov", "28 Nov-4 Dec"."""
    if first.year != last.year:
        return f"{_day(first)} {first.year}-{_day(last)} {last.year}"
    if first.month != last.month:
        return f"{_day(first)}-{_day(last)}"
    return f"{first.day}-{_day(last)}"


def _on_days(days: Iterable[date]) -> str:
    days = sorted(set(days))
    if len(days) == 1:
        return f"on {_day(days[0])}"
    if len(days) == 2:
        return f"on {_day(days[0])} and {_day(days[1])}"
    return f"on {len(days)} days between {_day(days[0])} and {_day(days[-1])}"
