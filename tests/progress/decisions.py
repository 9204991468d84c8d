"""Reading stored decisions in tests: the change proposed for one line."""

from app.models import Suggestion


def change_of(suggestion: Suggestion) -> dict | None:
    """Return the stored change (Proposal.to_dict) of a decision about exactly one line."""
    [line] = (suggestion.proposal or {})["lines"]
    return line["change"]


def choose(suggestion: Suggestion, lines: dict[int, dict[str, str] | None]) -> dict:
    """Return the decision form as the page posts it: the ticked lines, each with its dose."""
    form: dict = {"lines_shown": "1", "line": [str(line_id) for line_id in lines]}
    for line_id, dose in lines.items():
        for name, value in (dose or {}).items():
            form[f"s{suggestion.id}-line-{line_id}-{name}"] = value
    return form
