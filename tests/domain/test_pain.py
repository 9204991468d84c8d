"""Pain zones: the traffic light of clinical.md section 2."""

import pytest

from app.domain.pain import (
    ZONE_ADVICE,
    PainThresholds,
    Zone,
    highest_pain,
    validate_pain,
    worst_zone,
    zone_for_day,
    zone_for_during,
    zone_for_morning,
    zone_of_day,
)

DEFAULT = PainThresholds()
G, A, R = Zone.GREEN, Zone.AMBER, Zone.RED


@pytest.mark.parametrize(
    ("during", "morning", "usual", "settled", "expected"),
    [
        pytest.param(None, None, None, None, None, id="nothing-known"),
        pytest.param(0, None, None, None, G, id="no-pain-during"),
        pytest.param(3, None, None, None, G, id="3-during-is-still-green"),
        pytest.param(4, None, None, None, A, id="4-during-is-amber"),
        pytest.param(5, None, None, None, A, id="5-during-is-amber"),
        pytest.param(6, None, None, None, R, id="6-during-is-red"),
        pytest.param(10, None, None, None, R, id="10-during-is-red"),
        pytest.param(None, 2, 2, None, G, id="morning-back-to-usual"),
        pytest.param(None, 1, 3, None, G, id="morning-better-than-usual"),
        pytest.param(None, 3, 2, None, A, id="morning-up-1-is-amber"),
        pytest.param(None, 4, 2, None, R, id="morning-up-2-is-red"),
        pytest.param(None, 7, 2, None, R, id="morning-up-5-is-red"),
        pytest.param(None, 5, None, None, None, id="morning-without-usual-is-unknown"),
        pytest.param(2, 9, None, None, G, id="no-usual-judges-the-session-alone"),
        pytest.param(None, 0, 0, None, G, id="pain-free-morning-with-usual-0-is-green"),
        pytest.param(None, 1, 0, None, A, id="morning-1-with-usual-0-is-amber"),
        pytest.param(2, 4, 2, None, R, id="green-session-red-morning-is-red"),
        pytest.param(5, 2, 2, None, A, id="amber-session-settled-morning-is-amber"),
        pytest.param(6, 2, 2, None, R, id="red-session-beats-settled-morning"),
        pytest.param(3, 3, 2, None, A, id="green-session-amber-morning-is-amber"),
        pytest.param(2, None, None, False, R, id="not-settled-in-24h-is-red"),
        pytest.param(2, None, None, True, G, id="settled-in-24h-stays-green"),
        pytest.param(None, None, None, True, G, id="settled-alone-is-green"),
        pytest.param(5, None, None, True, A, id="settled-does-not-hide-amber-session"),
    ],
)
def test_zone_for_day_is_the_worst_known_colour(during, morning, usual, settled, expected):
    assert zone_for_day(during, morning, usual, DEFAULT, settled_in_24h=settled) == expected


@pytest.mark.parametrize(
    ("during", "exercise", "morning", "expected"),
    [
        pytest.param(2, None, None, G, id="no-exercise-pain-is-the-session-alone"),
        pytest.param(None, 4, None, A, id="exercise-pain-alone-is-during-pain"),
        pytest.param(None, 6, None, R, id="an-exercise-above-amber-is-red-without-a-session"),
        pytest.param(3, 4, None, A, id="the-higher-of-session-and-exercise-counts"),
        pytest.param(6, 2, None, R, id="a-lower-exercise-does-not-soften-the-session"),
        pytest.param(2, 3, 4, R, id="the-morning-still-counts"),
        pytest.param(None, None, None, None, id="nothing-known"),
    ],
)
def test_exercise_pain_is_pain_during_exercise(during, exercise, morning, expected):
    assert zone_of_day(during, [exercise], morning, 2, DEFAULT) == expected


@pytest.mark.parametrize(
    ("thresholds", "during", "expected"),
    [
        pytest.param(PainThresholds(green_max_during=2), 3, A, id="green-max-2-makes-3-amber"),
        pytest.param(PainThresholds(amber_max_during=4), 5, R, id="amber-max-4-makes-5-red"),
        pytest.param(PainThresholds(green_max_during=5), 5, G, id="no-amber-band"),
    ],
)
def test_zone_for_during_follows_the_programme_thresholds(thresholds, during, expected):
    assert zone_for_during(during, thresholds) == expected


@pytest.mark.parametrize(
    ("thresholds", "morning", "usual", "expected"),
    [
        pytest.param(
            PainThresholds(amber_morning_rise=2, red_morning_rise=3), 3, 2, G, id="rise-1"
        ),
        pytest.param(
            PainThresholds(amber_morning_rise=2, red_morning_rise=3), 4, 2, A, id="rise-2"
        ),
        pytest.param(
            PainThresholds(amber_morning_rise=2, red_morning_rise=3), 5, 2, R, id="rise-3"
        ),
    ],
)
def test_zone_for_morning_follows_the_programme_thresholds(thresholds, morning, usual, expected):
    assert zone_for_morning(morning, usual, thresholds) == expected


