"""Forms for assigning and tailoring programmes and for editing clinic templates."""

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from app.domain.dose import FIELD_NAMES as DOSE_FIELD_NAMES
from app.domain.errors import Refused
from app.domain.library_files import CONDITIONS
from app.forms import Form

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
DOSE_SIDES = [
    ("both", "Both legs together / not one-sided"),
    ("each", "Each side separately"),
    ("left", "Left only"),
    ("right", "Right only"),
]
AFFECTED_SIDES = [("right", "Right"), ("left", "Left"), ("both", "Both"), ("none", "Not one side")]
WHOLE = "Enter a whole number."


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _reason() -> StringField:
    return StringField(
        "Reason (optional)",
        description='Kept in the plan\'s history, e.g. "pain settled, progressing".',
        validators=[Length(max=1000)],
    )


class ChangeForm(Form):
    """A one-click change (phase, reorder, remove, swap, add): reason and the version shown."""

    version_id = HiddenField()
    reason = _reason()


class TestTaskForm(Form):
    """The phase's test task, rated weekly by the patient (checked by domain.test_task)."""

    test_task = StringField(
        "Test task",
        description="The patient rates its pain once a week; below 3/10 is ready to move on. "
        "Pick one or write your own; leave empty for none.",
    )


class AssignForm(Form):
    template_id = SelectField("Start from", choices=[], validate_choice=False)
    start_date = DateField("Start date", validators=[DataRequired("Enter the start date.")])
    title = StringField(
        "Title (optional)",
        description="Shown to the patient; the template's name if left empty.",
        validators=[Length(max=120)],
    )
    confirm_archive = BooleanField("Yes, archive the current programme")


# The dose fields the form edits directly; days_of_week comes from the "days" check boxes.
FORM_DOSE_FIELDS = (*(name for name in DOSE_FIELD_NAMES if name != "days_of_week"), "note")


class DoseForm(Form):
    """An exercise's dose and schedule: the one form for programme lines and template lines."""

    sets = IntegerField("Sets", validators=[InputRequired("Enter the number of sets.")])
    reps = IntegerField("Reps", validators=[Optional()], description="Give reps, hold or duration.")
    hold_seconds = IntegerField("Hold (seconds)", validators=[Optional()])
    duration_seconds = IntegerField("Duration (seconds)", validators=[Optional()])
    load_kg = FloatField("Load (kg)", validators=[Optional()])
    load_text = StringField(
        "Load as text", description="E.g. red band, body weight.", validators=[Length(max=60)]
    )
    tempo = StringField("Tempo (optional)", description="E.g. 3-1-3.", validators=[Length(max=20)])
    rest_seconds = IntegerField("Rest between sets (seconds)", validators=[InputRequired(WHOLE)])
    side = SelectField("Side", choices=DOSE_SIDES)
    days = MultiCheckboxField("Days of the week", choices=WEEKDAYS, coerce=int)
    times_per_week = IntegerField(
        "Or times per week",
        description="Used when no day is ticked; spread over the week.",
        validators=[Optional()],
    )
    times_per_day = IntegerField("Times per day", validators=[InputRequired(WHOLE)])
    note = TextAreaField("Note to the patient", validators=[Length(max=1000)])

    def fill(self, source: object) -> None:
        """Pre-fill from a line or an exercise (whose library default has no load, days, note)."""
        for name in FORM_DOSE_FIELDS:
            getattr(self, name).data = getattr(source, name, None)
        mask = getattr(source, "days_of_week", None)
        self.days.data = [day for day, _ in WEEKDAYS if mask and mask & (1 << day)]
        if mask:
            self.times_per_week.data = None

    def dose(self) -> dict[str, Any]:
        """Return the entered dose (every line dose field); refuse days and a weekly count."""
        days = sum(1 << day for day in self.days.data or [])
        if days and self.times_per_week.data is not None:
            raise Refused({"times_per_week": "Tick days or give times per week, not both."})
        dose = {name: getattr(self, name).data for name in FORM_DOSE_FIELDS}
        dose["note"] = (dose["note"] or "").strip()
        dose["days_of_week"] = days or None
        dose["times_per_week"] = None if days else self.times_per_week.data
        return dose


