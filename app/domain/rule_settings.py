"""Every number the plan-adjustment rules use, in one settings object (clinical.md s. 2-6).

RuleSettings extends PainThresholds (the traffic light, which charts and the patient's day
read alone) with the windows, adherence lines, "in a row" counts, phase lengths and dose
steps of the suggestion rules. The defaults are the clinic's; the fields in
PROGRAMME_SETTINGS are the ones a physio changes for one patient, stored on each programme
version beside the pain thresholds. The rest are the clinic's only: changing them changes
what a rule means (the week is 7 days; the trend compares with two weeks earlier).
"""

from dataclasses import dataclass
from fractions import Fraction

from app.domain.pain import PainThresholds


@dataclass(frozen=True)
class RuleSettings(PainThresholds):
    """The traffic light plus every other number of the suggestion rules."""

    # --- Windows (clinical.md s. 4) ---------------------------------------------------------
    window_days: int = 7  # "over the last 7 days": the week the rules judge
    trend_gap_days: int = 14  # the pain trend compares the week with the week this much earlier
    trend_min_readings: int = 2  # a single reading on either side is not a trend
    # --- Adherence (s. 3, 4) ----------------------------------------------------------------
    adherent_percent: int = 80  # the usual "adherent" line; a line progresses only at this
    low_adherence_percent: int = 50  # below this over the week: review
    silent_days: int = 3  # nothing logged for this many days (with exercises due): review
    # --- "In a row": counted in the plan's sessions (schedule.last_sessions), never in
    # calendar days (s. 8), so a Mon/Wed/Fri plan's Monday and Wednesday are two in a row.
    flare_sessions_in_a_row: int = 2  # next-morning pain up >= red rise: regress
    walk_run_sessions_in_a_row: int = 2  # good sessions of a walk-run level: next level
    # 2-for-2 (NSCA; s. 4): the last set beat the rep target by this many reps ...
    two_for_two_beat_by: int = 2
    two_for_two_sessions_in_a_row: int = 2  # ... in this many of the line's sessions in a row
    # --- Phases and return to running (s. 4, 6) ---------------------------------------------
    min_weeks_in_phase: int = 2  # at least 2-3 weeks in a phase, whatever the template says
    stage_gate_pain: int = 3  # test tasks and readiness tests must be below this
    entry_walk_minutes: int = 30  # brisk walking in green before the first walk-run level
    # --- Dose steps (s. 4, 8) ---------------------------------------------------------------
    reps_step: int = 2  # isotonic: +2 reps ...
    isotonic_reps_max: int = 15  # ... up to this, then load (or a review without load)
    hold_step_seconds: int = 5  # isometric: +5 s ...
    hold_max_seconds: int = 60  # ... up to this, then one more hold
    hold_round_seconds: int = 5  # a regressed hold is a whole number of these
    sets_max: int = 5  # more sets or holds stop here: then review
    load_step_min_percent: int = 2  # load goes up 2-10% (ACSM 2009) ...
    load_step_max_percent: int = 10
    load_step_kg: float = 0.5  # ... in whole steps of the smallest weight the patient has
    less_dose_percent: int = 25  # a regression at the start of a chain: 20-30% less
    run_volume_step_percent: int = 10  # running time up by at most this a week (s. 6)

    @property
    def adherent(self) -> Fraction:
        return Fraction(self.adherent_percent, 100)

    @property
    def low_adherence(self) -> Fraction:
        return Fraction(self.low_adherence_percent, 100)

    def errors(self) -> dict[str, str]:
        """Return setting -> what is wrong with it; empty when all are fine."""
        problems = super().errors()
        for name, (low, high) in SETTING_RANGES.items():
            value = getattr(self, name)
            if name == "load_step_kg":
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                if not ok or not low <= value <= high:
                    problems[name] = f"Must be a number of kilograms from {low} to {high}."
            elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems[name] = f"Must be a whole number from {low} to {high}."
        if "adherent_percent" not in problems and "low_adherence_percent" not in problems:
            if self.low_adherence_percent > self.adherent_percent:
                problems["low_adherence_percent"] = (
                    "The low-adherence line must not be above the adherent line."
                )
        if "load_step_min_percent" not in problems and "load_step_max_percent" not in problems:
            if self.load_step_min_percent > self.load_step_max_percent:
                problems["load_step_min_percent"] = (
                    "The smallest load step must not be above the largest."
                )
        return problems

    def used(self, *names: str) -> dict[str, float | int]:
        """Return the named settings and their values: what a reason says it used."""
        return {name: getattr(self, name) for name in names}


