from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import EqualTo, InputRequired

from portal.forms import PASSWORD_LENGTH, PortalForm, email_field, name_field
from portal.i18n import language_choices


class SignInForm(PortalForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in for 30 days")
    next = HiddenField()
    submit = SubmitField("Sign in")


class SetPasswordForm(PortalForm):
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


class LanguageForm(PortalForm):
    locale = SelectField(
        "Language",
        description="The portal and the mail it sends you, in this language.",
    )
    submit = SubmitField("Save language")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices(blank="The language of my browser")


class SignOutEverywhereForm(PortalForm):
    submit = SubmitField("Sign out everywhere else")


class RegisterForm(PortalForm):
    name = name_field("Your name")
    email = email_field("Work email")
    password = PasswordField(
        "Password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
        description="At least 8 characters. Long passphrases are best.",
    )
    submit = SubmitField("Create account")


class ResetRequestForm(PortalForm):
    email = email_field()
    submit = SubmitField("Send reset link")


class ChangeEmailForm(PortalForm):
    email = email_field("New email")
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Change email")


class ConfirmLinkForm(PortalForm):
    """The button behind a mailed link: opening the link changes nothing."""

    submit = SubmitField("Confirm")
