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

from app.domain.adherence import last_active_day, nothing_logged_for
from app.domain.dose import (
    DURATION_SECONDS_RANGE,
    STRENGTH_FIELDS,
    Dose,
    InvalidDose,
    strength_errors,
)
from app.domain.localtime import days_between
from app.domain.numbers import Number, percent
from app.domain.pain import Zone, zone_for_during, zone_for_morning
from app.domain.reps import RepsSession, two_for_two
from app.domain.rule_settings import RuleSettings
from app.domain.schedule import last_sessions

# Every number the rules use is a RuleSettings field (clinic defaults, some overridden per
# programme); each suggestion's numbers name the settings it used, for the "why" panel.


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
PROGRESS_TOWARDS_RUN_ENTRY = "progress_towards_run_entry"  # a longer walk, up to the entry walk
REGRESS_PAIN_ABOVE_5 = "regress_pain_above_5"  # "5" is the default amber limit
REGRESS_MORNING_WORSE_TWO_DAYS = "regress_morning_worse_two_days"
REGRESS_WALK_RUN_LEVEL = "regress_walk_run_level"
REGRESS_NOT_SETTLED_24H = "regress_not_settled_24h"  # the patient said: not settled in 24 h
HOLD_AMBER = "hold_amber"
HOLD_RUN_ENTRY = "hold_run_entry"  # return to running waits for its entry criteria (s. 6)
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
    line_units: Mapping[int, tuple[int, int]] = field(default_factory=dict)  # line -> done, due

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
    next_is_walk_run: bool = False  # the next exercise is a walk-run level (this is the walk)
    is_readiness_test: bool = False  # a return-to-running readiness test (library attribute)
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
    # The condition, in words, when the next / previous exercise carries a "take care"
    # caution for it: still proposed, and the reason says to read its caution.
    next_take_care: str | None = None
    previous_take_care: str | None = None

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
    settings: RuleSettings  # the programme's: clinic defaults with its own overrides
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
        self.settings = ctx.settings
        self.by_day = {record.day: record for record in days}
        self.week_end = ctx.today - timedelta(days=1)
        self.week_start = ctx.today - timedelta(days=ctx.settings.window_days)

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

    def line_adherence(self, line_id: int) -> tuple[int, int]:
        """Return (done, due) units of one line over the week: was the exercise itself done?"""
        units = [r.line_units.get(line_id, (0, 0)) for r in self.week()]
        return sum(min(done, due) for done, due in units), sum(due for _, due in units)

    def sessions(self) -> list[date]:
        """Return the plan's exercise days known to the rules: days with something due."""
        return sorted(day for day, record in self.by_day.items() if record.due_units)

    def line_sessions(self, line_id: int) -> list[date]:
        """Return the days this line was due on: its sessions, for its "in a row" rules."""
        return sorted(
            day for day, record in self.by_day.items() if record.line_units.get(line_id, (0, 0))[1]
        )


# --- Regress --------------------------------------------------------------------------------


def _regression(line: LineState, history: _History) -> Suggestion | None:
    """Return a regress suggestion for the line, from the first rule that fires."""
    return (
        _regress_for_pain(line, history)
        or _regress_for_mornings(line, history)
        or _regress_for_unsettled(line, history, history.settings)
        or (_walk_run_step_back(line, history) if line.is_walk_run else None)
    )


def _regress_for_pain(line: LineState, history: _History) -> Suggestion | None:
    limit = history.settings.amber_max_during
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
    proposal, action = _step_back(line, history.settings)
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_PAIN_ABOVE_5,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={
            "max_pain": worst,
            "days_above": len(red),
            "amber_max_during": limit,
            **history.settings.used("window_days"),
        },
        reason=(
            f"Pain {where} reached {worst}/10 {_on_days([day for day, _ in red])} "
            f"(limit {limit}/10){unnamed}: {action}."
        ),
        proposal=proposal,
    )