# Allowed values of each setting beyond the pain thresholds (those are 0-10, pain.py).
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "window_days": (7, 28),
    "trend_gap_days": (7, 28),
    "trend_min_readings": (1, 7),
    "adherent_percent": (50, 100),
    "low_adherence_percent": (10, 90),
    "silent_days": (2, 14),
    "flare_sessions_in_a_row": (2, 5),
    "walk_run_sessions_in_a_row": (1, 5),
    "two_for_two_beat_by": (1, 5),
    "two_for_two_sessions_in_a_row": (2, 5),
    "min_weeks_in_phase": (1, 8),
    "stage_gate_pain": (1, 10),
    "entry_walk_minutes": (10, 60),
    "reps_step": (1, 5),
    "isotonic_reps_max": (6, 30),
    "hold_step_seconds": (1, 15),
    "hold_max_seconds": (15, 120),
    "hold_round_seconds": (1, 10),
    "sets_max": (2, 10),
    "load_step_min_percent": (1, 10),
    "load_step_max_percent": (2, 20),
    "load_step_kg": (0.25, 5),
    "less_dose_percent": (20, 30),
    "run_volume_step_percent": (5, 10),
}

# What a physio changes for one patient (stored per programme version, like the thresholds).
PROGRAMME_SETTINGS = (
    "adherent_percent",
    "low_adherence_percent",
    "silent_days",
    "min_weeks_in_phase",
    "stage_gate_pain",
    "isotonic_reps_max",
    "hold_max_seconds",
    "load_step_kg",
)

# How the physio reads each setting (the settings page, the "why" panel, the plan history).
SETTING_WORDS: dict[str, str] = {
    "green_max_during": "green up to {}",
    "amber_max_during": "amber up to {}",
    "amber_morning_rise": "amber when next morning is {} above usual",
    "red_morning_rise": "red when next morning is {} above usual",
    "mcid": "a change of {} points matters",
    "walk_run_max_pain": "walk-run levels done well at pain up to {}",
    "window_days": "a window of {} days",
    "trend_gap_days": "the trend compared with {} days earlier",
    "trend_min_readings": "at least {} readings for a trend",
    "adherent_percent": "adherent at {}%",
    "low_adherence_percent": "review below {}% adherence",
    "silent_days": "review after {} days with nothing logged",
    "flare_sessions_in_a_row": "{} sessions in a row",
    "walk_run_sessions_in_a_row": "{} good sessions in a row",
    "two_for_two_beat_by": "the last set {} or more reps above the target",
    "two_for_two_sessions_in_a_row": "{} sessions in a row beating the target",
    "min_weeks_in_phase": "at least {} weeks in a phase",
    "stage_gate_pain": "test pain below {}/10",
    "entry_walk_minutes": "{} minutes of brisk walking",
    "reps_step": "+{} reps",
    "isotonic_reps_max": "isotonic work up to {} reps, then load",
    "hold_step_seconds": "holds +{} s",
    "hold_max_seconds": "holds up to {} s, then one more hold",
    "hold_round_seconds": "holds rounded to {} s",
    "sets_max": "at most {} sets or holds",
    "load_step_min_percent": "load up at least {}%",
    "load_step_max_percent": "load up at most {}%",
    "load_step_kg": "load in steps of {:g} kg",
    "less_dose_percent": "{}% less dose",
    "run_volume_step_percent": "running up at most {}% a week",
}

CLINIC_DEFAULTS = RuleSettings()


def settings_words(used: dict[str, float | int]) -> list[str]:
    """Return the settings a rule used, in the physio's words ("adherent at 80%")."""
    return [SETTING_WORDS[name].format(value) for name, value in used.items()]
