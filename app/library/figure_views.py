"""The exercise figure on the pages: a template global that draws an exercise's figure."""

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from app.domain.figures import FigureMarkup, figure_markup
from app.library import bp

# Figures drawn, kept by what they are drawn from: an exercise's figure does not change
# between requests, and drawing one (solving its poses, every in-between frame) cost about
# 70% of a six-exercise day page. 82 shipped figures x sides x dose kinds fit well inside.
FIGURES_KEPT = 1024


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
    # The key is the figure's own content, so an edited library file draws afresh.
    key = json.dumps(figure, sort_keys=True, separators=(",", ":"))
    return _drawn(key, tuple(steps or ()), dose_kind(dose), side)


@bp.app_template_global()
def stored_figure(
    figure_json: str | None, steps: Sequence[str], dose: object, side: str = "both"
) -> FigureMarkup | None:
    """exercise_figure from the figure column's text as stored (the day page reads it so: as
    text it is a key, and is parsed only when first drawn); None for an exercise without one."""
    if figure_json is None:
        return None
    return _drawn(figure_json, tuple(steps or ()), dose_kind(dose), side)


@lru_cache(maxsize=FIGURES_KEPT)
def _drawn(figure_json: str, steps: tuple[str, ...], kind: str, side: str) -> FigureMarkup:
    return figure_markup(json.loads(figure_json), list(steps), kind, side)