def _regress_for_mornings(line: LineState, history: _History) -> Suggestion | None:
    """Regress when next-morning pain was up by the red rise after N sessions in a row.

    "Running" counts the plan's sessions (schedule.last_sessions): on a Mon/Wed/Fri plan,
    Monday's and Wednesday's mornings-after are two in a row. A session in between with no
    morning answer breaks the run: unknown is not a flare (it still holds, see _holds).
    """
    t = history.settings
    rise_limit, needed = t.red_morning_rise, t.flare_sessions_in_a_row
    sessions = history.sessions()
    # The week: the morning after today is not in yet, and today's session may not be over.
    flares = {
        r.day: r.morning_rise
        for r in _unanswered(line, history.week())
        if r.due_units and r.morning_rise is not None and r.morning_rise >= rise_limit
    }
    run: list[date] = []
    for last in sorted(flares, reverse=True):
        run = last_sessions(sessions, last, needed)
        if len(run) == needed and all(day in flares for day in run):
            break
        run = []
    if not run:
        return None
    proposal, action = _step_back(line, history.settings)
    rises = [flares[day] for day in run]
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_MORNING_WORSE_TWO_DAYS,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={
            "rise_first": rises[0],
            "rise_second": rises[1] if len(rises) > 1 else None,
            "red_morning_rise": rise_limit,
            **t.used("flare_sessions_in_a_row", "window_days"),
        },
        reason=(
            f"Next-morning pain was {_and(str(rise) for rise in rises)} points above usual "
            f"after the sessions of {_and(_day(day) for day in run)}, {needed} sessions in a row "
            f"(limit {rise_limit}): {action}."
        ),
        proposal=proposal,
    )


def _regress_for_unsettled(
    line: LineState, history: _History, t: RuleSettings
) -> Suggestion | None:
    """Regress every line when the patient said the pain had not settled within 24 hours.

    Not settled counts as red (clinical.md s. 2 and 8); the answer names no exercise.
    """
    unsettled = [r.day for r in _unanswered(line, history.pain_window()) if r.settled is False]
    if not unsettled:
        return None
    proposal, action = _step_back(line, t)
    return Suggestion(
        kind=Kind.REGRESS,
        rule=REGRESS_NOT_SETTLED_24H,
        line_id=line.line_id,
        window_start=history.week_start,
        window_end=history.ctx.today,
        numbers={"days_not_settled": len(unsettled), "hours": 24, **t.used("window_days")},
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


def _step_back(line: LineState, t: RuleSettings) -> tuple[Proposal | None, str]:
    """Return the easier exercise or 25% less dose, and the words for it."""
    if easier := line.easier:
        care = _care_words(line.previous_take_care)
        return Proposal(Action.SWAP, *easier), f"suggest going back to {easier[1]}{care}"
    proposal = _less_dose(line, t)
    not_advised = _not_advised_words(line, harder=False)
    if proposal is None:
        if not_advised:
            return None, f"{not_advised} and {line.exercise_name} is at its smallest dose, review"
        return None, f"{line.exercise_name} is already at its easiest, please review"
    rounding = (
        f", holds in whole {t.hold_round_seconds} s" if line.dose.hold_seconds is not None else ""
    )
    return proposal, (
        f"{not_advised + ', so ' if not_advised else ''}"
        f"suggest {t.less_dose_percent}% less {line.exercise_name}{rounding}: "
        f"{_dose_words(proposal)} instead of {_dose_words(_current_dose(line))}"
    )


def _care_words(condition: str | None) -> str:
    """Return ", with care for X (read its caution)" for a "take care" caution; else ""."""
    return f", with care for {condition} (read its caution)" if condition else ""


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


def _less_dose(line: LineState, t: RuleSettings) -> Proposal | None:
    """Return the dose a quarter smaller (nearest whole unit, at least 1), sets unchanged.

    A hold is rounded to whole 5 s (clinical.md s. 8: patients count holds in fives), at
    least one step; a hold already at one step has nothing smaller, so the load goes next.
    """
    less = 1 - Fraction(t.less_dose_percent, 100)
    dose = line.dose
    if dose.reps is not None and dose.reps > 1:
        return _with_dose(line, reps=max(1, _nearest_down(dose.reps * less)))
    if dose.hold_seconds is not None:
        step = t.hold_round_seconds
        shorter = max(1, _nearest_down(dose.hold_seconds * less / step)) * step
        if shorter < dose.hold_seconds:
            return _with_dose(line, hold_seconds=shorter)
    if dose.duration_seconds is not None and dose.duration_seconds > 1:
        return _with_dose(
            line, duration_seconds=max(1, _nearest_down(dose.duration_seconds * less))
        )
    if load := dose.load_kg:
        step_kg = Fraction(t.load_step_kg)
        lighter = float(_nearest_down(Fraction(load) / step_kg * less) * step_kg)
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
    t = history.settings
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
                    "amber_max_during": t.amber_max_during,
                    **t.used("amber_morning_rise", "window_days"),
                },
            )
        ]
    holds = []
    for line in lines:
        pains = [r.exercise_pain.get(line.line_id) for r in window]
        amber = _amber(pains, t)
        if amber:
            words = f"pain during {line.exercise_name} reached {max(amber)}/10"
            numbers = {
                "max_pain": max(amber),
                "green_max_during": t.green_max_during,
                "amber_max_during": t.amber_max_during,
                **t.used("window_days"),
            }
            holds.append(_hold(history, line.line_id, words, numbers))
    return holds


