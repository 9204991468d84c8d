"""Outcome questionnaires: scoring worked examples, the missing-item rules and change vs MCID."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from app.domain import outcomes as rules
from app.domain.errors import Refused

FOLDER = Path(__file__).resolve().parents[2] / "exercise_library" / "outcomes"


def _load(slug: str) -> dict:
    return yaml.safe_load((FOLDER / f"{slug}.yaml").read_text(encoding="utf-8"))


def tool(slug: str) -> rules.Instrument:
    return rules.instrument_from(_load(slug))


def hagos(**by_subscale: list[int | None]) -> list[int | None]:
    """37 HAGOS answers, 0 everywhere except the subscales given."""
    instrument = tool("hagos")
    answers: list[int | None] = []
    for sub in instrument.subscales:
        answers.extend(by_subscale.get(sub.key, [0] * len(sub.items)))
    return answers


@pytest.mark.parametrize("slug", rules.INSTRUMENTS)
def test_every_shipped_instrument_file_is_valid(slug):
    assert rules.check_instrument(f"{slug}.yaml", _load(slug)) == []


def test_shipped_files_have_the_published_structure():
    assert len(tool("lefs").items) == 20
    assert len(tool("ihot12").items) == 12
    assert [len(s.items) for s in tool("hagos").subscales] == [7, 10, 5, 8, 2, 5]
    assert tool("psfs").activities == (3, 5)


@pytest.mark.parametrize(
    ("slug", "answers", "expected"),
    [
        # LEFS: the sum of 20 items 0-4; up to 4 missing are prorated.
        ("lefs", [4] * 20, {"total": 80}),
        ("lefs", [0] * 20, {"total": 0}),
        ("lefs", [3] * 10 + [2] * 10, {"total": 50}),
        ("lefs", [3] * 16 + [None] * 4, {"total": 60}),  # 48 x 20 / 16
        ("lefs", [1, 2, 3, None] + [2] * 16, {"total": 40}),  # 38 x 20 / 19 = 40
        # iHOT-12: the mean of 12 items 0-100; up to 2 missing.
        ("ihot12", [100] * 12, {"total": 100}),
        ("ihot12", [0] * 12, {"total": 0}),
        ("ihot12", [50, 60, 70, 80, 90, 100, 50, 60, 70, 80, None, None], {"total": 71}),
        ("ihot12", [33] * 11 + [34], {"total": 33.1}),
        # PSFS: the mean of the 3-5 activity scores.
        ("psfs", [3, 5, 7], {"total": 5}),
        ("psfs", [0, 0, 0], {"total": 0}),
        ("psfs", [10] * 5, {"total": 10}),
        ("psfs", [3, 4, 4], {"total": 3.7}),
    ],
)
def test_scores_match_the_worked_examples(slug, answers, expected):
    instrument = tool(slug)
    names = [f"Activity {n}" for n in range(1, len(answers) + 1)] if slug == "psfs" else None
    assert rules.score_from_json(instrument, answers, names).as_json() == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            hagos(),
            {
                "symptoms": 100,
                "pain": 100,
                "adl": 100,
                "sport": 100,
                "participation": 100,
                "qol": 100,
            },
        ),
        ([4] * 37, {"symptoms": 0, "pain": 0, "adl": 0, "sport": 0, "participation": 0, "qol": 0}),
        (
            [1] * 37,
            {"symptoms": 75, "pain": 75, "adl": 75, "sport": 75, "participation": 75, "qol": 75},
        ),
        # Pain with half its items answered (5 of 10) is scored from those: mean 2 -> 50.
        (hagos(pain=[2] * 5 + [None] * 5), {"pain": 50}),
        # Four of ten is under half: no pain score, the others still given.
        (hagos(pain=[2] * 4 + [None] * 6), {"pain": None, "symptoms": 100}),
        # Participation: one of its two items is half.
        (hagos(participation=[3, None]), {"participation": 25}),
        (hagos(symptoms=[0, 1, 2, 3, 4, 0, 1]), {"symptoms": 60.7}),  # mean 11/7 -> 60.71
    ],
)
def test_hagos_subscales_follow_the_half_answered_rule(answers, expected):
    scored = rules.score_from_json(tool("hagos"), answers).as_json()["subscales"]
    assert {key: scored[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("slug", "answers", "activities", "field", "words"),
    [
        ("lefs", [4] * 15 + [None] * 5, None, "answers.16", "at most 4 items may be left out"),
        ("lefs", [4] * 19 + [5], None, "answers.20", "5 is outside 0-4"),
        ("lefs", [4] * 19, None, "answers", "Give 20 answers"),
        ("lefs", [4] * 19 + ["a lot"], None, "answers.20", "must be a whole number"),
        ("lefs", [4] * 19 + [True], None, "answers.20", "must be a whole number"),
        ("lefs", [4] * 19 + ["²"], None, "answers.20", "must be a whole number"),
        ("lefs", "4,4,4", None, "answers", "must be a list"),
        ("ihot12", [50] * 9 + [None] * 3, None, "answers.10", "at most 2 items"),
        ("ihot12", [50] * 11 + [101], None, "answers.12", "101 is outside 0-100"),
        ("ihot12", [50] * 11 + [-1], None, "answers.12", "-1 is outside 0-100"),
        ("psfs", [3, None, 7], ["Run", "Squat", "Stairs"], "answers.2", "every item needs"),
        ("psfs", [3, 11, 7], ["Run", "Squat", "Stairs"], "answers.2", "(Squat): 11 is outside"),
        ("psfs", [3, 7], ["Run", "Squat"], "activities", "Name 3 to 5"),
        ("psfs", [3] * 6, ["a", "b", "c", "d", "e", "f"], "activities", "Name 3 to 5"),
        ("psfs", [3, 4, 5], ["Run", " ", "Stairs"], "activities.2", "give it a name"),
        ("hagos", [None] * 37, None, "answers", "no part can be scored"),
    ],
)
def test_an_answer_set_that_cannot_be_scored_is_refused_naming_the_item(
    slug, answers, activities, field, words
):
    with pytest.raises(Refused) as refused:
        rules.score_from_json(tool(slug), answers, activities)
    assert list(refused.value.errors) == [field]
    assert words in refused.value.errors[field]


@pytest.mark.parametrize(
    ("slug", "before", "after", "delta", "matters"),
    [
        ("lefs", 40, 52, 12, True),  # LEFS: 9 points matter
        ("lefs", 40, 49, 9, True),
        ("lefs", 40, 46, 6, False),
        ("lefs", 60, 50, -10, True),  # worse by more than 9
        ("ihot12", 40, 53, 13, True),  # iHOT-12: 13
        ("ihot12", 40, 52, 12, False),
        ("psfs", 3, 5, 2, True),  # PSFS: 2 on the mean
        ("psfs", 3, 4.7, 1.7, False),
    ],
)
def test_change_since_baseline_is_judged_against_the_smallest_change_that_matters(
    slug, before, after, delta, matters
):
    [change, *_] = rules.changes(tool(slug), rules.Score(total=before), rules.Score(total=after))
    assert change.delta == delta
    assert change.matters is matters


def test_psfs_judges_each_activity_against_three_points():
    psfs = tool("psfs")
    found = rules.changes(
        psfs,
        rules.Score(total=3),
        rules.Score(total=5),
        [2, 3, 4],
        [5, 5, 5],
        ["Run", "Squat", "Stairs"],
    )
    by_label = {c.label: (c.delta, c.matters) for c in found}
    assert by_label == {
        "Mean": (2, True),
        "Run": (3, True),
        "Squat": (2, False),
        "Stairs": (1, False),
    }


def test_hagos_change_is_per_subscale_with_its_own_threshold():
    instrument = tool("hagos")
    before = rules.score(instrument, hagos(pain=[2] * 10))
    after = rules.score(instrument, hagos(pain=[1] * 10))
    pain = next(c for c in rules.changes(instrument, before, after) if c.key == "pain")
    assert (pain.baseline, pain.latest, pain.delta, pain.mcid) == (50, 75, 25, 17.7)
    assert pain.matters
    assert "better" in pain.words()


@pytest.mark.parametrize(
    ("due", "answered", "today", "state"),
    [
        (date(2026, 12, 10), None, date(2026, 12, 2), "upcoming"),
        (date(2026, 12, 2), None, date(2026, 12, 2), "due"),
        (date(2026, 11, 25), None, date(2026, 12, 2), "due"),  # 7 days late: still due
        (date(2026, 11, 24), None, date(2026, 12, 2), "missed"),  # 8 days late: missed
        (date(2026, 11, 1), date(2026, 11, 3), date(2026, 12, 2), "answered"),
    ],
)
def test_a_measure_is_missed_a_week_after_it_fell_due(due, answered, today, state):
    assert rules.measure_state(due, answered, today) == state


def test_a_repeating_measure_is_next_due_n_weeks_after_the_answer():
    assert rules.next_due(date(2026, 12, 2), 4) == date(2026, 12, 30)
    assert rules.next_due(date(2026, 12, 2), None) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["items"].append({"key": "extra", "label": "Extra"}),
            "every item exactly once",
        ),
        (lambda d: d["response_scale"].update({"min": 5}), "min must be below max"),
        (lambda d: d["subscales"][0].update({"items": ["s1"]}), "every item exactly once"),
        (lambda d: d["items"][0].pop("label"), "is missing"),
        (lambda d: d.update({"slug": "koos"}), "is not one of"),
        (lambda d: d["scoring"]["missing"].pop("min_answered_fraction"), "is missing"),
        (lambda d: d["scoring"].update({"method": "sum"}), "does not fit the method sum"),
    ],
)
def test_a_broken_instrument_file_is_reported_by_field(change, message):
    data = _load("hagos")
    change(data)
    errors = rules.check_instrument("hagos.yaml", data)
    assert any(message in error.message for error in errors), errors


def test_licensed_wording_must_keep_the_shipped_structure():
    shipped = _load("lefs")
    wording = _load("lefs")
    for item in wording["items"]:
        item["text"] = f"Licensed text for {item['key']}"
    assert rules.wording_errors("clinic-lefs.yaml", shipped, wording) == []
    wording["items"][0].pop("text")
    wording["scoring"]["range"] = [0, 100]
    fields = {e.field for e in rules.wording_errors("clinic-lefs.yaml", shipped, wording)}
    assert fields == {"items[0].text", "scoring"}


def test_loaded_wording_replaces_the_short_labels():
    wording = {"prompt": "P", "anchors": {"0": "Zero"}, "items": {"work": "Licensed work text"}}
    lefs = rules.instrument_from(_load("lefs"), wording)
    assert lefs.licensed and lefs.items[0].text == "Licensed work text"
    assert lefs.anchors[0] == "Zero" and lefs.prompt == "P"
    assert not tool("lefs").licensed
