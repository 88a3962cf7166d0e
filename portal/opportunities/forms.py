from __future__ import annotations

import json

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.advocates.models import Industry, Region
from portal.forms import (
    CheckboxesField,
    LocalDateTimeField,
    PortalForm,
    once_field,
    options,
    validate_timezone,
    zone_choices,
)
from portal.opportunities.models import ApprovalMode, OpportunityType
from portal.recognition.forms import MAX_POINTS


class ApplyForm(PortalForm):
    note = TextAreaField(
        "Note to the program team (optional)",
        validators=[Optional(), Length(max=1000)],
        description="Why this interests you, or anything the team should know (1,000 characters).",
    )
    submit = SubmitField("Apply")
    waitlist = SubmitField("Join the waitlist")


class WithdrawForm(PortalForm):
    submit = SubmitField("Withdraw")


class RespondForm(PortalForm):
    accept = SubmitField("Accept invitation")
    decline = SubmitField("Decline")


# --- staff forms -----------------------------------------------------------


class OpportunityForm(PortalForm):
    type = SelectField(
        "Type", choices=options(OpportunityType.choices()), validators=[InputRequired()]
    )
    title = StringField("Title", validators=[InputRequired(), Length(max=160)])
    summary = StringField(
        "One-line summary",
        validators=[Optional(), Length(max=300)],
        description="Shown in the list of opportunities.",
    )
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=20_000)],
        description="Markdown: **bold**, *italic*, lists and links.",
    )
    timezone = SelectField(
        "Time zone of the dates below", validators=[InputRequired(), validate_timezone]
    )
    starts_at = LocalDateTimeField("Starts", validators=[InputRequired("Enter a date and time.")])
    ends_at = LocalDateTimeField("Ends", validators=[InputRequired("Enter a date and time.")])
    application_deadline = LocalDateTimeField(
        "Application deadline", validators=[InputRequired("Enter a date and time.")]
    )
    is_online = BooleanField("Online")
    location = StringField(
        "Place",
        validators=[Optional(), Length(max=200)],
        description="A venue and city, or the platform for an online opportunity.",
    )
    seats = IntegerField(
        "Seats", validators=[InputRequired("Enter a number."), NumberRange(min=1, max=10_000)]
    )
    points = IntegerField(
        "Points for taking part",
        validators=[Optional(), NumberRange(min=0, max=MAX_POINTS)],
        description="Leave empty for the type's default.",
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
    topics = CheckboxesField(
        "Topics", coerce=int, description="What it is about; reference requests match on them."
    )
    once = once_field()
    submit = SubmitField("Save")

    def __init__(
        self, *args, tiers=(), products=(), topics=(), default_points=None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        if default_points:
            # The page shows the chosen type's default and follows changes of type.
            defaults = {kind.value: points for kind, points in default_points.items()}
            self.points.render_kw = {
                "placeholder": f"{defaults.get(self.type.data or self.type.choices[0].value, 0)}",
                "data-defaults": json.dumps(defaults),
                "data-follows": "type",
            }
        self.timezone.choices = zone_choices(self.timezone.data or "")
        self.timezone.render_kw = {"data-browser-zone": "suggest"}
        self.min_tier.choices = options([(0, "Any tier")] + [(t.id, t.name) for t in tiers])
        self.products.choices = options((p.id, p.name) for p in products)
        self.topics.choices = options((t.id, t.name) for t in topics)

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            raise ValidationError("The end must be after the start.")

    def validate_application_deadline(self, field) -> None:
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError("The deadline must be on or before the start.")


class StateForm(PortalForm):
    action = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        "Message to participants (optional)",
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Confirm")


class DecisionForm(PortalForm):
    message = TextAreaField(
        "Message to the advocate (optional)",
        validators=[Optional(), Length(max=1000)],
    )
    approve = SubmitField("Approve")
    waitlist = SubmitField("Waitlist")
    decline = SubmitField("Decline")


class BulkDecisionForm(DecisionForm):
    # Set by the confirmation page that a decline shows first.
    confirmed = HiddenField()


class MarkForm(PortalForm):
    completed = SubmitField("Completed")
    no_show = SubmitField("No-show")


class InviteForm(PortalForm):
    advocate_id = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        "Personal message (optional)",
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField("Invite")


class MessageForm(PortalForm):
    audience = RadioField(
        "To",
        choices=options([("confirmed", "Everyone confirmed"), ("waitlist", "The waitlist")]),
        default="confirmed",
        validators=[InputRequired()],
    )
    message = TextAreaField(
        "Message",
        validators=[InputRequired("Write the message."), Length(max=400)],
        description="Sent in the portal and by mail, as each advocate chose (400 characters).",
    )
    submit = SubmitField("Send")


class RecordForm(PortalForm):
    advocate_id = HiddenField(validators=[InputRequired()])
