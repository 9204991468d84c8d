"""Exercise cautions: which apply to a patient's condition, and how strong each one is.

A caution is either "avoid with this condition" (never proposed: not by a template, a
progression or a swap) or "take care with this condition" (proposed, with the caution shown);
clinical.md s. 8. Stored cautions (Exercise.cautions) carry the conditions they name and,
under "avoid", those of them to avoid (library_files.stored_cautions writes them from the
file's caution_strength).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.library_files import AVOID, CONDITIONS, TAKE_CARE

# A caution stored without "avoid" (a clinic-made exercise, or a library row synced before
# caution strengths existed) keeps the old reading: compression in gluteal tendinopathy is
# to be avoided, any other caution is advice.
LEGACY_AVOID = frozenset({"gluteal-tendinopathy"})
# How a suggestion's reason names a condition, where the plain name says too little.
CONDITION_WORDS: dict[str, str] = {
    "gluteal-tendinopathy": "gluteal tendinopathy (compression)",
}


def caution_texts(cautions: Iterable[Mapping[str, Any]] | None, condition: str | None) -> list[str]:
    """Return the caution texts that apply to a condition; cautions as Exercise.cautions."""
    if not condition:
        return []
    return [
        caution["text"] for caution in cautions or [] if condition in caution.get("conditions", [])
    ]


def caution_strength(
    cautions: Iterable[Mapping[str, Any]] | None, condition: str | None
) -> str | None:
    """Return AVOID or TAKE_CARE for the condition; None when no caution names it."""
    named = [c for c in cautions or [] if condition and condition in c.get("conditions", [])]
    if not named:
        return None
    for caution in named:
        avoided = caution.get("avoid")
        if condition in (LEGACY_AVOID if avoided is None else avoided):
            return AVOID
    return TAKE_CARE


def condition_words(condition: str) -> str:
    """Return the condition as a reason names it: "adductor-related groin pain"."""
    if condition in CONDITION_WORDS:
        return CONDITION_WORDS[condition]
    label = CONDITIONS.get(condition, condition)
    return label[:1].lower() + label[1:]


def not_advised_for(
    cautions: Iterable[Mapping[str, Any]] | None, condition: str | None
) -> str | None:
    """Return why an exercise is not advised for the condition, in words; None when it may be.

    Only an "avoid" caution rules the exercise out.
    """
    if condition and caution_strength(cautions, condition) == AVOID:
        return condition_words(condition)
    return None


def take_care_for(
    cautions: Iterable[Mapping[str, Any]] | None, condition: str | None
) -> str | None:
    """Return the condition in words when the exercise is proposed with care; else None."""
    if condition and caution_strength(cautions, condition) == TAKE_CARE:
        return condition_words(condition)
    return None
