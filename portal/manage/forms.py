from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal import clock
from portal.advocates.forms import CheckboxesField, validate_timezone
from portal.advocates.models import Industry, Region, SizeBand
from portal.forms import email_field, name_field, options, strip
from portal.opportunities.models import ApprovalMode, OpportunityType

MAX_POINTS = 100_000
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class OpportunityForm(FlaskForm):
    type = SelectField(
        "Type", choices=options(OpportunityType.choices()), validators=[InputRequired()]
    )
    title = StringField("Title", filters=[strip], validators=[InputRequired(), Length(max=160)])
    summary = StringField(
        "One-line summary",
        filters=[strip],
        validators=[Optional(), Length(max=300)],
        description="Shown in the list of opportunities.",
    )
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[Optional(), Length(max=20_000)],
        description="Markdown: **bold**, *italic*, lists and links.",
    )
    timezone = SelectField(
        "Time zone of the dates below", validators=[InputRequired(), validate_timezone]
    )
    starts_at = DateTimeLocalField(
        "Starts", format="%Y-%m-%dT%H:%M", validators=[InputRequired("Enter a date and time.")]
    )
    ends_at = DateTimeLocalField(
        "Ends", format="%Y-%m-%dT%H:%M", validators=[InputRequired("Enter a date and time.")]
    )
    application_deadline = DateTimeLocalField(
        "Application deadline",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter a date and time.")],
    )
    is_online = BooleanField("Online")
    location = StringField(
        "Place",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        description="A venue and city, or the platform for an online opportunity.",
    )
    seats = IntegerField(
        "Seats", validators=[InputRequired("Enter a number."), NumberRange(min=1, max=10_000)]
    )
    points = IntegerField(
        "Points for taking part",
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=MAX_POINTS)],
    )
    approval_mode = RadioField(
        "Approval", choices=options(ApprovalMode.choices()), default=ApprovalMode.REVIEW.value
    )
    min_tier = SelectField("Minimum tier", coerce=int, validate_choice=True)
    industries = CheckboxesField(
        "Only for these industries",
        choices=options(Industry.choices()),
        description="None means all.",
    )
    regions = CheckboxesField(
        "Only for these regions", choices=options(Region.choices()), description="None means all."
    )
    products = CheckboxesField(
        "Only for users of these products", coerce=int, description="None means all."
    )
    submit = SubmitField("Save")

    def __init__(self, *args, tiers=(), products=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = options((n, n.replace("_", " ")) for n in clock.timezone_choices())
        self.min_tier.choices = options([(0, "Any tier")] + [(t.id, t.name) for t in tiers])
        self.products.choices = options((p.id, p.name) for p in products)

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            raise ValidationError("The end must be after the start.")

    def validate_application_deadline(self, field) -> None:
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError("The deadline must be on or before the start.")


class StateForm(FlaskForm):
    action = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        "Message to participants (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Confirm")


class DecisionForm(FlaskForm):
    message = TextAreaField(
        "Message to the advocate (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
    )
    approve = SubmitField("Approve")
    waitlist = SubmitField("Waitlist")
    decline = SubmitField("Decline")


class MarkForm(FlaskForm):
    completed = SubmitField("Completed")
    no_show = SubmitField("No-show")


class InviteForm(FlaskForm):
    advocate_id = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        "Personal message (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Invite")


def company_choices(accounts) -> list:
    return options([(0, "Choose a company")] + [(a.id, a.name) for a in accounts])