def _amber(pains: Iterable[int | None], thresholds: RuleSettings) -> list[int]:
    """Return the known pains in the amber zone."""
    return [p for p in pains if p is not None and zone_for_during(p, thresholds) == Zone.AMBER]


def _hold(
    history: _History,
    line_id: int | None,
    findings: str,
    numbers: Mapping[str, float | int | None],
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
    line = history.settings.low_adherence
    if not due or Fraction(done, due) >= line:
        return None
    return Suggestion(
        kind=Kind.REVIEW,
        rule=REVIEW_LOW_ADHERENCE,
        line_id=None,
        window_start=history.week_start,
        window_end=history.week_end,
        numbers={
            "adherence": round(done / due, 2),
            "done_units": done,
            "due_units": due,
            **history.settings.used("low_adherence_percent", "window_days"),
        },
        reason=(
            f"Over {_span(history.week_start, history.week_end)} adherence was "
            f"{_percent(done, due)} ({done} of {due} exercise ticks), below "
            f"{_percent(line, 1)}: check in with the patient before changing the plan."
        ),
    )


def _review_quiet(history: _History) -> Suggestion | None:
    silent = history.settings.silent_days
    first = history.ctx.today - timedelta(days=silent)
    last = history.week_end
    # Rest days with nothing due are no reason to log; only silence on due days counts.
    if not any(r.due_units for r in history.between(first, last)):
        return None
    logged = [r for r in history.by_day.values() if r.day <= history.ctx.today and _has_entries(r)]
    latest = max(logged, key=lambda r: r.day, default=None)
    active = last_active_day(latest.day, latest.morning is not None) if latest else None
    if not nothing_logged_for(active, history.ctx.today, silent):
        return None
    return Suggestion(
        kind=Kind.REVIEW,
        rule=REVIEW_NOTHING_LOGGED,
        line_id=None,
        window_start=first,
        window_end=last,
        numbers={"silent_days": silent},
        reason=(
            f"Nothing was logged for {silent} days ({_span(first, last)}) although "
            "exercises were due: check in with the patient."
        ),
    )


def _review_trend(history: _History) -> Suggestion | None:
    t = history.settings
    gap = timedelta(days=t.trend_gap_days)
    earlier_start, earlier_end = history.week_start - gap, history.week_end - gap
    recent = [r.during for r in history.week() if r.during is not None]
    earlier = [
        r.during for r in history.between(earlier_start, earlier_end) if r.during is not None
    ]
    if len(recent) < t.trend_min_readings or len(earlier) < t.trend_min_readings:
        return None
    # Exact means: in floats 11/3 - 5/3 comes out just under 2 and would miss a 2-point rise.
    recent_mean, earlier_mean = _exact_mean(recent), _exact_mean(earlier)
    change = recent_mean - earlier_mean
    mcid = t.mcid
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
            **t.used("trend_gap_days", "window_days"),
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
    """A week that shows the dose is comfortable: done, green everywhere, green mornings."""

    done: int
    due: int
    line_done: int
    line_due: int
    pains: list[int]  # every pain known in the week and today, session and every exercise's
    rises: list[int]  # every next-morning rise above usual known in the week


def _progression(line: LineState, history: _History) -> Suggestion | None:
    if line.is_walk_run:
        return _walk_run_step_up(line, history)
    if reps_beaten := _two_for_two_step(line, history, history.settings):
        return reps_beaten
    week = _green_week(line, history)
    if week is None:
        return None
    t = history.settings
    start, end = history.week_start, history.week_end
    numbers: dict[str, float | int | None] = {
        "adherence": round(week.done / week.due, 2),
        "line_adherence": round(week.line_done / week.line_due, 2),
        "max_during": max(week.pains),
        "max_morning_rise": max(week.rises),
        "mornings_known": len(week.rises),
        **t.used("window_days", "adherent_percent", "green_max_during"),
    }
    mornings = f"{len(week.rises)} morning{'s' if len(week.rises) != 1 else ''}"
    # The evidence is the programme's (the same for every line, said once in a decision);
    # the line's own adherence opens its advice.
    evidence = (
        f"Over {_span(start, end)} adherence was {_percent(week.done, week.due)} (adherent at "
        f"{t.adherent_percent}%), pain during any exercise never went above "
        f"{max(week.pains)}/10 (green up to {t.green_max_during}/10), with no next-morning "
        f"flare on the {mornings} reported"
    )
    done = f"{line.exercise_name} was done {_percent(week.line_done, week.line_due)} of the week"
    if line.next_is_walk_run and line.harder:
        return _run_entry(line, history, f"{evidence}: {done}", numbers)
    proposal, rule, advice = _progress_step(line, t)
    advice = f"{done}; {advice}"
    numbers |= _dose_settings(line, proposal, t)
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


def _two_for_two_step(line: LineState, history: _History, t: RuleSettings) -> Suggestion | None:
    """Return more load when the reps beat the target in the last sessions in a row (2-for-2).

    Sessions count from the line's current dose (its target) and after the physio's last
    change; the days must be green for the line. Load first where a step fits (the rules'
    load-first dose step: 2-10% in the clinic's load steps); a line without load moves on as
    a steady green week would (the next exercise, else more dose).
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
    beat_by, in_a_row = t.two_for_two_beat_by, t.two_for_two_sessions_in_a_row
    met = two_for_two(sessions, target, history.ctx.today, beat_by, in_a_row)
    if met is None:
        return None
    for day in met.days:
        record = history.by_day.get(day)
        pains = [] if record is None else _run_pains(record, line)
        if any(zone_for_during(p, t) != Zone.GREEN for p in pains):
            return None
    load = line.dose.load_kg
    proposal: Proposal | None
    if load and _load_step(load, t):
        proposal, how = _more_dose(line, t)  # load first, as at a chain's end
        advice = (
            f"suggest {_dose_words(proposal)} instead of {_dose_words(_current_dose(line))} ({how})"
            if proposal
            else how
        )
        rule = PROGRESS_TWO_FOR_TWO
    else:
        proposal, rule, advice = _progress_step(line, t)
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
            "min_last_set_reps": min(met.last_sets),
            **t.used("two_for_two_beat_by", "two_for_two_sessions_in_a_row", "green_max_during"),
            **_dose_settings(line, proposal, t),
        },
        reason=(
            f"The last set of {line.exercise_name} beat its {target}-rep target by "
            f"{beat_by} or more in each of the last {len(met.days)} sessions in a row "
            f"({reps}; the 2-for-2 rule): {advice}."
        ),
        proposal=proposal,
    )


def _green_week(line: LineState, history: _History) -> _GreenWeek | None:
    """Return the week's figures when it shows the line may progress; else None.

    Progress only what was done and painless (clinical.md s. 8): the line's own adherence at
    the adherent line, not only the programme's (an exercise not done is never made harder),
    and no amber or red reading anywhere in the programme, on any exercise or the session,
    in the week or today.
    """
    t = history.settings
    start = history.week_start
    # A full week under the current dose and plan, so the week judges what is prescribed now.
    if line.dose_since > start or history.ctx.plan_changed_on > start:
        return None
    done, due = history.week_adherence()
    line_done, line_due = history.line_adherence(line.line_id)
    if not due or Fraction(done, due) < t.adherent:
        return None
    if not line_due or Fraction(line_done, line_due) < t.adherent:
        return None
    window = history.pain_window()
    known_pains = [
        pain for r in window for pain in (r.during, *r.exercise_pain.values()) if pain is not None
    ]
    week = history.week()
    rises = [r.morning_rise for r in week if r.morning_rise is not None]
    if not known_pains:
        return None  # no pain reported at all: nothing shows the dose is comfortable
    if any(zone_for_during(p, t) != Zone.GREEN for p in known_pains):
        return None
    if any(zone_for_morning(r.morning, r.usual, t) not in (None, Zone.GREEN) for r in window):
        return None
    # Green needs the 24-hour response too (clinical.md s. 2: it matters more than pain
    # during). A missed morning check-in is no reason to wait, but a week without a single
    # next-morning comparison (none given, or no usual level to compare with) shows nothing.
    if not rises:
        return None
    return _GreenWeek(done, due, line_done, line_due, known_pains, rises)


def _progress_step(line: LineState, t: RuleSettings) -> tuple[Proposal | None, str, str]:
    """Return the proposal, rule and advice: the next exercise, else more dose, else review."""
    if harder := line.harder:
        care = _care_words(line.next_take_care)
        return Proposal(Action.SWAP, *harder), PROGRESS_STEADY_GREEN, f"ready for {harder[1]}{care}"
    # The chain ends here, or its next exercise is not advised for the patient's condition.
    not_advised = _not_advised_words(line, harder=True)
    chain_end = not_advised or f"{line.exercise_name} ends its chain"
    proposal, how = _more_dose(line, t)
    if proposal is None:
        at_limit = f"{line.exercise_name} is" if not_advised else "it is"
        return None, PROGRESS_DOSE_AT_LIMIT, f"{chain_end} and {at_limit} {how}, review"
    advice = (
        f"{chain_end}, so suggest {_dose_words(proposal)} "
        f"instead of {_dose_words(_current_dose(line))} ({how})"
    )
    return proposal, PROGRESS_CHAIN_END_DOSE, advice


def _more_dose(line: LineState, t: RuleSettings) -> tuple[Proposal | None, str]:
    """Return the next dose up for the kind of exercise, and the step in words.

    Loaded: load first, 2-10% in the patient's load steps, then reps to the isotonic
    ceiling, then a set. Isotonic: reps to the ceiling (15), then load, which the physio
    chooses (no proposal). Isometric: holds to 60 s, then one more hold. Timed: one more
    set. Sets stop at sets_max; None with the reason when nothing fits.
    """
    dose = line.dose
    ceiling = t.isotonic_reps_max
    if dose.load_kg and (step := _load_step(dose.load_kg, t)):
        words = f"load first: +{_percent(Fraction(step) / Fraction(dose.load_kg), 1)}"
        return (
            _with_dose(line, load_kg=round(dose.load_kg + step, 2)),
            f"{words}, in {t.load_step_kg:g} kg steps",
        )
    if dose.reps is not None and dose.reps < ceiling:
        return (
            _with_dose(line, reps=min(dose.reps + t.reps_step, ceiling)),
            f"+{t.reps_step} reps, up to {ceiling} for isotonic work",
        )
    if dose.reps is not None and not dose.load_kg:
        return None, f"at {dose.reps} reps, the most for isotonic work ({ceiling}): add load"
    if dose.hold_seconds is not None and dose.hold_seconds < t.hold_max_seconds:
        hold = min(dose.hold_seconds + t.hold_step_seconds, t.hold_max_seconds)
        return (
            _with_dose(line, hold_seconds=hold),
            f"+{t.hold_step_seconds} s a hold, up to {t.hold_max_seconds} s",
        )
    if dose.sets < t.sets_max:
        what = "hold" if dose.hold_seconds is not None else "set"
        return _with_dose(line, sets=dose.sets + 1), f"one more {what}, up to {t.sets_max}"
    return None, f"at the largest dose ({t.sets_max} sets)"


def _load_step(load_kg: float, t: RuleSettings) -> float | None:
    """Return the largest whole-step increase within 2-10% of the load; None if none fits."""
    step_kg = Fraction(t.load_step_kg)
    steps = math.floor(Fraction(load_kg) * Fraction(t.load_step_max_percent, 100) / step_kg)
    step = steps * step_kg
    fits = step and step >= Fraction(load_kg) * Fraction(t.load_step_min_percent, 100)
    return float(step) if fits else None


def _dose_settings(
    line: LineState, proposal: Proposal | None, t: RuleSettings
) -> dict[str, float | int]:
    """Return the dose settings a chain-end step used, for the "why" panel."""
    if proposal is not None and proposal.action == Action.SWAP:
        return {}
    dose = line.dose
    if dose.load_kg:
        return t.used("load_step_min_percent", "load_step_max_percent", "load_step_kg")
    if dose.reps is not None:
        return t.used("reps_step", "isotonic_reps_max")
    if dose.hold_seconds is not None:
        return t.used("hold_step_seconds", "hold_max_seconds", "sets_max")
    return t.used("sets_max")


# --- Return to running: entry (clinical.md s. 6 and 8) --------------------------------------


def _run_entry(
    line: LineState,
    history: _History,
    evidence: str,
    numbers: dict[str, float | int | None],
) -> Suggestion:
    """Return the walk's step when its next exercise is the first walk-run level.

    The first level is proposed only when both entry criteria are met: the walk itself is
    at least 30 minutes and green (the green week says so), and every readiness test line
    of the plan has its own pain recorded in the week, all below the stage gate (3/10).
    Otherwise the walk grows towards 30 minutes, or holds, and the reason names what is
    missing. A plan without readiness test lines has not recorded them: a careful physio
    tests before the first run, so the rule asks for them rather than assuming them.
    """
    t = history.settings
    assert line.harder is not None
    walked = _walk_minutes(line.dose)
    missing = []
    if walked < t.entry_walk_minutes:
        missing.append(
            f"brisk walking is {walked} minutes, not yet {t.entry_walk_minutes} in green"
        )
    tests = [each for each in history.ctx.lines if each.is_readiness_test]
    test_pains, not_ready = _readiness(tests, history)
    missing += not_ready
    gate = f"below {t.stage_gate_pain}/10"
    numbers = numbers | {
        "walk_minutes": walked,
        "readiness_tests": len(tests),
        "max_readiness_pain": max(test_pains, default=None),
        **t.used("entry_walk_minutes", "stage_gate_pain"),
    }
    first_level = line.harder[1]

    def made(kind: Kind, rule: str, reason: str, proposal: Proposal | None) -> Suggestion:
        return Suggestion(
            kind,
            rule,
            line.line_id,
            history.week_start,
            history.week_end,
            numbers,
            reason,
            proposal,
        )

    if not missing:
        tested = _and(test.exercise_name for test in tests)
        return made(
            Kind.PROGRESS,
            PROGRESS_STEADY_GREEN,
            f"{evidence}; the entry criteria are met ({walked} minutes of brisk walking in "
            f"green, {tested} at most {max(test_pains)}/10, {gate}): ready for "
            f"{first_level}{_care_words(line.next_take_care)}.",
            Proposal(Action.SWAP, *line.harder),
        )
    waits = f"{first_level} waits for its entry criteria ({'; '.join(missing)})"
    if walked < t.entry_walk_minutes and (longer := _longer_walk(line, t)):
        return made(
            Kind.PROGRESS,
            PROGRESS_TOWARDS_RUN_ENTRY,
            f"{evidence}; {waits}, so suggest {_dose_words(longer)} instead of "
            f"{_dose_words(_current_dose(line))}.",
            longer,
        )
    return made(Kind.HOLD, HOLD_RUN_ENTRY, f"{evidence}; {waits}: keep the current dose.", None)


def _readiness(tests: Sequence[LineState], history: _History) -> tuple[list[int], list[str]]:
    """Return the readiness tests' pains in the week, and what keeps them from the gate."""
    gate = f"below {history.settings.stage_gate_pain}/10"
    test_pains: list[int] = []
    unrecorded, too_sore = [], []
    for test in tests:
        pains = [
            r.exercise_pain[test.line_id] for r in history.week() if test.line_id in r.exercise_pain
        ]
        if not pains:
            unrecorded.append(test.exercise_name)
        elif max(pains) >= history.settings.stage_gate_pain:
            too_sore.append(f"{test.exercise_name} {max(pains)}/10")
        test_pains.extend(pains)
    missing = []
    if not tests:
        missing.append(f"no readiness test is in the plan, each needing pain {gate}")
    if unrecorded:
        missing.append(f"no pain recorded for {_and(unrecorded)} ({gate} needed)")
    if too_sore:
        missing.append(f"{_and(too_sore)}, not {gate}")
    return test_pains, missing


def _walk_minutes(dose: Dose) -> int:
    """Return the whole minutes of walking in one session of a timed dose (0 for others)."""
    return (dose.sets * (dose.duration_seconds or 0)) // 60


def _longer_walk(line: LineState, t: RuleSettings) -> Proposal | None:
    """Return each walk 10% longer in whole minutes (at least one), up to the entry walk."""
    duration = line.dose.duration_seconds
    if not duration or line.dose.sets != 1:
        return None
    extra = max(1, math.floor(duration * Fraction(t.run_volume_step_percent, 100) / 60))
    longer = min(duration + 60 * extra, 60 * t.entry_walk_minutes)
    return _with_dose(line, duration_seconds=longer) if longer > duration else None


# --- Return to running (clinical.md s. 6) ---------------------------------------------------


def _walk_run_sessions(line: LineState, history: _History) -> list[tuple[DayRecord, bool | None]]:
    """Return each completed session of the level so far with whether it went well.

    Well: pain at most the walk-run limit (2/10) and back to usual by the next morning.
    None: not known yet (no pain given, or no next-morning comparison).
    """
    limit = history.settings.walk_run_max_pain
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
    limit = history.settings.walk_run_max_pain
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
            "walk_run_max_pain": limit,
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
    """Step up after the level's last N sessions in a row each went well.

    In a row: the line's own sessions of the plan (schedule.last_sessions), so a missed run
    between two good ones means the level is not yet done twice running.
    """
    t = history.settings
    needed = t.walk_run_sessions_in_a_row
    judged = {record.day: (record, ok) for record, ok in _walk_run_sessions(line, history)}
    due = [day for day in history.line_sessions(line.line_id) if day >= line.dose_since]
    last = last_sessions(due, history.week_end, needed)
    if len(last) < needed or not all(judged.get(day, (None, False))[1] for day in last):
        return None
    sessions = [judged[day] for day in last]
    limit = t.walk_run_max_pain
    rule = PROGRESS_WALK_RUN_LEVEL
    if harder := line.harder:
        proposal: Proposal | None = Proposal(Action.SWAP, *harder)
        advice = f"ready for {harder[1]}{_care_words(line.next_take_care)}"
    else:
        # The last level (30 minutes continuous): from here only the running time grows.
        proposal = _longer_run(line, t)
        rule = PROGRESS_RUN_VOLUME if proposal else PROGRESS_DOSE_AT_LIMIT
        advice = (
            f"suggest {_dose_words(proposal)} instead of {_dose_words(_current_dose(line))}, "
            f"no more than {t.run_volume_step_percent}% more running a week"
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
        numbers={
            "sessions": len(sessions),
            "max_pain": max(pains),
            "walk_run_max_pain": limit,
            **t.used("walk_run_sessions_in_a_row"),
        },
        reason=(
            f"{line.exercise_name} was completed {_on_days(days)}, {needed} sessions in a row, "
            f"with pain at most {max(pains)}/10 (limit {limit}/10) and back to usual by the "
            f"next morning: {advice}."
        ),
        proposal=proposal,
    )


def _longer_run(line: LineState, t: RuleSettings) -> Proposal | None:
    """Return each run up to 10% longer in whole minutes; None if not even a minute fits."""
    duration = line.dose.duration_seconds
    if not duration:
        return None
    extra_minutes = math.floor(duration * Fraction(t.run_volume_step_percent, 100) / 60)
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
    t = ctx.settings
    weeks_needed = max(t.min_weeks_in_phase, phase.typical_weeks)
    days_in_phase = (ctx.today - phase.started_on).days
    if days_in_phase < 7 * weeks_needed:
        return None
    done, due = history.week_adherence()
    if not due or Fraction(done, due) < t.adherent:
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
    if test is not None and test >= t.stage_gate_pain:
        return None
    if phase.test_task and test is None:
        return None  # the gate is the task the physio chose: wait for the patient's rating
    check = _test_task_words(phase, t)
    return Suggestion(
        kind=Kind.PROGRESS,
        rule=PROGRESS_PHASE_READY,
        line_id=None,
        window_start=history.week_start,
        window_end=ctx.today,
        numbers={
            "weeks_in_phase": days_in_phase // 7,
            "typical_weeks": phase.typical_weeks,
            "adherence": round(done / due, 2),
            "max_during": max(known_pains),
            "max_morning_rise": max(rises),
            "test_task_pain": test,
            "stage_gate_pain": t.stage_gate_pain,
            **t.used("min_weeks_in_phase", "adherent_percent", "window_days"),
        },
        reason=(
            f"After {days_in_phase // 7} weeks in {phase.name} (typically "
            f"{phase.typical_weeks}), adherence over {_span(history.week_start, history.week_end)} "
            f"was {_percent(done, due)} and every day was green (pain at most "
            f"{max(known_pains)}/10, no next-morning flare): ready to consider "
            f"{phase.next_phase_name}; {check}."
        ),
    )


def _test_task_words(phase: PhaseState, t: RuleSettings) -> str:
    """Return what the phase's test task showed, or (none chosen) what to check first."""
    task = f" ({phase.test_task})" if phase.test_task else ""
    if phase.test_task_pain is not None:
        return (
            f"the test task{task} was last rated {phase.test_task_pain}/10 "
            f"(the gate is below {t.stage_gate_pain}/10)"
        )
    return f"check the test task is below {t.stage_gate_pain}/10 first"


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


def _and(words: Iterable[str]) -> str:
    """Return "a", "a and b", "a, b and c"."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _on_days(days: Iterable[date]) -> str:
    days = sorted(set(days))
    if len(days) == 1:
        return f"on {_day(days[0])}"
    if len(days) == 2:
        return f"on {_day(days[0])} and {_day(days[1])}"
    return f"on {len(days)} days between {_day(days[0])} and {_day(days[-1])}"