def test_worst_zone_ignores_unknowns():
    assert worst_zone([None, G, R, A]) == R
    assert worst_zone([None, None]) is None


def test_every_zone_has_short_second_person_advice():
    assert set(ZONE_ADVICE) == set(Zone)
    for advice in ZONE_ADVICE.values():
        assert len(advice) < 80
    assert "physio" in ZONE_ADVICE[Zone.RED]


def test_default_thresholds_are_the_clinical_defaults():
    # clinical.md s. 2 (zones, MCID 2 points) and s. 6 (walk-run levels at pain <= 2/10).
    assert (
        DEFAULT.green_max_during,
        DEFAULT.amber_max_during,
        DEFAULT.amber_morning_rise,
        DEFAULT.red_morning_rise,
        DEFAULT.mcid,
        DEFAULT.walk_run_max_pain,
    ) == (3, 5, 1, 2, 2, 2)


def test_default_thresholds_are_valid():
    assert DEFAULT.errors() == {}


@pytest.mark.parametrize(
    ("changes", "field", "message_part"),
    [
        pytest.param({"green_max_during": -1}, "green_max_during", "0 to 10", id="negative"),
        pytest.param({"amber_max_during": 11}, "amber_max_during", "0 to 10", id="above-10"),
        pytest.param({"mcid": 2.5}, "mcid", "whole number", id="not-whole"),
        pytest.param({"red_morning_rise": True}, "red_morning_rise", "whole number", id="bool"),
        pytest.param(
            {"green_max_during": 6}, "green_max_during", "green limit", id="green-above-amber"
        ),
        pytest.param(
            {"amber_morning_rise": 3},
            "amber_morning_rise",
            "amber morning rise",
            id="amber-rise-above-red",
        ),
        pytest.param({"amber_morning_rise": 0}, "amber_morning_rise", "at least 1", id="rise-0"),
        pytest.param({"mcid": 0}, "mcid", "at least 1", id="mcid-of-zero"),
        pytest.param(
            {"walk_run_max_pain": 11}, "walk_run_max_pain", "0 to 10", id="walk-run-above-10"
        ),
    ],
)
def test_nonsense_thresholds_are_explained_by_setting(changes, field, message_part):
    errors = PainThresholds(**changes).errors()
    assert list(errors) == [field]
    assert message_part in errors[field]


@pytest.mark.parametrize("value", [0, 5, 10, "7", " 3 "])
def test_validate_pain_accepts_whole_numbers_0_to_10(value):
    assert validate_pain(value) is None


@pytest.mark.parametrize("value", [-1, 11, 2.5, "", "x", "11", None, True, "٣"])
def test_validate_pain_refuses_anything_else(value):
    assert validate_pain(value) == "Pain must be a whole number from 0 to 10."


@pytest.mark.parametrize(
    ("session", "exercises", "morning", "usual", "zone"),
    [
        (None, (), None, None, None),
        (2, (), None, None, Zone.GREEN),
        (None, (6,), None, None, Zone.RED),  # one painful exercise makes the day red
        (2, (None, 4), None, None, Zone.AMBER),  # the higher of the two is the day's
        (5, (1,), None, 2, Zone.AMBER),
        (1, (), 4, 2, Zone.RED),  # next morning up by 2
        (1, (), 3, None, Zone.GREEN),  # no usual level: the morning is not judged
    ],
)
def test_the_zone_of_a_day_counts_session_and_exercise_pain(
    session, exercises, morning, usual, zone
):  # type: ignore[no-untyped-def]
    assert zone_of_day(session, exercises, morning, usual, PainThresholds()) == zone


def test_highest_pain_ignores_unknowns():
    assert highest_pain([None, 3, 1]) == 3
    assert highest_pain([None]) is None


@pytest.mark.parametrize(
    ("session", "morning", "settled", "zone"),
    [
        pytest.param(2, 2, False, Zone.RED, id="green-session-not-settled-in-24h-is-red"),
        pytest.param(2, 2, True, Zone.GREEN, id="green-session-settled-stays-green"),
        pytest.param(4, 2, True, Zone.AMBER, id="settled-does-not-hide-an-amber-session"),
        pytest.param(2, 3, None, Zone.AMBER, id="no-answer-leaves-the-morning-pain-to-decide"),
    ],
)
def test_a_days_zone_uses_the_24_hour_answer(session, morning, settled, zone):
    assert zone_of_day(session, [], morning, 2, PainThresholds(), settled) == zone
