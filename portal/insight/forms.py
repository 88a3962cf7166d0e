"""The program page's period picker and the qualified-advocate rule."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.forms import CheckboxesField, PortalForm, options
from portal.insight import periods


class PeriodForm(PortalForm):
    """Read from the query string (a GET form: bookmarkable, no CSRF token)."""

    class Meta:
        csrf = False

    period = SelectField(
        "Period", choices=options(periods.KINDS.items()), default=periods.DEFAULT_KIND
    )
    first = DateField("From", validators=[Optional()])
    last = DateField("To", validators=[Optional()])
    submit = SubmitField("Show")


class RuleForm(PortalForm):
    days = IntegerField(
        "Window (days)",
        validators=[
            InputRequired(),
            NumberRange(min=1, max=3650, message="Enter 1 to 3,650 days."),
        ],
    )
    kinds = CheckboxesField("Counts as qualifying", validators=[InputRequired()])
    submit = SubmitField("Save the rule")
