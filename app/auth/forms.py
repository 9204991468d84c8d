"""Forms for logging in, accepting an invite and changing a password."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.passwords import MIN_PASSWORD_LENGTH

PASSWORD_RULE = f"At least {MIN_PASSWORD_LENGTH} characters."


class LoginForm(FlaskForm):
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
            Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_RULE),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", "The two passwords are not the same."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class InviteCodeForm(FlaskForm):
    code = StringField(
        "Invite code",
        description="The 8-letter code from your physio, e.g. ABCD-EFGH.",
        validators=[DataRequired("Enter the code from your physio."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
