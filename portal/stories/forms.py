from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import strip


class StoryForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[InputRequired(), Length(max=160)])
    body = TextAreaField(
        "Your story",
        filters=[strip],
        validators=[InputRequired(), Length(max=5000)],
        description="What problem you had, what you did with our product, what changed. "
        "Markdown works. A manager reviews it before it is public.",
    )
    submit = SubmitField("Submit for review")


class StoryDecisionForm(FlaskForm):
    note = TextAreaField(
        "Note to the advocate (optional)", filters=[strip], validators=[Optional(), Length(max=500)]
    )
    approve = SubmitField("Publish")
    reject = SubmitField("Don't publish")
