from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class OptInForm(FlaskForm):
    accept = BooleanField("I accept what this tier asks of me")
    submit = SubmitField("Join this tier")


class StepDownForm(FlaskForm):
    submit = SubmitField("Step down")
