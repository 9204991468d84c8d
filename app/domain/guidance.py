"""What the patient reads about pain: the traffic light in plain words, with the plan's numbers."""

from dataclasses import dataclass
from datetime import date

from app.domain.localtime import format_date
from app.domain.pain import PainThresholds

MORNING_ENDS_AT = 12  # from noon, "this morning" is asked in the past tense


@dataclass(frozen=True)
class Guidance:
    """One zone of the traffic light: its title and the advice in words."""

    zone: str
    title: str
    text: str


def pain_guidance(thresholds: PainThresholds) -> list[Guidance]:
    """Return the traffic-light advice of clinical.md section 2 with this plan's numbers."""
    green, amber = thresholds.green_max_during, thresholds.amber_max_during
    amber_band = f"{green + 1}/10" if green + 1 == amber else f"{green + 1}-{amber}/10"
    amber_rise, red_rise = thresholds.amber_morning_rise, thresholds.red_morning_rise
    points = "point" if amber_rise == 1 else "points"
    result = [
        Guidance(
            "green",
            "Green: carry on",
            f"Pain up to {green}/10 during the exercises is fine, as long as it has settled "
            "by the next morning. Carry on as planned.",
        ),
    ]
    if amber > green:
        amber_text = (
            f"Pain of {amber_band} during the exercises, or next-morning pain "
            f"{amber_rise} {points} above your usual: keep the same dose and don't add more yet."
        )
    else:
        amber_text = (
            f"Next-morning pain {amber_rise} {points} above your usual: keep the same dose "
            "and don't add more yet."
        )
    result.append(Guidance("amber", "Amber: hold", amber_text))
    result.append(
        Guidance(
            "red",
            "Red: ease off",
            f"Pain above {amber}/10 during the exercises, next-morning pain {red_rise} or more "
            "points above your usual, or pain that has not settled within 24 hours: do less and "
            "your physio will be told.",
        )
    )
    return result


@dataclass(frozen=True)
class MorningWords:
    """The next-morning questions, worded for when they are asked."""

    heading: str  # the pain question
    scale: str  # the 0-10 scale's label
    settled: str  # the 24-hour question
    about: str  # which exercise day it is about


def morning_words(session_day: date, asked_on: date, today: date, hour: int) -> MorningWords:
    """Return the morning-after questions for the time they are asked.

    On the morning itself: "this morning" in the present; later that day in the past; on a
    day filled in afterwards (asked_on before today), "that morning" and "that day".
    """
    day = format_date(session_day)
    if asked_on < today:
        return MorningWords(
            heading="How was your pain that morning compared with usual?",
            scale="Pain that morning, from 0 (none) to 10 (worst imaginable)",
            settled=f"By that morning, had the pain from exercising on {day} settled "
            "back to your usual level (within 24 hours)?",
            about=f"This is about your exercise day, {day}, as it was the morning after.",
        )
    if hour >= MORNING_ENDS_AT:
        return MorningWords(
            heading="How was your pain this morning compared with usual?",
            scale="Pain this morning, from 0 (none) to 10 (worst imaginable)",
            settled=f"By this morning, had the pain from exercising on {day} settled back to "
            "your usual level (within 24 hours)?",
            about=f"This is about your exercise day, {day}.",
        )
    return MorningWords(
        heading="How is your pain this morning compared with usual?",
        scale="Pain this morning, from 0 (none) to 10 (worst imaginable)",
        settled=f"Has the pain from exercising on {day} settled back to your usual level "
        "(within 24 hours)?",
        about=f"This is about your exercise day, {day}.",
    )
