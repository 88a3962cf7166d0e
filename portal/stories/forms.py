from __future__ import annotations

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import CheckboxesField, PortalForm, once_field, options


class StoryForm(PortalForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=160)])
    body = TextAreaField(
        "Your story",
        validators=[InputRequired(), Length(max=5000)],
        description="What problem you had, what you did with our product, what changed. "
        "Markdown works. A manager reviews it before it is public.",
    )
    topic_ids = CheckboxesField(
        "Topics", coerce=int, validate_choice=True, description="What your story is about."
    )
    once = once_field()
    submit = SubmitField("Submit for review")

    def __init__(self, *args, topics=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topic_ids.choices = options((t.id, t.name) for t in topics)


class StoryDecisionForm(PortalForm):
    note = TextAreaField(
        "Note to the advocate (optional)", validators=[Optional(), Length(max=500)]
    )
    approve = SubmitField("Publish")
    reject = SubmitField("Don't publish")
