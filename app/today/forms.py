"""The day page's one form of its own: "Got it" on the plan-change notice."""

from wtforms import StringField
from wtforms.validators import InputRequired, Regexp

from app.forms import Form

UNREADABLE = "That plan change could not be read. Here is your plan as it is now."


class PlanSeenForm(Form):
    """The newest plan version the patient has now read about."""

    number = StringField(
        validators=[InputRequired(UNREADABLE), Regexp(r"^\d{1,9}$", message=UNREADABLE)]
    )
