"""The base of every form, and field helpers shared by the forms of every blueprint.

`PortalForm` applies the input rules to every field of every form, so no
form can forget one: text is stripped, and a required text field left blank
or filled with spaces is refused (WTForms' InputRequired alone accepts
"   " and the service then saves it empty); dates must lie within
`FIRST_YEAR`..`LAST_YEAR`, so that no conversion to or from a time zone
leaves the calendar; whole numbers must fit the database's integer columns.
(NUL bytes never get this far: `portal.inputs` refuses the request.)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import DateTimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.auth.passwords import MAX_LENGTH
from portal.i18n import format_number, format_time, region_label, zone_label

FIRST_YEAR, LAST_YEAR = 1900, 2200
# The range of the database's INTEGER columns.
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**31), 2**31 - 1


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RequiredText(InputRequired):
    """InputRequired that also refuses text that is only white space."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))


def in_calendar(form, field) -> None:
    """A date or time between FIRST_YEAR and LAST_YEAR."""
    value = field.data
    if isinstance(value, date | datetime) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _(
                "Enter a date between the years %(first)s and %(last)s.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )


_FITS_DATABASE = NumberRange(
    min=SMALLEST_INTEGER,
    max=LARGEST_INTEGER,
    message=LazyString(
        lambda: _(
            "Enter a number between %(low)s and %(high)s.",
            low=format_number(SMALLEST_INTEGER),
            high=format_number(LARGEST_INTEGER),
        )
    ),
)


def _harden(field) -> None:
    """The input rules for one bound field, by its kind."""
    if isinstance(field, StringField) and not isinstance(field, PasswordField):
        field.filters = (strip, *(f for f in field.filters if f is not strip))
        field.validators = [
            RequiredText(v.message) if type(v) is InputRequired else v for v in field.validators
        ]
    elif isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
        field.validators = [*field.validators, in_calendar]
    elif isinstance(field, IntegerField) and not any(
        isinstance(v, NumberRange) for v in field.validators
    ):
        field.validators = [*field.validators, _FITS_DATABASE]


class PortalForm(FlaskForm):
    """The base of every form in the portal (see the module's docstring)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            _harden(field)
            return field


def email_field(label: str | None = None) -> EmailField:
    return EmailField(
        label or _l("Email"),
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def name_field(label: str | None = None) -> StringField:
    return StringField(
        label or _l("Name"),
        validators=[InputRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


def once_field() -> HiddenField:
    """A create form's one-time token (see `portal.once`): new each time the form is shown."""
    return HiddenField(
        default=lambda: secrets.token_urlsafe(24), validators=[Optional(), Length(max=64)]
    )


PASSWORD_LENGTH = Length(
    max=MAX_LENGTH, message=_l("Use at most %(num)s characters.", num=MAX_LENGTH)
)


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select or checkbox field."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (keyboard- and screen-reader-friendly)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def validate_timezone(form, field) -> None:
    if field.data and not clock.is_valid_timezone(field.data):
        raise ValidationError(_("Choose a time zone from the list."))


def zone_choices(*first: str, blank: str | None = None) -> dict[str, list[SelectChoice]]:
    """A time-zone picker's choices: suggested zones (and `blank`), then every region's.

    The program's zone always leads the suggestions; the page adds the
    browser's own zone to them (see `data-browser-zone` in portal.js).
    """
    labelled = {}
    for region, pairs in clock.timezone_groups(clock.program_tz().key, *first).items():
        choices = [(name, zone_label(name)) for name, _label in pairs]
        if region == "Suggested" and blank is not None:
            choices.insert(0, ("", blank))
        labelled[region_label(region)] = options(choices)
    return labelled


class LocalDateTimeField(DateTimeLocalField):
    """A wall-clock time in the time zone chosen in another field of the form.

    `aware` is the moment it names. A time the clocks skip in that zone is
    refused with the valid times; a time they pass twice asks which one is
    meant, with a choice (`<name>_fold`) rendered beside the field.
    """

    def __init__(self, label: str, *, zone_field: str = "timezone", **kwargs) -> None:
        super().__init__(label, format="%Y-%m-%dT%H:%M", **kwargs)
        self.zone_field = zone_field
        self.aware: datetime | None = None
        self.fold: int | None = None
        self.fold_choices: list[tuple[int, str]] = []

    @property
    def fold_time(self) -> str:
        """The repeated wall-clock time, as the reader writes a time."""
        return (
            format_time(self.data.replace(tzinfo=UTC), "UTC", with_zone=False) if self.data else ""
        )

    @property
    def fold_name(self) -> str:
        return f"{self.name}_fold"

    def process(self, formdata, data=None, extra_filters=None) -> None:
        super().process(formdata, data, extra_filters=extra_filters)
        if formdata is not None:
            self.fold = {"0": 0, "1": 1}.get(formdata.get(self.fold_name, ""))

    def show(self, moment: datetime, zone) -> None:
        """Fill the field with a stored moment, with its choice when the time is repeated."""
        local = clock.local(moment, zone)
        self.data, self.fold = local.replace(tzinfo=None, fold=0), local.fold
        try:
            clock.localize(self.data, zone)
        except clock.RepeatedTime as repeated:
            self.fold_choices = repeated.choices
        except clock.SkippedTime:
            pass

    def post_validate(self, form, validation_stopped: bool) -> None:
        zone_name = form[self.zone_field].data
        if validation_stopped or self.errors or self.data is None:
            return
        if not zone_name or not clock.is_valid_timezone(zone_name):
            return  # the zone's own field says what is wrong
        try:
            self.aware = clock.localize(self.data, clock.zone(zone_name), self.fold)
        except clock.RepeatedTime as repeated:
            self.fold_choices = repeated.choices
            raise ValidationError(str(repeated)) from None
        except clock.SkippedTime as skipped:
            raise ValidationError(str(skipped)) from None
