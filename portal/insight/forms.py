"""The program page's period picker and the qualified-advocate rule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import DateField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.forms import CheckboxesField, PortalForm, options
from portal.insight import periods


class PeriodForm(PortalForm):
    """Read from the query string (a GET form: bookmarkable, no CSRF token)."""

    class Meta:
        csrf = False

    period = SelectField(
        _l("Period"), choices=options(periods.KINDS.items()), default=periods.DEFAULT_KIND
    )
    first = DateField(lazy_pgettext("start of a range of days", "From"), validators=[Optional()])
    last = DateField(lazy_pgettext("end of a range of days", "To"), validators=[Optional()])
    submit = SubmitField(_l("Show"))


class RuleForm(PortalForm):
    days = IntegerField(
        _l("Window (days)"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=3650, message=_l("Enter 1 to 3,650 days.")),
        ],
    )
    kinds = CheckboxesField(_l("Counts as qualifying"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the rule"))
