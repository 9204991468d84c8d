"""What the patient reads about pain: the traffic light in plain words, with the plan's numbers."""

from dataclasses import dataclass

from app.domain.pain import PainThresholds


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
