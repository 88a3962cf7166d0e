from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.auth.models import Role
from portal.forms import PortalForm, email_field, name_field, options
from portal.i18n import language_choices
from portal.opportunities.models import OpportunityType


class RoleForm(PortalForm):
    role = SelectField(_l("Role"), choices=options(Role.choices()), validators=[InputRequired()])
    submit = SubmitField(_l("Change role"))


class NewUserForm(PortalForm):
    name = name_field(_l("Name"))
    email = email_field(_l("Email"))
    role = SelectField(
        _l("Role"),
        choices=options((r.value, r.label) for r in Role if r != Role.ADVOCATE),
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Add user"))


class SettingsForm(PortalForm):
    program_name = StringField(
        _l("Program name"),
        validators=[Optional(), Length(max=80)],
        description=_l(
            "In every page's header and title, and in mail. Empty: the name set "
            "for the server (PROGRAM_NAME)."
        ),
    )
    accent_color = StringField(
        _l("Accent colour"),
        validators=[InputRequired(), Length(max=7)],
        render_kw={"type": "color"},
        description=_l(
            "Links, buttons and highlights. It must stay readable on the page "
            "(a contrast of 4.5:1 or more)."
        ),
    )
    logo = FileField(
        _l("Logo (optional)"),
        validators=[FileAllowed(["png", "jpg", "jpeg"], _l("Upload a PNG or JPEG image."))],
        description=_l(
            "PNG or JPEG up to 2 MB, shown beside the name; without one, the portal's star is used."
        ),
    )
    remove_logo = BooleanField(_l("Use the portal's star instead of the uploaded logo"))
    language = SelectField(
        _l("Default language"),
        validators=[Optional()],
        description=_l(
            "For people who haven't chosen one and whose browser requests none of "
            "the portal's languages, and for mail to people without an account."
        ),
    )
    registration_mode = RadioField(
        _l("Who can join"),
        choices=options(
            [
                ("invite", _l("By invitation only: managers add people and mail them a link")),
                ("open", _l("Anyone, after confirming their email address")),
                ("domains", _l("People with a work address at a customer company (see Companies)")),
            ]
        ),
    )
    tier_grace_days = IntegerField(
        _l("Grace period before a tier lapses (days)"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=365)],
    )
    deletion_grace_days = IntegerField(
        _l("Grace period before a deleted account is erased (days)"),
        validators=[Optional(), NumberRange(min=14, max=365)],
        description=_l("At least 14 days: the person can change their mind until then."),
    )
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


for _kind in OpportunityType:
    setattr(
        SettingsForm,
        f"points_{_kind.value}",
        IntegerField(
            _l("Default points: %(kind)s", kind=_kind.label),
            validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=100_000)],
        ),
    )
