"""Field helpers shared by the forms of every blueprint."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import Email, InputRequired, Length

from portal.auth.passwords import MAX_LENGTH


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email") -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def name_field(label: str = "Name") -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


PASSWORD_LENGTH = Length(max=MAX_LENGTH, message=f"Use at most {MAX_LENGTH} characters.")