class LineDoseForm(DoseForm):
    """A programme line's dose, with the version the page showed and a reason for the history."""

    version_id = HiddenField()
    reason = _reason()


class AddLineForm(LineDoseForm):
    """A new programme line: the chosen exercise, the phase it goes in and its dose."""

    exercise_id = HiddenField()
    phase = SelectField("Phase", coerce=int, choices=[])


class ThresholdsForm(Form):
    version_id = HiddenField()
    green_max_during = IntegerField(
        "Green: pain during exercise up to", validators=[InputRequired(WHOLE)]
    )
    amber_max_during = IntegerField(
        "Amber: pain during exercise up to",
        description="Above this is red.",
        validators=[InputRequired(WHOLE)],
    )
    amber_morning_rise = IntegerField(
        "Amber: next-morning pain above usual by", validators=[InputRequired(WHOLE)]
    )
    red_morning_rise = IntegerField(
        "Red: next-morning pain above usual by", validators=[InputRequired(WHOLE)]
    )
    mcid = IntegerField(
        "Smallest change in pain that matters (points)",
        description=(
            "Drawn as a band on the pain chart; average pain this much worse than two weeks "
            "earlier asks for a review."
        ),
        validators=[InputRequired(WHOLE)],
    )
    walk_run_max_pain = IntegerField(
        "Walk-run: a level is done well at pain up to",
        description="Two such sessions, settled by the next morning, move on to the next level.",
        validators=[InputRequired(WHOLE)],
    )
    # The other rule settings a physio changes for one patient (rule_settings.RuleSettings);
    # a blank one is the clinic's default (the page says which).
    adherent_percent = IntegerField(
        "Adherent at (% of the week's exercises)",
        description="An exercise progresses only when it, and the programme, were done this much.",
        validators=[Optional()],
    )
    low_adherence_percent = IntegerField(
        "Review below (% adherence over the week)", validators=[Optional()]
    )
    silent_days = IntegerField(
        "Review after this many days with nothing logged", validators=[Optional()]
    )
    min_weeks_in_phase = IntegerField(
        "At least this many weeks in a phase", validators=[Optional()]
    )
    stage_gate_pain = IntegerField(
        "Test tasks and readiness tests: pain below",
        description="Gates the next phase and the first walk-run level.",
        validators=[Optional()],
    )
    isotonic_reps_max = IntegerField(
        "Isotonic work: most reps before adding load", validators=[Optional()]
    )
    hold_max_seconds = IntegerField(
        "Isometric holds: longest hold (seconds) before one more hold",
        validators=[Optional()],
    )
    load_step_kg = FloatField(
        "Load steps (kg): the smallest weight step the patient has",
        validators=[Optional()],
    )
    affected_side = SelectField("Affected side", choices=AFFECTED_SIDES)
    reason = _reason()


def condition_choices() -> list[tuple[str, str]]:
    return [("", "Any condition"), *CONDITIONS.items()]


class TemplateForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    condition = SelectField("Condition", choices=condition_choices)
    description = TextAreaField("Description", validators=[Length(max=1000)])


class PhaseForm(Form):
    name = StringField("Phase name", validators=[DataRequired("Enter a name."), Length(max=120)])
    goal = TextAreaField("Goal", validators=[Length(max=1000)])
    typical_weeks = IntegerField("Typical weeks", default=3, validators=[InputRequired(WHOLE)])
    criteria = TextAreaField(
        "Criteria to move on",
        description=(
            'For the physio, e.g. "single-leg bridge pain <= 3/10, 24-hour response settled".'
        ),
        validators=[Length(max=1000)],
    )


class TemplateLineForm(DoseForm):
    """A template phase's new line: an exercise and its dose."""

    exercise_id = IntegerField(widget=HiddenInput(), validators=[InputRequired(WHOLE)])