class AddAdvocateForm(FlaskForm):
    name = name_field()
    email = email_field()
    account = SelectField("Company", coerce=int, validate_choice=True)
    title = StringField("Job title", filters=[strip], validators=[InputRequired(), Length(max=120)])
    submit = SubmitField("Add advocate")

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account.choices = options(
            [(0, "Choose a company")] + [(a.id, a.name) for a in accounts]
        )

    def validate_account(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose a company.")


class AwardForm(FlaskForm):
    points = IntegerField(
        "Points",
        validators=[
            InputRequired("Enter a number."),
            NumberRange(min=-MAX_POINTS, max=MAX_POINTS),
        ],
        description="Use a negative number to correct a mistake.",
    )
    reason = StringField(
        "Reason",
        filters=[strip],
        validators=[InputRequired("Say why: the advocate sees it."), Length(max=200)],
    )
    # A fresh key per rendered form: a double submit awards once.
    key = HiddenField(validators=[InputRequired(), Length(max=64)])
    submit = SubmitField("Add to the ledger")

    def validate_points(self, field) -> None:
        if field.data == 0:
            raise ValidationError("Zero points changes nothing.")


class ReverseForm(FlaskForm):
    reason = StringField("Reason", filters=[strip], validators=[InputRequired(), Length(max=200)])
    submit = SubmitField("Reverse")


class MoveForm(FlaskForm):
    account = SelectField("New company", coerce=int, validate_choice=True)
    title = StringField(
        "New job title", filters=[strip], validators=[InputRequired(), Length(max=120)]
    )
    started_on = DateField("Started on", validators=[InputRequired("Enter a date.")])
    submit = SubmitField("Record the move")

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account.choices = options(
            [(0, "Choose a company")] + [(a.id, a.name) for a in accounts]
        )

    def validate_account(self, field) -> None:
        if not field.data:
            raise ValidationError("Choose a company.")


class AccountForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired(), Length(max=160)])
    industry = SelectField(
        "Industry", choices=options(Industry.choices()), validators=[InputRequired()]
    )
    region = SelectField("Region", choices=options(Region.choices()), validators=[InputRequired()])
    size_band = SelectField(
        "Size", choices=options(SizeBand.choices()), validators=[InputRequired()]
    )
    owner = SelectField("Account owner", coerce=int, validate_choice=True)
    crm_id = StringField(
        "CRM id", filters=[strip], validators=[Optional(), Length(max=64)], description="Optional."
    )
    domains = StringField(
        "Email domains",
        filters=[strip],
        validators=[Optional(), Length(max=500)],
        description="Comma-separated, e.g. acme.com, acme.co.uk. People with these addresses "
        "may join when registration is open to customer domains.",
    )
    submit = SubmitField("Save company")

    def domain_list(self) -> list[str]:
        return [
            d.strip().lower().lstrip("@") for d in (self.domains.data or "").split(",") if d.strip()
        ]

    def validate_domains(self, field) -> None:
        for domain in self.domain_list():
            if not _DOMAIN.fullmatch(domain):
                raise ValidationError(f"“{domain}” is not a domain name.")

    def __init__(self, *args, owners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = options([(0, "Nobody yet")] + [(u.id, u.name) for u in owners])


class TierForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired(), Length(max=60)])
    threshold = IntegerField(
        "All-time points needed",
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=10_000_000)],
    )
    benefits = TextAreaField("Benefits", filters=[strip], validators=[Optional(), Length(max=2000)])
    commitment = TextAreaField(
        "What the tier asks of the advocate",
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    invitation_only = BooleanField("By invitation only")
    submit = SubmitField("Save tier")


class ProductForm(FlaskForm):
    name = StringField(
        "Product name", filters=[strip], validators=[InputRequired(), Length(max=80)]
    )
    submit = SubmitField("Add product")


class BadgeForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired(), Length(max=80)])
    description = TextAreaField(
        "Description",
        filters=[strip],
        validators=[Optional(), Length(max=500)],
        description="Shown on the badge page and in the Open Badges credential.",
    )
    rule_kind = RadioField("Awarded for", validators=[InputRequired("Choose a kind of rule.")])
    color = StringField(
        "Colour",
        filters=[strip],
        default="#4338ca",
        validators=[InputRequired(), Length(max=7)],
        render_kw={"type": "color"},
    )
    image = FileField(
        "Image (optional)",
        validators=[FileAllowed(["png", "jpg", "jpeg"], "Upload a PNG or JPEG image.")],
        description="PNG or JPEG up to 2 MB; without one, a medal in the colour is drawn.",
    )
    remove_image = BooleanField("Use the drawn medal instead of the uploaded image")
    active = BooleanField("Active (awarded when earned)", default=True)
    submit = SubmitField("Save badge")

    def __init__(self, *args, rules=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rule_kind.choices = options((rule.key, rule.label) for rule in rules)


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason", filters=[strip], validators=[InputRequired("Give a reason."), Length(max=200)]
    )
    submit = SubmitField("Revoke")


class StoryDecisionForm(FlaskForm):
    note = TextAreaField(
        "Note to the advocate (optional)", filters=[strip], validators=[Optional(), Length(max=500)]
    )
    approve = SubmitField("Publish")
    reject = SubmitField("Don't publish")
