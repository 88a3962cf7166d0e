from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.advocates.models import Industry, Region, SizeBand
from portal.forms import CheckboxesField, PortalForm, once_field, options
from portal.references.models import (
    KIND_NOUNS,
    KIND_PLURALS,
    NEW_CONSENT_KINDS,
    DealOutcome,
    DeclineReason,
    ReferenceKind,
    Urgency,
)
from portal.references.rules import DEFAULT_POINTS, MAX_WEIGHT

# The largest deal or revenue a form takes (BIGINT holds far more; this is plenty).
MAX_AMOUNT = 10**12


class RequestForm(PortalForm):
    prospect = SelectField(
        _l("Prospect"),
        coerce=int,
        validate_choice=True,
        description=_l("A prospect company on file."),
    )
    prospect_name = StringField(
        _l("…or the prospect's name"),
        validators=[Optional(), Length(max=160)],
        description=_l("If it is not on file. A company on file with this name is used."),
    )
    competitors = CheckboxesField(
        _l("Competitors to avoid"),
        coerce=int,
        validate_choice=True,
        description=_l("Nobody working at these companies is proposed."),
    )
    industry = SelectField(
        _l("Industry"), choices=options(Industry.choices()), validators=[InputRequired()]
    )
    region = SelectField(
        _l("Region"), choices=options(Region.choices()), validators=[InputRequired()]
    )
    size_band = SelectField(
        _l("Company size"), choices=options(SizeBand.choices()), validators=[InputRequired()]
    )
    products = CheckboxesField(_l("Products of interest"), coerce=int, validate_choice=True)
    topics = CheckboxesField(_l("Topics"), coerce=int, validate_choice=True)
    kind = RadioField(
        _l("Kind of ask"),
        choices=options(ReferenceKind.choices()),
        default=ReferenceKind.REFERENCE_CALL.value,
        validators=[InputRequired()],
    )
    deal_size = IntegerField(
        _l("Deal size"),
        validators=[InputRequired(_l("Enter the deal size.")), NumberRange(min=0, max=MAX_AMOUNT)],
    )
    urgency = RadioField(
        _l("Urgency"),
        choices=options(Urgency.choices()),
        default=Urgency.NORMAL.value,
        validators=[InputRequired()],
    )
    needed_by = DateField(_l("Needed by"), validators=[InputRequired(_l("Enter a date."))])
    note = TextAreaField(
        _l("Note for the advocate"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "What the prospect wants to hear about (1,000 characters). The advocate reads it."
        ),
    )
    once = once_field()
    submit = SubmitField(_l("Find advocates"))

    def __init__(
        self, *args, prospects=(), accounts=(), products=(), topics=(), currency="USD", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.prospect.choices = options(
            [(0, _l("Not on file"))] + [(a.id, a.name) for a in prospects]
        )
        self.competitors.choices = options((a.id, a.name) for a in accounts)
        self.products.choices = options((p.id, p.name) for p in products)
        self.topics.choices = options((t.id, t.name) for t in topics)
        self.deal_size.label.text = _l("Deal size (%(currency)s)", currency=currency)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.prospect.data and not self.prospect_name.data:
            self.prospect_name.errors = [
                *self.prospect_name.errors,
                _("Choose the prospect from the list or type its name."),
            ]
            return False
        return valid


class AskForm(PortalForm):
    advocates = CheckboxesField(
        _l("Advocates to ask"),
        coerce=int,
        validate_choice=True,
        description=_l("Up to three at once."),
    )
    submit = SubmitField(_l("Ask"))

    def __init__(self, *args, candidates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.advocates.choices = options((c.advocate_id, c.name) for c in candidates)

    def validate_advocates(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one advocate."))
        if len(field.data) > 3:
            raise ValidationError(_("Ask at most three advocates at once."))


class CloseForm(PortalForm):
    cancel = SubmitField(_l("Cancel the request"))
    unfulfilled = SubmitField(_l("Close as unfulfilled"))


class OutcomeForm(PortalForm):
    call_held = RadioField(
        _l("Did it happen?"),
        choices=options([("yes", _l("Yes, it took place")), ("no", _l("No"))]),
        validators=[InputRequired(_l("Say whether it took place."))],
    )
    deal_outcome = RadioField(
        _l("The deal"), choices=options(DealOutcome.choices()), validators=[InputRequired()]
    )
    revenue_influenced = IntegerField(
        _l("Revenue influenced"),
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)],
        description=_l("Leave empty for none."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record the outcome"))

    def __init__(self, *args, currency="USD", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.revenue_influenced.label.text = _l(
            "Revenue influenced (%(currency)s)", currency=currency
        )


class AnswerForm(PortalForm):
    reason = SelectField(
        _l("Why not? (optional, only if you decline)"),
        choices=options(DeclineReason.choices()),
        default=DeclineReason.NOT_NOW.value,
        validators=[Optional()],
    )
    note = TextAreaField(_l("A note (optional)"), validators=[Optional(), Length(max=500)])
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class OfferForm(PortalForm):
    offer = SelectField(choices=options([("quiet", "quiet"), ("close_kind", "close_kind")]))
    token = StringField(validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Yes, change my settings"))


class OpenToForm(PortalForm):
    kinds = CheckboxesField(_l("I'm open to"))
    submit = SubmitField(_l("Save"))
    later = SubmitField(_l("None of these"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds.choices = options((kind.value, KIND_PLURALS[kind]) for kind in NEW_CONSENT_KINDS)


def _weight(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=MAX_WEIGHT)],
        description=_l("0 to %(most)s.", most=MAX_WEIGHT),
    )


class SettingsForm(PortalForm):
    fit = _weight(_l("Weight of fit"))
    readiness = _weight(_l("Weight of readiness"))
    fairness = _weight(_l("Weight of fairness"))
    cooldown_days = IntegerField(
        _l("Cool-down after a reference (days)"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=365)],
    )
    answer_days = IntegerField(
        _l("Days to answer an ask"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=1, max=30)],
    )
    currency = StringField(
        _l("Program currency (ISO 4217)"),
        validators=[InputRequired(), Length(min=3, max=3)],
        description=_l("Three letters, e.g. USD, EUR, GBP."),
    )
    submit = SubmitField(_l("Save settings"))


for _kind in ReferenceKind:
    setattr(
        SettingsForm,
        f"points_{_kind.value}",
        IntegerField(
            _l("Points per %(kind)s", kind=KIND_NOUNS[_kind]),
            validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=100_000)],
            default=DEFAULT_POINTS[_kind.value],
        ),
    )
