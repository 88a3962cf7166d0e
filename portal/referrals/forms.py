from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm, email_field, name_field, once_field, options
from portal.referrals.models import ReferralStage

MAX_REVENUE = 1_000_000_000_000


class ReferralForm(PortalForm):
    name = name_field("Their name")
    email = email_field("Their email")
    company = StringField("Their company", validators=[InputRequired(), Length(max=160)])
    role = StringField("Their role", validators=[InputRequired(), Length(max=120)])
    why = TextAreaField(
        "Why they would benefit",
        validators=[InputRequired(), Length(max=2000)],
        description="What they struggle with, and how our products could help (2,000 characters).",
    )
    peer_agreed = BooleanField(
        "They agreed that the program team contacts them",
        validators=[DataRequired("Ask them first: we contact only people who agreed.")],
    )
    send_introduction = BooleanField(
        "Send them an introduction from the portal",
        description="We mail them a short note naming you and why you referred them. "
        "Otherwise our team writes to them directly.",
    )
    once = once_field()
    submit = SubmitField("Refer them")


class MoveForm(PortalForm):
    stage = SelectField("Move to", choices=options(ReferralStage.choices()))
    lost_reason = StringField(
        "Why it was lost", validators=[Optional(), Length(max=300)], description="Needed for Lost."
    )
    revenue = IntegerField(
        "Revenue won",
        validators=[Optional(), NumberRange(min=0, max=MAX_REVENUE)],
        description="Needed for Won: whole currency units, 0 when none yet.",
    )
    submit = SubmitField("Move")


class OwnerForm(PortalForm):
    owner = SelectField("Owner", coerce=int, validate_choice=True)
    submit = SubmitField("Assign")

    def __init__(self, *args, staff=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = options([(0, "Nobody yet")] + [(u.id, u.name) for u in staff])


class PointsForm(PortalForm):
    new = IntegerField("Referred", validators=[InputRequired(), NumberRange(min=0, max=100_000)])
    contacted = IntegerField(
        "Contacted", validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    qualified = IntegerField(
        "Qualified", validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    won = IntegerField("Won", validators=[InputRequired(), NumberRange(min=0, max=100_000)])
    submit = SubmitField("Save points")
