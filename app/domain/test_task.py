"""The test task of a phase: what the physio may choose, and when the patient rates it.

Tendon stages are each gated by pain below 3/10 on a test task (clinical.md s. 4); the
physio picks one per phase, the patient rates its pain once a week, and "ready for the next
phase" reads the latest rating (suggestions.phase_readiness, STAGE_GATE_PAIN).
"""

from datetime import date, timedelta

TEST_TASK_MAX_CHARS = 120
RATE_EVERY_DAYS = 7  # -> RuleSettings: the patient is asked again a week after the last rating
# Readiness tests clinical.md names (s. 4 and s. 6), as the physio's list offers them.
SUGGESTED_TEST_TASKS = (
    "Single-leg stance, 30 s",
    "Single-leg squat, 5 reps",
    "Single-leg bridge, 10 reps",
    "Hop on the spot, 10 hops",
    "Side plank, 45 s",
    "Step-up, 10 reps",
    "Brisk walk, 30 min",
)
TOO_LONG = f"Keep the test task to {TEST_TASK_MAX_CHARS} characters or fewer."


def problem_with_test_task(text: str) -> str | None:
    """Return what is wrong with a test task the physio typed; None when it is fine ("" clears)."""
    if len(text.strip()) > TEST_TASK_MAX_CHARS:
        return TOO_LONG
    if any(ord(ch) < 32 for ch in text):
        return "Write the test task on one line."
    return None


def rating_due(last_rated: date | None, today: date) -> bool:
    """Tell whether the weekly rating is due: never rated, or last rated a week or more ago."""
    return last_rated is None or today - last_rated >= timedelta(days=RATE_EVERY_DAYS)
