from __future__ import annotations

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
from portal.references.models import DealOutcome, DeclineReason, ReferenceKind, Urgency
from portal.references.rules import DEFAULT_POINTS, MAX_WEIGHT

# The largest deal or revenue a form takes (BIGINT holds far more; this is plenty).
MAX_AMOUNT = 10**12


class RequestForm(PortalForm):
    prospect = SelectField(
        "Prospect", coerce=int, validate_choice=True, description="A prospect company on file."
    )
    prospect_name = StringField(
        "…or the prospect's name",
        validators=[Optional(), Length(max=160)],
        description="If it is not on file. A company on file with this name is used.",
    )
    competitors = CheckboxesField(
        "Competitors to avoid",
        coerce=int,
        validate_choice=True,
        description="Nobody working at these companies is proposed.",
    )
    industry = SelectField(
        "Industry", choices=options(Industry.choices()), validators=[InputRequired()]
    )
    region = SelectField("Region", choices=options(Region.choices()), validators=[InputRequired()])
    size_band = SelectField(
        "Company size", choices=options(SizeBand.choices()), validators=[InputRequired()]
    )
    products = CheckboxesField("Products of interest", coerce=int, validate_choice=True)
    topics = CheckboxesField("Topics", coerce=int, validate_choice=True)
    kind = RadioField(
        "Kind of ask",
        choices=options(ReferenceKind.choices()),
        default=ReferenceKind.REFERENCE_CALL.value,
        validators=[InputRequired()],
    )
    deal_size = IntegerField(
        "Deal size",
        validators=[InputRequired("Enter the deal size."), NumberRange(min=0, max=MAX_AMOUNT)],
    )
    urgency = RadioField(
        "Urgency",
        choices=options(Urgency.choices()),
        default=Urgency.NORMAL.value,
        validators=[InputRequired()],
    )
    needed_by = DateField("Needed by", validators=[InputRequired("Enter a date.")])
    note = TextAreaField(
        "Note for the advocate",
        validators=[Optional(), Length(max=1000)],
        description="What the prospect wants to hear about (1,000 characters). "
        "The advocate reads it.",
    )
    once = once_field()
    submit = SubmitField("Find advocates")

    def __init__(
        self, *args, prospects=(), accounts=(), products=(), topics=(), currency="USD", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.prospect.choices = options([(0, "Not on file")] + [(a.id, a.name) for a in prospects])
        self.competitors.choices = options((a.id, a.name) for a in accounts)
        self.products.choices = options((p.id, p.name) for p in products)
        self.topics.choices = options((t.id, t.name) for t in topics)
        self.deal_size.label.text = f"Deal size ({currency})"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.prospect.data and not self.prospect_name.data:
            self.prospect_name.errors = [
                *self.prospect_name.errors,
                "Choose the prospect from the list or type its name.",
            ]
            return False
        return valid


class AskForm(PortalForm):
    advocates = CheckboxesField(
        "Advocates to ask", coerce=int, validate_choice=True, description="Up to three at once."
    )
    submit = SubmitField("Ask")

    def __init__(self, *args, candidates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.advocates.choices = options((c.advocate_id, c.name) for c in candidates)

    def validate_advocates(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one advocate.")
        if len(field.data) > 3:
            raise ValidationError("Ask at most three advocates at once.")


class CloseForm(PortalForm):
    cancel = SubmitField("Cancel the request")
    unfulfilled = SubmitField("Close as unfulfilled")


class OutcomeForm(PortalForm):
    call_held = RadioField(
        "Did it happen?",
        choices=options([("yes", "Yes, it took place"), ("no", "No")]),
        validators=[InputRequired("Say whether it took place.")],
    )
    deal_outcome = RadioField(
        "The deal", choices=options(DealOutcome.choices()), validators=[InputRequired()]
    )
    revenue_influenced = IntegerField(
        "Revenue influenced",
        validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)],
        description="Leave empty for none.",
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Record the outcome")

    def __init__(self, *args, currency="USD", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.revenue_influenced.label.text = f"Revenue influenced ({currency})"


class AnswerForm(PortalForm):
    reason = SelectField(
        "Why not? (optional, only if you decline)",
        choices=options(DeclineReason.choices()),
        default=DeclineReason.NOT_NOW.value,
        validators=[Optional()],
    )
    note = TextAreaField("A note (optional)", validators=[Optional(), Length(max=500)])
    accept = SubmitField("Accept")
    decline = SubmitField("Decline")


class OfferForm(PortalForm):
    offer = SelectField(choices=options([("quiet", "quiet"), ("close_kind", "close_kind")]))
    token = StringField(validators=[Optional(), Length(max=500)])
    submit = SubmitField("Yes, change my settings")


class OpenToForm(PortalForm):
    kinds = CheckboxesField("I'm open to")
    submit = SubmitField("Save")
    later = SubmitField("None of these")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds.choices = options(
            (kind.value, f"{kind.label}s")
            for kind in (
                ReferenceKind.REFERENCE_CALL,
                ReferenceKind.SITE_VISIT,
                ReferenceKind.EMAIL_EXCHANGE,
            )
        )


def _weight(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=MAX_WEIGHT)],
        description=f"0 to {MAX_WEIGHT}.",
    )


class SettingsForm(PortalForm):
    fit = _weight("Weight of fit")
    readiness = _weight("Weight of readiness")
    fairness = _weight("Weight of fairness")
    cooldown_days = IntegerField(
        "Cool-down after a reference (days)",
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=365)],
    )
    answer_days = IntegerField(
        "Days to answer an ask",
        validators=[InputRequired("Enter a number."), NumberRange(min=1, max=30)],
    )
    currency = StringField(
        "Program currency (ISO 4217)",
        validators=[InputRequired(), Length(min=3, max=3)],
        description="Three letters, e.g. USD, EUR, GBP.",
    )
    submit = SubmitField("Save settings")


for _kind in ReferenceKind:
    setattr(
        SettingsForm,
        f"points_{_kind.value}",
        IntegerField(
            f"Points for a {_kind.label.lower()}",
            validators=[InputRequired("Enter a number."), NumberRange(min=0, max=100_000)],
            default=DEFAULT_POINTS[_kind.value],
        ),
    )
