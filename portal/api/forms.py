from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from portal.forms import CheckboxesField, PortalForm, once_field, options

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenForm(PortalForm):
    once = once_field()
    name = StringField(
        "Name",
        validators=[InputRequired(), Length(max=80)],
        description="What uses it, e.g. “CRM sync”.",
    )
    scopes = CheckboxesField("Scopes", validators=[InputRequired("Choose at least one scope.")])
    expires_in = SelectField("Expires", choices=options(EXPIRY_CHOICES), default="90")
    submit = SubmitField("Create token")


class StaffTokenForm(TokenForm):
    expires_in = SelectField(
        "Expires", choices=options([*EXPIRY_CHOICES, ("0", "Never")]), default="90"
    )
    networks = TextAreaField(
        "Allowed addresses (optional)",
        validators=[Length(max=2000)],
        description="Addresses or networks (CIDR) it may be used from, one per line. "
        "Empty: anywhere.",
        render_kw={"rows": 3},
    )
    rate_limit = IntegerField(
        "Requests per minute",
        default=120,
        validators=[InputRequired(), NumberRange(min=1, max=10000)],
    )
