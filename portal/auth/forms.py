from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import EqualTo, InputRequired

from portal.forms import PASSWORD_LENGTH, PortalForm, email_field, name_field
from portal.i18n import language_choices


class SignInForm(PortalForm):
    email = email_field(_l("Email"))
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in for 30 days"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class SetPasswordForm(PortalForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters. Long passphrases are best."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords don't match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(PortalForm):
    locale = SelectField(
        _l("Language"),
        description=_l("The portal and the mail it sends you, in this language."),
    )
    submit = SubmitField(_l("Save language"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = language_choices(blank=_l("The language of my browser"))


class SignOutEverywhereForm(PortalForm):
    submit = SubmitField(_l("Sign out everywhere else"))


class RegisterForm(PortalForm):
    name = name_field(_l("Your name"))
    email = email_field(_l("Work email"))
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters. Long passphrases are best."),
    )
    submit = SubmitField(_l("Create account"))


class ResetRequestForm(PortalForm):
    email = email_field(_l("Email"))
    submit = SubmitField(_l("Send reset link"))


class ChangeEmailForm(PortalForm):
    email = email_field(_l("New email"))
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), PASSWORD_LENGTH],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change email"))


class ConfirmLinkForm(PortalForm):
    """The button behind a mailed link: opening the link changes nothing."""

    submit = SubmitField(_l("Confirm"))
