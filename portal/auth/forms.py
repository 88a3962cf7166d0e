from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired

from portal.forms import PASSWORD_LENGTH, email_field, name_field


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in for 30 days")
    next = HiddenField()
    submit = SubmitField("Sign in")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
        description="At least 8 characters. Long passphrases are best.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords don't match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set password")


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Change password")


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField("Sign out everywhere else")


class RegisterForm(FlaskForm):
    name = name_field("Your name")
    email = email_field("Work email")
    password = PasswordField(
        "Password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
        description="At least 8 characters. Long passphrases are best.",
    )
    submit = SubmitField("Create account")


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send reset link")


class ChangeEmailForm(FlaskForm):
    email = email_field("New email")
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Change email")


class ConfirmLinkForm(FlaskForm):
    """The button behind a mailed link: opening the link changes nothing."""

    submit = SubmitField("Confirm")
