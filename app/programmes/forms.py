"""Forms for assigning and tailoring programmes and for editing clinic templates."""

from flask_wtf import FlaskForm
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
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.library_files import CONDITIONS

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


class ChangeForm(FlaskForm):
    """A one-click change (phase, reorder, remove, swap, add): reason and the version shown."""

    version_id = HiddenField()
    reason = _reason()


class AssignForm(FlaskForm):
    template_id = SelectField("Start from", choices=[], validate_choice=False)
    start_date = DateField("Start date", validators=[DataRequired("Enter the start date.")])
    title = StringField(
        "Title (optional)",
        description="Shown to the patient; the template's name if left empty.",
        validators=[Length(max=120)],
    )
    confirm_archive = BooleanField("Yes, archive the current programme")


class DoseForm(FlaskForm):
    version_id = HiddenField()
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
    reason = _reason()


class ThresholdsForm(FlaskForm):
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
    affected_side = SelectField("Affected side", choices=AFFECTED_SIDES)
    reason = _reason()


def condition_choices() -> list[tuple[str, str]]:
    return [("", "Any condition"), *CONDITIONS.items()]


class TemplateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)])
    condition = SelectField("Condition", choices=condition_choices)
    description = TextAreaField("Description", validators=[Length(max=1000)])


class PhaseForm(FlaskForm):
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


class TemplateLineForm(FlaskForm):
    exercise_id = SelectField("Exercise", choices=[], coerce=int, validate_choice=False)
    sets = IntegerField("Sets", default=3, validators=[InputRequired(WHOLE)])
    reps = IntegerField("Reps", default=10, validators=[Optional()])
    hold_seconds = IntegerField("Hold (seconds)", validators=[Optional()])
    duration_seconds = IntegerField("Duration (seconds)", validators=[Optional()])
    side = SelectField("Side", choices=DOSE_SIDES)
    times_per_week = IntegerField("Times per week", default=3, validators=[InputRequired(WHOLE)])
    times_per_day = IntegerField("Times per day", default=1, validators=[InputRequired(WHOLE)])
    note = StringField("Note to the patient", validators=[Length(max=1000)])
