from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
    name = name_field(_l("Their name"))
    email = email_field(_l("Their email"))
    company = StringField(_l("Their company"), validators=[InputRequired(), Length(max=160)])
    role = StringField(_l("Their role"), validators=[InputRequired(), Length(max=120)])
    why = TextAreaField(
        _l("Why they would benefit"),
        validators=[InputRequired(), Length(max=2000)],
        description=_l(
            "What they struggle with, and how our products could help (2,000 characters)."
        ),
    )
    peer_agreed = BooleanField(
        _l("They agreed that the program team contacts them"),
        validators=[DataRequired(_l("Ask them first: we contact only people who agreed."))],
    )
    send_introduction = BooleanField(
        _l("Send them an introduction from the portal"),
        description=_l(
            "We mail them a short note naming you and why you referred them. "
            "Otherwise our team writes to them directly."
        ),
    )
    once = once_field()
    submit = SubmitField(_l("Refer them"))


class MoveForm(PortalForm):
    stage = SelectField(_l("Move to"), choices=options(ReferralStage.choices()))
    lost_reason = StringField(
        _l("Why it was lost"),
        validators=[Optional(), Length(max=300)],
        description=_l("Needed for Lost."),
    )
    revenue = IntegerField(
        _l("Revenue won"),
        validators=[Optional(), NumberRange(min=0, max=MAX_REVENUE)],
        description=_l("Needed for Won: whole currency units, 0 when none yet."),
    )
    submit = SubmitField(_l("Move"))


class OwnerForm(PortalForm):
    owner = SelectField(_l("Owner"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Assign"))

    def __init__(self, *args, staff=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = options([(0, _l("Nobody yet"))] + [(u.id, u.name) for u in staff])


class PointsForm(PortalForm):
    new = IntegerField(
        _l("Referred"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    contacted = IntegerField(
        _l("Contacted"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    qualified = IntegerField(
        _l("Qualified"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    won = IntegerField(_l("Won"), validators=[InputRequired(), NumberRange(min=0, max=100_000)])
    submit = SubmitField(_l("Save points"))
