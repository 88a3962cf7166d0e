"""Field helpers shared by the forms of every blueprint."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import EmailField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.auth.passwords import MAX_LENGTH


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def email_field(label: str = "Email") -> EmailField:
    return EmailField(
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


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select or checkbox field."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (keyboard- and screen-reader-friendly)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def validate_timezone(form, field) -> None:
    if field.data and not clock.is_valid_timezone(field.data):
        raise ValidationError("Choose a time zone from the list.")


def zone_choices(*first: str, blank: str | None = None) -> dict[str, list[SelectChoice]]:
    """A time-zone picker's choices: suggested zones (and `blank`), then every region's.

    The program's zone always leads the suggestions; the page adds the
    browser's own zone to them (see `data-browser-zone` in portal.js).
    """
    groups = clock.timezone_groups(clock.program_tz().key, *first)
    if blank is not None:
        groups["Suggested"].insert(0, ("", blank))
    return {group: options(pairs) for group, pairs in groups.items()}
