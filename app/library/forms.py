"""The clinic-made exercise form: the same fields and rules as the library files."""

from collections.abc import Callable
from typing import Any

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from app.domain import dose as dose_rules
from app.domain import library_files as lib
from app.domain.dose import EXERCISE_DOSE_FIELDS
from app.forms import Form
from app.models import Exercise

SIDE_CHOICES = [
    ("both", "Both sides together"),
    ("each", "Each side separately"),
    ("left", "Left only"),
    ("right", "Right only"),
]
NO_LINK = 0


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _at_least_one(message: str) -> Callable[[Form, SelectMultipleField], None]:
    """Require a ticked box without marking every checkbox `required` in the HTML."""

    def check(form: Form, field: SelectMultipleField) -> None:
        if not field.data:
            raise StopValidation(message)

    return check


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _dose_field(label: str, name: str, required: bool = False) -> IntegerField:
    (low, high), _label, _unit = dose_rules.DOSE_RANGES[name]
    return IntegerField(
        label,
        validators=[InputRequired(f"{label} is required.") if required else Optional()],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
    )


class ExerciseForm(Form):
    name = StringField(
        "Name", validators=[DataRequired("Enter the exercise's name."), Length(max=120)]
    )
    category = SelectField("Category", choices=list(lib.CATEGORIES.items()))
    body_regions = CheckboxesField(
        "Body regions",
        choices=list(lib.BODY_REGIONS.items()),
        validators=[_at_least_one("Tick at least one body region.")],
    )
    target_muscles = TextAreaField(
        "Target muscles",
        description="One per line.",
        validators=[DataRequired("Name at least one muscle.")],
    )
    equipment = CheckboxesField(
        "Equipment",
        choices=list(lib.EQUIPMENT.items()),
        validators=[_at_least_one("Tick at least one (or 'No equipment').")],
    )
    position = SelectField("Position", choices=list(lib.POSITIONS.items()))
    level = IntegerField(
        "Level (1 easiest to 5 hardest)",
        validators=[
            InputRequired("Enter a level from 1 to 5."),
            NumberRange(*lib.LEVEL_RANGE, message="Level must be between 1 and 5."),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 5},
    )
    sets = _dose_field("Sets", "sets", required=True)
    reps = _dose_field("Reps", "reps")
    hold_seconds = _dose_field("Hold time (seconds)", "hold_seconds")
    duration_seconds = _dose_field("Duration (seconds)", "duration_seconds")
    rest_seconds = _dose_field("Rest between sets (seconds)", "rest_seconds", required=True)
    side = SelectField("Side", choices=SIDE_CHOICES)
    times_per_week = _dose_field("Times per week", "times_per_week", required=True)
    times_per_day = _dose_field("Times per day", "times_per_day", required=True)
    steps = TextAreaField(
        "Steps",
        description="3 to 6 steps, one per line, speaking to the patient: 'Lie on your back...'",
        validators=[DataRequired("Write the steps, one per line.")],
    )
    cues = TextAreaField(
        "Key cues", description="One per line.", validators=[DataRequired("Add at least one cue.")]
    )
    faults = TextAreaField(
        "Common faults",
        description="One per line.",
        validators=[DataRequired("Add at least one common fault.")],
    )
    caution_text = TextAreaField("Cautions (optional)", validators=[Optional(), Length(max=500)])
    caution_conditions = CheckboxesField(
        "Avoid or take care with", choices=list(lib.CONDITIONS.items())
    )
    evidence = TextAreaField("Evidence note (optional)", validators=[Optional(), Length(max=500)])
    regression = SelectField("Easier exercise (regression)", coerce=int, default=NO_LINK)
    progression = SelectField("Harder exercise (progression)", coerce=int, default=NO_LINK)

    def set_link_choices(self, choices: list[tuple[int, str]]) -> None:
        """Offer the visible exercises (id, label) as chain links."""
        options = [(NO_LINK, "None"), *choices]
        self.regression.choices = options
        self.progression.choices = options

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        steps = _lines(self.steps.data)
        low, high = lib.STEPS_RANGE
        if self.steps.data and not low <= len(steps) <= high:
            self.steps.errors = [*self.steps.errors, f"Write {low} to {high} steps, one per line."]
            valid = False
        if self.caution_conditions.data and not (self.caution_text.data or "").strip():
            self.caution_text.errors = [
                *self.caution_text.errors,
                "Say what to watch out for with the ticked conditions.",
            ]
            valid = False
        for name, message in dose_rules.dose_errors(self.dose_values()).items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def dose_values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in EXERCISE_DOSE_FIELDS}

    def exercise_values(self) -> dict[str, Any]:
        """Return the fields as stored on an Exercise (call after validate)."""
        caution = (self.caution_text.data or "").strip()
        return {
            "name": self.name.data.strip(),
            "category": self.category.data,
            "body_regions": list(self.body_regions.data),
            "target_muscles": _lines(self.target_muscles.data),
            "equipment": list(self.equipment.data),
            "position": self.position.data,
            "level": self.level.data,
            "steps": _lines(self.steps.data),
            "cues": _lines(self.cues.data),
            "faults": _lines(self.faults.data),
            "cautions": (
                [{"text": caution, "conditions": list(self.caution_conditions.data)}]
                if caution
                else []
            ),
            "evidence": (self.evidence.data or "").strip(),
            **self.dose_values(),
        }

    def fill_from(self, exercise: Exercise, copy: bool = False) -> None:
        """Pre-fill the form from an exercise (its own edit page, or a copy of it)."""
        self.name.data = f"{exercise.name} (our version)" if copy else exercise.name
        for name in ("category", "body_regions", "equipment", "position", "level", "evidence"):
            getattr(self, name).data = getattr(exercise, name)
        for name in EXERCISE_DOSE_FIELDS:
            getattr(self, name).data = getattr(exercise, name)
        for name in ("target_muscles", "steps", "cues", "faults"):
            getattr(self, name).data = "\n".join(getattr(exercise, name) or [])
        # The form keeps one caution block: several library cautions are joined into it.
        cautions = exercise.cautions or []
        self.caution_text.data = "\n".join(c.get("text", "") for c in cautions)
        conditions = {condition for c in cautions for condition in c.get("conditions") or []}
        self.caution_conditions.data = [key for key in lib.CONDITIONS if key in conditions]
        if not copy:  # a copy starts outside any chain, so it cannot steal the original's links
            self.regression.data = exercise.regression_id or NO_LINK
            self.progression.data = exercise.progression_id or NO_LINK


class ArchiveForm(Form):
    """Archiving asks for a tick, so a stray click does nothing."""

    confirm = BooleanField(
        "Yes, archive this exercise",
        validators=[DataRequired("Tick the box to confirm.")],
    )
