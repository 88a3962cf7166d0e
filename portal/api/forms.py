from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from portal.forms import CheckboxesField, PortalForm, once_field, options

EXPIRY_CHOICES = [("30", _l("In 30 days")), ("90", _l("In 90 days")), ("365", _l("In a year"))]


class TokenForm(PortalForm):
    once = once_field()
    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=80)],
        description=_l("What uses it, e.g. “CRM sync”."),
    )
    scopes = CheckboxesField(
        _l("Scopes"), validators=[InputRequired(_l("Choose at least one scope."))]
    )
    expires_in = SelectField(_l("Expires"), choices=options(EXPIRY_CHOICES), default="90")
    submit = SubmitField(_l("Create token"))


class StaffTokenForm(TokenForm):
    expires_in = SelectField(
        _l("Expires"), choices=options([*EXPIRY_CHOICES, ("0", _l("Never"))]), default="90"
    )
    networks = TextAreaField(
        _l("Allowed addresses (optional)"),
        validators=[Length(max=2000)],
        description=_l(
            "Addresses or networks (CIDR) it may be used from, one per line. Empty: anywhere."
        ),
        render_kw={"rows": 3},
    )
    rate_limit = IntegerField(
        _l("Requests per minute"),
        default=120,
        validators=[InputRequired(), NumberRange(min=1, max=10000)],
    )
