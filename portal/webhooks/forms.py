from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import CheckboxesField, PortalForm, once_field, options
from portal.webhooks.events import EVENT_TYPES


class EndpointForm(PortalForm):
    url = StringField(
        _l("Address"),
        validators=[InputRequired(), Length(max=500)],
        description=_l(
            "Where events are POSTed, e.g. %(example)s.",
            example="https://crm.example.com/hooks/advocates",
        ),
        render_kw={"inputmode": "url"},
    )
    description = StringField(
        _l("Description (optional)"), validators=[Optional(), Length(max=200)]
    )
    event_types = CheckboxesField(
        _l("Events"), validators=[InputRequired(_l("Choose at least one event."))]
    )
    once = once_field()
    submit = SubmitField(_l("Add endpoint"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event_types.choices = options(
            (name, _("%(code)s — %(description)s", code=name, description=text))
            for name, text in EVENT_TYPES.items()
        )
