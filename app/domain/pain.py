"""Pain on the 0-10 NPRS scale and the traffic-light zones that say what to do about it."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum

PAIN_MIN = 0
PAIN_MAX = 10


@dataclass(frozen=True)
class PainThresholds:
    """Where the zones start; per-programme settings a physio can change (clinical.md s. 2)."""

    green_max_during: int = 3  # during-exercise pain up to this is green
    amber_max_during: int = 5  # up to this is amber; above it is red
    amber_morning_rise: int = 1  # next morning this many points above usual is amber
    red_morning_rise: int = 2  # this many points above usual is red
    # Smallest change in pain that matters (Farrar 2001: about 2 points or 30%). The points
    # are what the "worse than two weeks earlier" review and the chart band use (clinical.md
    # s. 2 and 4); the 30% is only reported alongside, because at the low pain levels allowed
    # during exercise 30% is less than one point on a whole-number scale.
    mcid: int = 2
    # Return to running: a walk-run level counts as done well at this pain or less (s. 6).
    walk_run_max_pain: int = 2

    def errors(self) -> dict[str, str]:
        """Return setting -> what is wrong with it; empty when all are fine."""
        problems = {
            f.name: f"Must be a whole number from {PAIN_MIN} to {PAIN_MAX}."
            for f in fields(PainThresholds)  # not a subclass's other settings (RuleSettings)
            if not _is_pain(getattr(self, f.name))
        }
        if problems:
            return problems
        # A rise or change of 0 would mark every day as worse.
        for name in ("amber_morning_rise", "red_morning_rise", "mcid"):
            if getattr(self, name) < 1:
                problems[name] = "Must be at least 1."
        if self.green_max_during > self.amber_max_during:
            problems.setdefault(
                "green_max_during", "The green limit must not be above the amber limit."
            )
        if self.amber_morning_rise > self.red_morning_rise:
            problems.setdefault(
                "amber_morning_rise",
                "The amber morning rise must not be above the red morning rise.",
            )
        return problems


class Zone(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# Short, kind, second person: the patient reads these right after reporting pain.
ZONE_ADVICE: dict[Zone, str] = {
    Zone.GREEN: "Carry on as planned. This level of pain is fine.",
    Zone.AMBER: "Keep the same dose for now and don't add more yet.",
    Zone.RED: "Do less today. Your physio will be told so they can adjust your plan.",
}

_SEVERITY = {Zone.GREEN: 0, Zone.AMBER: 1, Zone.RED: 2}


def worst_zone(zones: Iterable[Zone | None]) -> Zone | None:
    """Return the most serious of the zones, ignoring unknowns; None when none is known."""
    known = [zone for zone in zones if zone is not None]
    return max(known, key=_SEVERITY.__getitem__, default=None)


def zone_for_during(pain: int | None, thresholds: PainThresholds) -> Zone | None:
    """Return the zone for pain felt during exercise."""
    if pain is None:
        return None
    if pain <= thresholds.green_max_during:
        return Zone.GREEN
    if pain <= thresholds.amber_max_during:
        return Zone.AMBER
    return Zone.RED


def zone_for_morning(
    morning: int | None, usual: int | None, thresholds: PainThresholds
) -> Zone | None:
    """Return the zone for next-morning pain compared with the patient's usual level.

    Unknown (None) without both: with no usual level recorded there is no baseline to be
    "up by 1" from, and inventing one (0, or the first morning) would call normal days worse.
    """
    if morning is None or usual is None:
        return None
    rise = morning - usual
    if rise >= thresholds.red_morning_rise:
        return Zone.RED
    if rise >= thresholds.amber_morning_rise:
        return Zone.AMBER
    return Zone.GREEN


def zone_for_day(
    during: int | None,
    morning: int | None,
    usual: int | None,
    thresholds: PainThresholds,
    settled_in_24h: bool | None = None,
) -> Zone | None:
    """Return the worst zone of what is known about a day so far; None when nothing is known.

    A day with only during-pain reported gets that zone: the next morning may not be in yet.
    Exercise pain counts as during-pain: zone_of_day takes the higher of the two.
    """
    # The 24-hour response: settled means back to baseline (green), not settled is red.
    settled = None if settled_in_24h is None else (Zone.GREEN if settled_in_24h else Zone.RED)
    return worst_zone(
        (
            zone_for_during(during, thresholds),
            zone_for_morning(morning, usual, thresholds),
            settled,
        )
    )


def highest_pain(pains: Iterable[int | None]) -> int | None:
    """Return the highest of the pains given, ignoring unknowns; None when none is known."""
    return max((pain for pain in pains if pain is not None), default=None)


def zone_of_day(
    session_pain: int | None,
    exercise_pains: Iterable[int | None],
    morning_pain: int | None,
    usual_pain: int | None,
    thresholds: PainThresholds,
    settled_in_24h: bool | None = None,
) -> Zone | None:
    """Return a day's zone from the session check-in, each exercise's pain and the morning after.

    Pain on one exercise is pain during exercise too: the highest of it and the session's
    check-in is the day's during-pain, so an exercise above the amber limit makes the day red
    (and flagged) even with no session check-in. usual_pain is the level the morning is
    compared with (the one recorded with the morning answer, if any). settled_in_24h is the
    patient's own answer the morning after (clinical.md s. 8): not settled is red.
    """
    during = highest_pain((session_pain, *exercise_pains))
    return zone_for_day(during, morning_pain, usual_pain, thresholds, settled_in_24h)


def validate_pain(value: object) -> str | None:
    """Return a message when value is not a pain score (0-10, whole); None when it is.

    Accepts ints and strings of digits, as they arrive from JSON and from forms.
    """
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
    if _is_pain(value):
        return None
    return "Pain must be a whole number from 0 to 10."


def _is_pain(value: object) -> bool:
    # bool is a subclass of int, but True is a mistake, not a pain of 1.
    return isinstance(value, int) and not isinstance(value, bool) and PAIN_MIN <= value <= PAIN_MAX
