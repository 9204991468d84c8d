"""Cautions for the patient's condition: shown by the exercise, and never proposed as a swap."""

from datetime import date, timedelta

import pytest

from app.domain.cautions import caution_strength, caution_texts, not_advised_for, take_care_for
from app.domain.dose import Dose
from app.domain.library_files import stored_cautions
from app.domain.rule_settings import RuleSettings
from app.domain.suggestions import Action, DayRecord, LineState, PlanContext, suggest

COMPRESSION = {
    "text": "Lying on the sore side presses on the tendon.",
    "conditions": ["gluteal-tendinopathy"],
}
GROIN_ADVICE = {"text": "Keep groin pain at 3/10 or less.", "conditions": ["adductor-groin-pain"]}
TODAY = date(2024, 11, 25)
COMPRESSION_WORDS = "gluteal tendinopathy (compression)"


def test_caution_texts_apply_only_to_the_named_condition():
    assert caution_texts([COMPRESSION], "gluteal-tendinopathy") == [COMPRESSION["text"]]
    assert caution_texts([COMPRESSION], "fai") == []
    assert caution_texts([COMPRESSION], None) == []
    assert caution_texts(None, "gluteal-tendinopathy") == []


def test_only_a_caution_for_a_do_not_use_condition_rules_the_exercise_out():
    assert not_advised_for([COMPRESSION], "gluteal-tendinopathy") == COMPRESSION_WORDS
    assert not_advised_for([COMPRESSION], "fai") is None
    assert not_advised_for([], "gluteal-tendinopathy") is None
    # For groin pain a caution is advice on how to do the exercise, not a ban.
    assert not_advised_for([GROIN_ADVICE], "adductor-groin-pain") is None


PREGNANCY_SKIP = {"text": "Skip front planks in later pregnancy.", "conditions": ["pregnancy"]}


@pytest.mark.parametrize(
    ("cautions", "condition", "strength"),
    [
        pytest.param(
            [{**PREGNANCY_SKIP, "avoid": ["pregnancy"]}], "pregnancy", "avoid", id="avoid"
        ),
        pytest.param(
            [{**GROIN_ADVICE, "avoid": []}], "adductor-groin-pain", "take-care", id="care"
        ),
        pytest.param([{**GROIN_ADVICE, "avoid": []}], "fai", None, id="not-named"),
        pytest.param([COMPRESSION], "gluteal-tendinopathy", "avoid", id="legacy-compression"),
        pytest.param([PREGNANCY_SKIP], "pregnancy", "take-care", id="legacy-other-is-care"),
        pytest.param(
            [{**COMPRESSION, "avoid": []}], "gluteal-tendinopathy", "take-care", id="file-says-care"
        ),
    ],
)
def test_a_caution_is_avoid_or_take_care_for_its_condition(cautions, condition, strength):
    assert caution_strength(cautions, condition) == strength


def test_avoid_is_not_advised_and_take_care_is_proposed_with_words():
    avoid = [{**PREGNANCY_SKIP, "avoid": ["pregnancy"]}]
    care = [{**GROIN_ADVICE, "avoid": []}]
    assert (not_advised_for(avoid, "pregnancy"), take_care_for(avoid, "pregnancy")) == (
        "pregnancy",
        None,
    )
    assert (
        not_advised_for(care, "adductor-groin-pain"),
        take_care_for(care, "adductor-groin-pain"),
    ) == (
        None,
        "adductor-related groin pain",
    )


def test_a_library_file_stores_each_cautions_avoided_conditions():
    exercise = {
        "cautions": [{"text": "Mind the groin.", "conditions": ["fai", "pregnancy"]}],
        "caution_strength": {"fai": "take-care", "pregnancy": "avoid"},
    }
    assert stored_cautions(exercise) == [
        {"text": "Mind the groin.", "conditions": ["fai", "pregnancy"], "avoid": ["pregnancy"]}
    ]


def _line(**changes):
    values = {
        "line_id": 1,
        "exercise_id": 101,
        "exercise_name": "Lying hip push-out hold",
        "next_exercise_id": 201,
        "next_exercise_name": "Side-lying leg lift",
        "previous_exercise_id": None,
        "previous_exercise_name": None,
        "dose": Dose(sets=5, hold_seconds=30),
        "dose_since": TODAY - timedelta(days=60),
        "next_not_advised": COMPRESSION_WORDS,
    }
    return LineState(**(values | changes))


def _week(during=2, **changes):
    return [
        DayRecord(
            day=TODAY - timedelta(days=n),
            due_units=1,
            done_units=1,
            during=during,
            morning=2,
            usual=2,
            logged=True,
            line_units={1: (1, 1)},
            **changes,
        )
        for n in range(7, 0, -1)
    ]


def _context(line):
    long_ago = TODAY - timedelta(days=60)
    return PlanContext(TODAY, long_ago, RuleSettings(), (line,))


def test_a_next_exercise_not_advised_ends_the_chain_so_the_dose_goes_up():
    [suggestion] = suggest(_week(), _context(_line()))
    assert suggestion.rule == "progress_chain_end_dose"
    assert suggestion.proposal.action == Action.DOSE
    assert suggestion.proposal.dose.hold_seconds == 35
    assert (
        "the next exercise, Side-lying leg lift, is not advised for gluteal tendinopathy "
        "(compression), so suggest 5 holds of 35 s instead of 5 holds of 30 s" in suggestion.reason
    )


def test_a_next_exercise_that_is_fine_is_still_proposed():
    [suggestion] = suggest(_week(), _context(_line(next_not_advised=None)))
    assert suggestion.proposal.action == Action.SWAP
    assert suggestion.proposal.to_exercise_name == "Side-lying leg lift"


def test_a_previous_exercise_not_advised_means_less_dose_instead():
    line = _line(
        next_exercise_id=None,
        next_exercise_name=None,
        next_not_advised=None,
        previous_exercise_id=301,
        previous_exercise_name="Side-lying leg lift",
        previous_not_advised=COMPRESSION_WORDS,
    )
    [suggestion] = suggest(_week(during=7), _context(line))
    assert suggestion.rule == "regress_pain_above_5"
    assert suggestion.proposal.action == Action.DOSE
    assert suggestion.proposal.dose.hold_seconds == 20  # 25% less, in whole 5 s
    assert (
        "the previous exercise, Side-lying leg lift, is not advised for gluteal tendinopathy "
        "(compression), so suggest 25% less Lying hip push-out hold, holds in whole 5 s"
        in suggestion.reason
    )
