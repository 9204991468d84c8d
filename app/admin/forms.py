"""Forms for the admin pages."""

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.forms import Form
from app.models import Role
from app.services.accounts import email_taken


class DeletePatientForm(Form):
    confirm_name = StringField(
        "Type the patient's full name to confirm",
        validators=[DataRequired("Type the patient's name to confirm."), Length(max=120)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class StaffForm(Form):
    name = StringField(
        "Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)]
    )
    email = EmailField(
        "Email",
        description="They log in with it.",
        validators=[
            DataRequired("Enter their email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    role = SelectField(
        "Role",
        choices=[
            (Role.PHYSIO.value, "Physio: sees their own patients"),
            (Role.ADMIN.value, "Clinic admin: sees every patient, the audit log and the staff"),
        ],
    )

    def validate_email(self, field: EmailField) -> None:
        if field.data and email_taken(field.data.strip()):
            raise ValidationError("An account with this email already exists.")
