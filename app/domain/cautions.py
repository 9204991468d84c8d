"""Exercise cautions: which apply to a patient's condition, and which rule an exercise out."""

from collections.abc import Iterable, Mapping
from typing import Any

# For these conditions a caution means "do not use": compressive positions make a gluteal
# tendinopathy worse (clinical.md s. 5; library_files.AVOID_IN_TEMPLATES, kept in step by a
# test). The words are what a suggestion's reason says. For other conditions a caution is
# advice on how to do the exercise (e.g. "keep groin pain at 3/10 or less" on the Copenhagen
# progression), not a ban.
NOT_ADVISED_WORDS: dict[str, str] = {
    "gluteal-tendinopathy": "gluteal tendinopathy (compression)",
}


def caution_texts(cautions: Iterable[Mapping[str, Any]] | None, condition: str | None) -> list[str]:
    """Return the caution texts that apply to a condition; cautions as Exercise.cautions."""
    if not condition:
        return []
    return [
        caution["text"] for caution in cautions or [] if condition in caution.get("conditions", [])
    ]


def not_advised_for(
    cautions: Iterable[Mapping[str, Any]] | None, condition: str | None
) -> str | None:
    """Return why an exercise is not advised for the condition, in words; None when it is fine.

    Only a caution for a condition where cautions mean "do not use" rules the exercise out.
    """
    if condition not in NOT_ADVISED_WORDS or not caution_texts(cautions, condition):
        return None
    return NOT_ADVISED_WORDS[condition]
