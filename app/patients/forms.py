"""Forms for creating patients, recording assessments and replying to a patient."""

from datetime import date

from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.domain.library_files import CONDITIONS
from app.domain.localtime import is_valid_timezone
from app.domain.messages import MESSAGE_MAX_CHARS, MESSAGE_REQUIRED, MESSAGE_TOO_LONG
from app.forms import Form
from app.services.accounts import email_taken

SIDES = [("left", "Left"), ("right", "Right"), ("both", "Both"), ("none", "Not one side")]
PAIN_RANGE = NumberRange(0, 10, "Pain is a whole number from 0 to 10.")


def condition_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, label in CONDITIONS.items()] + [("other", "Other")]


class PatientForm(Form):
    name = StringField(
        "Full name", validators=[DataRequired("Enter the patient's name."), Length(max=120)]
    )
    email = EmailField(
        "Email (optional)",
        description="Leave empty if the patient has none: they get a username instead.",
        validators=[Optional(), Email("Enter a valid email address."), Length(max=254)],
    )
    date_of_birth = DateField(
        "Date of birth", validators=[DataRequired("Enter the date of birth as a date.")]
    )
    timezone = StringField(
        "Timezone",
        default="Europe/London",
        description="Where the patient lives, e.g. Europe/London: their 'today' follows it.",
        validators=[DataRequired("Enter a timezone."), Length(max=64)],
        render_kw={"list": "timezones", "autocapitalize": "none"},
    )
    condition = SelectField("Condition", choices=condition_choices)
    affected_side = SelectField("Affected side", choices=SIDES)
    goal = TextAreaField(
        "Goal, in the patient's words",
        description='For example "run 10 km pain-free".',
        validators=[Length(max=500)],
    )
    usual_pain = IntegerField(
        "Usual morning pain (0-10)",
        description="The baseline for the next-morning check: worse than this means ease off.",
        validators=[Optional(), PAIN_RANGE],
    )

    def validate_email(self, field: EmailField) -> None:
        if field.data and email_taken(field.data):
            raise ValidationError("An account with this email already exists.")

    def validate_date_of_birth(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError("The date of birth cannot be in the future.")
        if field.data and field.data.year < 1900:
            raise ValidationError("Check the year of birth.")

    def validate_timezone(self, field: StringField) -> None:
        if not is_valid_timezone(field.data or ""):
            raise ValidationError("Unknown timezone: use a name like Europe/London.")


class AssessmentForm(Form):
    kind = SelectField(
        "Type", choices=[("initial", "Initial assessment"), ("reassessment", "Reassessment")]
    )
    assessed_on = DateField("Date", validators=[DataRequired("Enter the date of the assessment.")])
    findings = TextAreaField(
        "Findings",
        description="E.g. weak hip abductors, limited hip extension, Trendelenburg gait.",
        validators=[DataRequired("Record the findings."), Length(max=4000)],
    )
    baseline_pain = IntegerField(
        "Baseline pain (0-10)", validators=[InputRequired("Enter the pain score."), PAIN_RANGE]
    )
    goals = TextAreaField("Goals", validators=[Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Length(max=4000)])

    def validate_assessed_on(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError("An assessment cannot be dated in the future.")


class MessageForm(Form):
    """A staff reply in a patient's thread; its hidden id makes a double submit harmless."""

    message_id = HiddenField(validators=[DataRequired("Reload the page and try again.")])
    body = TextAreaField(
        "Reply",
        validators=[
            DataRequired(MESSAGE_REQUIRED),
            Length(max=MESSAGE_MAX_CHARS, message=MESSAGE_TOO_LONG),
        ],
    )
