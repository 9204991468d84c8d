"""Forms for logging in, accepting an invite and changing a password."""

from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.forms import Form
from app.services.passwords import MIN_PASSWORD_LENGTH, password_problem

PASSWORD_RULE = f"At least {MIN_PASSWORD_LENGTH} characters, not a common or easy password."


class LoginForm(Form):
    login = StringField(
        "Email or username",
        validators=[DataRequired("Enter your email or username."), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        description=PASSWORD_RULE,
        validators=[
            DataRequired("Choose a password."),
            Length(max=200, message="Keep the password to 200 characters or fewer."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    # The account's name and login, which the view sets: a password made of them is refused.
    personal: tuple[str | None, ...] = ()

    def validate_password(self, field: Field) -> None:
        problem = password_problem(field.data or "", self.personal)
        if problem:
            raise ValidationError(problem)

    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(NewPasswordMixin, Form):
    pass


class InviteCodeForm(Form):
    code = StringField(
        "Invite code",
        description="The 8-letter code from your physio, e.g. ABCD-EFGH.",
        validators=[DataRequired("Enter the code from your physio."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )


class ChangePasswordForm(NewPasswordMixin, Form):
    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
