"""Forms for the physio's decisions on suggestions."""

from wtforms import DecimalField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.domain.dose import DURATION_SECONDS_RANGE, HOLD_SECONDS_RANGE, REPS_RANGE, SETS_RANGE
from app.forms import Form


def _whole(label: str, bounds: tuple[int, int], unit: str = "") -> IntegerField:
    low, high = bounds
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(low, high, f"{label} must be between {low} and {high}{unit}."),
        ],
    )


class DoseForm(Form):
    """The proposed dose, pre-filled, for the physio to change before applying."""

    sets = _whole("Sets", SETS_RANGE)
    reps = _whole("Reps", REPS_RANGE)
    hold_seconds = _whole("Hold (seconds)", HOLD_SECONDS_RANGE, " seconds")
    duration_seconds = _whole("Duration (seconds)", DURATION_SECONDS_RANGE, " seconds")
    load_kg = DecimalField(
        "Load (kg)",
        places=1,
        validators=[Optional(), NumberRange(0.5, 500, "Load must be from 0.5 to 500 kg.")],
    )

    def dose(self) -> dict[str, object]:
        """Return the dose fields as plain numbers (None when empty)."""
        load = self.load_kg.data
        return {
            "sets": self.sets.data,
            "reps": self.reps.data,
            "hold_seconds": self.hold_seconds.data,
            "duration_seconds": self.duration_seconds.data,
            "load_kg": None if load is None else float(load),
        }


class DismissForm(Form):
    note = TextAreaField(
        "Why are you dismissing it?",
        validators=[
            DataRequired("Please say why you are dismissing this suggestion."),
            Length(max=2000, message="Please keep the note under 2000 characters."),
        ],
    )
