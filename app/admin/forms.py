"""Forms for the admin pages."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class DeletePatientForm(FlaskForm):
    confirm_name = StringField(
        "Type the patient's full name to confirm",
        validators=[DataRequired("Type the patient's name to confirm."), Length(max=120)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
