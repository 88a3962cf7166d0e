from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.forms import strip


class ApplyForm(FlaskForm):
    note = TextAreaField(
        "Note to the program team (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
        description="Why this interests you, or anything the team should know (1,000 characters).",
    )
    submit = SubmitField("Apply")
    waitlist = SubmitField("Join the waitlist")


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw")


class RespondForm(FlaskForm):
    accept = SubmitField("Accept invitation")
    decline = SubmitField("Decline")
