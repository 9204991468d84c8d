"""Why a patient needs the physio's attention (the caseload's reasons), most urgent first."""

from datetime import date, timedelta
from enum import StrEnum

from app.domain.adherence import LOW_ADHERENCE, SILENT_DAYS, is_low_adherence, nothing_logged_for
from app.domain.numbers import percent

RED_DAYS = 3  # a red day within the last 3 days (today included) puts a patient first


class Need(StrEnum):
    """Why a patient needs attention, most urgent first."""

    RED = "red"
    SUGGESTION = "suggestion"
    SILENT = "silent"
    LOW_ADHERENCE = "low_adherence"
    FINE = "fine"


NEED_ORDER = list(Need)
NEED_LABELS = {
    Need.RED: "Red pain or worse next morning",
    Need.SUGGESTION: "Suggestion to review",
    Need.SILENT: f"Nothing logged for {SILENT_DAYS} days",
    Need.LOW_ADHERENCE: f"Adherence under {percent(LOW_ADHERENCE, 1)}% this week",
    Need.FINE: "No action needed",
}
# The same, short, for the caseload table's badges.
NEED_SHORT_LABELS = {
    Need.RED: "Red pain",
    Need.SUGGESTION: "Suggestion",
    Need.SILENT: f"Silent {SILENT_DAYS} days",
    Need.LOW_ADHERENCE: f"Adherence < {percent(LOW_ADHERENCE, 1)}%",
    Need.FINE: "No action needed",
}


def recent_red_from(today: date) -> date:
    """Return the first day a red day still puts the patient first (RED_DAYS, today included)."""
    return today - timedelta(days=RED_DAYS - 1)


def is_recent_red(day: date, today: date) -> bool:
    """Tell whether a red day on day is recent enough, seen from today, to put a patient first."""
    return recent_red_from(today) <= day <= today


def needs_for(
    *,
    today: date,
    red: bool,
    pending_suggestions: int,
    has_programme: bool,
    last_active: date | None,
    week_done: int,
    week_due: int,
) -> list[Need]:
    """Return every reason a patient needs attention, most urgent first (empty: fine).

    red: an open flag or a recent red day. Silence counts only with a programme running:
    without one there is nothing to log.
    """
    needs = []
    if red:
        needs.append(Need.RED)
    if pending_suggestions:
        needs.append(Need.SUGGESTION)
    if has_programme and nothing_logged_for(last_active, today):
        needs.append(Need.SILENT)
    if is_low_adherence(week_done, week_due):
        needs.append(Need.LOW_ADHERENCE)
    return needs
