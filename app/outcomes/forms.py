"""The physio's forms for scheduling outcome questionnaires."""

from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from app.domain.outcomes import EVERY_WEEKS_RANGE
from app.forms import Form


class ScheduleForm(Form):
    instrument = SelectField("Questionnaire", validators=[DataRequired()])
    first_due = DateField("First due on", validators=[DataRequired("Give the date it is due.")])
    every_weeks = IntegerField(
        "Repeat every (weeks)",
        validators=[
            Optional(),
            NumberRange(*EVERY_WEEKS_RANGE, message="Repeat every 1 to 52 weeks, or leave empty."),
        ],
    )


class DischargeForm(Form):
    instrument = SelectField("Questionnaire", validators=[DataRequired()])
    due = DateField("Due on", validators=[DataRequired("Give the date it is due.")])
