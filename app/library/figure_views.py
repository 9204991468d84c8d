"""The exercise figure on the pages: a template global that draws an exercise's figure."""

from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.figures import FigureMarkup, figure_markup
from app.library import bp


def dose_kind(dose: object) -> str:
    """Return how a dose paces the figure: hold, timed or reps."""
    if getattr(dose, "hold_seconds", None):
        return "hold"
    if getattr(dose, "duration_seconds", None):
        return "timed"
    return "reps"


@bp.app_template_global()
def exercise_figure(
    figure: Mapping[str, Any] | None, steps: Sequence[str], dose: object, side: str = "both"
) -> FigureMarkup | None:
    """Return the figure's markup, or None for an exercise without one (clinic-made)."""
    if not figure:
        return None
    return figure_markup(figure, list(steps or ()), dose_kind(dose), side)
