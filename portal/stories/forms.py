from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import CheckboxesField, PortalForm, once_field, options


class StoryForm(PortalForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=160)])
    body = TextAreaField(
        _l("Your story"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l(
            "What problem you had, what you did with our product, what changed. "
            "Markdown works. A manager reviews it before it is public."
        ),
    )
    topic_ids = CheckboxesField(
        _l("Topics"), coerce=int, validate_choice=True, description=_l("What your story is about.")
    )
    once = once_field()
    submit = SubmitField(_l("Submit for review"))

    def __init__(self, *args, topics=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topic_ids.choices = options((t.id, t.name) for t in topics)


class StoryDecisionForm(PortalForm):
    note = TextAreaField(
        _l("Note to the advocate (optional)"), validators=[Optional(), Length(max=500)]
    )
    approve = SubmitField(_l("Publish"))
    reject = SubmitField(_l("Don't publish"))
