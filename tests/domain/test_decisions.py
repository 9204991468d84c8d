"""One decision per clinical event: the rules' line advice grouped (app.domain.suggestions)."""

from dataclasses import replace

import pytest

from app.domain.suggestions import (
    PROGRESS_SEVERAL,
    REGRESS_PAIN_ABOVE_5,
    Action,
    Kind,
    LineChange,
    PlanContext,
    Proposal,
    decision_key,
    decisions,
    decline_key,
    suggest,
)
from tests.domain.test_suggestions import (
    BRIDGE,
    CLAM,
    DEFAULT,
    GOOD_WEEK,
    THRUST,
    TODAY,
    ago,
    changed,
    day,
)

LINES = [CLAM, BRIDGE, THRUST]


def decide(records, lines=LINES, declined=()):  # type: ignore[no-untyped-def]
    ctx = PlanContext(today=TODAY, plan_changed_on=ago(60), settings=DEFAULT, lines=lines)
    return decisions(suggest(records, ctx), lines, declined)


@pytest.mark.parametrize(
    ("situation", "records", "kinds", "lines_per_decision"),
    [
        # A red session with no exercise named regresses every line: one decision for all.
        ("red session, no exercise named", changed(GOOD_WEEK, 1, during=7), ["regress"], [3]),
        # Red pain tied to two exercises on one day: one decision for both.
        (
            "red pain on two named exercises",
            [*GOOD_WEEK, day(0, during=2, ex={1: 7, 2: 6}, morning=None)],
            ["regress"],  # and no other line progresses beside a red day (clinical.md s. 8)
            [2],
        ),
        # A steady green week progresses every line: one decision for the review window.
        ("steady green week", GOOD_WEEK, ["progress"], [3]),
    ],
)
def test_one_clinical_event_gives_one_decision(situation, records, kinds, lines_per_decision):
    found = decide(records)
    assert [d.kind for d in found] == kinds, situation
    assert [len(d.changes) for d in found] == lines_per_decision, situation


def test_a_red_day_decision_lists_each_line_with_its_change_and_reason():
    [decision] = decide(changed(GOOD_WEEK, 1, during=7))
    assert (decision.kind, decision.rule, decision.line_id) == (
        Kind.REGRESS,
        REGRESS_PAIN_ABOVE_5,
        None,
    )
    by_line = {c.line_id: c for c in decision.changes}
    assert by_line[1].proposal == Proposal(Action.SWAP, 301, "Clamshell")
    assert by_line[2].proposal is not None and by_line[2].proposal.action == Action.DOSE
    assert "going back to Clamshell" in by_line[1].reason  # each line keeps its own why
    # The evidence is said once, then what the decision covers.
    assert decision.reason.startswith("Pain during exercise reached 7/10")
    assert "step back 3 exercises" in decision.reason
    assert decision.numbers["lines"] == 3 and decision.numbers["max_pain"] == 7


def test_progress_lines_under_different_rules_share_one_decision():
    [decision] = decide(GOOD_WEEK)
    assert decision.rule == PROGRESS_SEVERAL  # swaps for two, more load where THRUST's chain ends
    assert {c.rule for c in decision.changes} == {
        "progress_steady_green",
        "progress_chain_end_dose",
    }


def test_one_line_decision_keeps_the_lines_own_sentence_and_key():
    [decision] = decide([*GOOD_WEEK, day(0, during=2, ex={2: 7}, morning=None)])
    [change] = decision.changes
    assert decision.reason == change.reason and decision.line_id == 2
    assert (
        decision_key(decision) == f"regress:{REGRESS_PAIN_ABOVE_5}:2:{change.key.split(':', 2)[2]}"
    )


def test_lines_the_physio_declined_are_not_proposed_again_on_the_same_evidence():
    [first] = decide(changed(GOOD_WEEK, 1, during=7))
    declined = {decline_key(c.key, c.reason) for c in first.changes if c.line_id == 2}
    [again] = decide(changed(GOOD_WEEK, 1, during=7), declined=declined)
    assert [c.line_id for c in again.changes] == [1, 3]
    # A new red day is new evidence: the line is proposed again.
    [later] = decide([*changed(GOOD_WEEK, 1, during=7), day(0, during=8)], declined=declined)
    assert [c.line_id for c in later.changes] == [1, 2, 3]


def test_a_change_made_on_the_red_day_answers_it():
    # The physio changed Bridge on the red day: that pain regresses Bridge no further.
    bridge = replace(BRIDGE, changed_on=ago(1), dose_since=ago(1))
    [decision] = decide(changed(GOOD_WEEK, 1, during=7), lines=[CLAM, bridge, THRUST])
    assert [c.line_id for c in decision.changes] == [1, 3]
    # A new red day after the change counts again.
    later = replace(bridge, changed_on=ago(2), dose_since=ago(2))
    [decision] = decide(changed(GOOD_WEEK, 1, during=7), lines=[CLAM, later, THRUST])
    assert [c.line_id for c in decision.changes] == [1, 2, 3]


@pytest.mark.parametrize(
    "change",
    [
        LineChange(1, "Bridge", "regress_pain_above_5", "Why.", None),
        LineChange(
            2, "Clam", "progress_steady_green", "Why.", Proposal(Action.SWAP, 9, "Side plank")
        ),
        LineChange(
            3, "Squat", "progress_chain_end_dose", "Why.", Proposal(Action.DOSE, dose=THRUST.dose)
        ),
    ],
)
def test_a_line_change_reads_back_as_stored(change):
    assert LineChange.from_dict(change.to_dict()) == change


@pytest.mark.parametrize(
    ("stored", "words"),
    [
        ([], "must be a mapping"),
        (
            {"line_id": "1", "exercise_name": "x", "rule": "r", "reason": "y", "change": None},
            "whole number",
        ),
        (
            {"line_id": 1, "exercise_name": None, "rule": "r", "reason": "y", "change": None},
            "exercise name",
        ),
        (
            {
                "line_id": 1,
                "exercise_name": "x",
                "rule": "r",
                "reason": "y",
                "change": None,
                "extra": 1,
            },
            "no extra",
        ),
        (
            {
                "line_id": 1,
                "exercise_name": "x",
                "rule": "r",
                "reason": "y",
                "change": {"action": "x"},
            },
            "Unknown",
        ),
    ],
)
def test_a_bad_stored_line_is_refused_with_a_clear_error(stored, words):
    from app.domain.suggestions import InvalidProposal

    with pytest.raises(InvalidProposal, match=words):
        LineChange.from_dict(stored)


def test_days_used_above_are_what_the_rules_see():
    assert day(1).day == ago(1)


@pytest.mark.parametrize(
    "records",
    [GOOD_WEEK, changed(GOOD_WEEK, 1, during=7), changed(GOOD_WEEK, 1, during=4)],
)
def test_every_line_reason_says_its_evidence_then_its_advice(records):
    # A decision states the evidence once and each line's advice: that needs "<evidence>: <advice>".
    for decision in decide(records):
        for change in decision.changes:
            assert change.evidence and change.advice and ": " in change.reason
