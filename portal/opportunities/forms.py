from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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

from portal import clock
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
        _l("Note to the program team (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "Why this interests you, or anything the team should know (1,000 characters)."
        ),
    )
    submit = SubmitField(_l("Apply"))
    waitlist = SubmitField(_l("Join the waitlist"))


class WithdrawForm(PortalForm):
    submit = SubmitField(_l("Withdraw"))


class RespondForm(PortalForm):
    accept = SubmitField(_l("Accept invitation"))
    decline = SubmitField(_l("Decline"))


# --- staff forms -----------------------------------------------------------


class OpportunityForm(PortalForm):
    type = SelectField(
        _l("Type"), choices=options(OpportunityType.choices()), validators=[InputRequired()]
    )
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=160)])
    summary = StringField(
        _l("One-line summary"),
        validators=[Optional(), Length(max=300)],
        description=_l("Shown in the list of opportunities."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
    timezone = SelectField(
        _l("Time zone of the dates below"), validators=[InputRequired(), validate_timezone]
    )
    starts_at = LocalDateTimeField(
        _l("Starts"), validators=[InputRequired(_l("Enter a date and time."))]
    )
    ends_at = LocalDateTimeField(
        _l("Ends"), validators=[InputRequired(_l("Enter a date and time."))]
    )
    application_deadline = LocalDateTimeField(
        _l("Application deadline"), validators=[InputRequired(_l("Enter a date and time."))]
    )
    is_online = BooleanField(_l("Online"))
    location = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=200)],
        description=_l("A venue and city, or the platform for an online opportunity."),
    )
    seats = IntegerField(
        _l("Seats"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=1, max=10_000)],
    )
    points = IntegerField(
        _l("Points for taking part"),
        validators=[Optional(), NumberRange(min=0, max=MAX_POINTS)],
        description=_l("Leave empty for the type's default."),
    )
    approval_mode = RadioField(
        _l("Approval"), choices=options(ApprovalMode.choices()), default=ApprovalMode.REVIEW.value
    )
    min_tier = SelectField(_l("Minimum tier"), coerce=int, validate_choice=True)
    industries = CheckboxesField(
        _l("Only for these industries"),
        choices=options(Industry.choices()),
        description=_l("None means all."),
    )
    regions = CheckboxesField(
        _l("Only for these regions"),
        choices=options(Region.choices()),
        description=_l("None means all."),
    )
    products = CheckboxesField(
        _l("Only for users of these products"), coerce=int, description=_l("None means all.")
    )
    topics = CheckboxesField(
        _l("Topics"),
        coerce=int,
        description=_l("What it is about; reference requests match on them."),
    )
    once = once_field()
    submit = SubmitField(_l("Save"))

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
        self.min_tier.choices = options([(0, _("Any tier"))] + [(t.id, t.name) for t in tiers])
        self.products.choices = options((p.id, p.name) for p in products)
        self.topics.choices = options((t.id, t.name) for t in topics)

    def fill_from(self, opportunity) -> None:
        """Show a stored opportunity in the form, its times in its own zone."""
        zone = clock.zone(opportunity.timezone)
        self.type.data = opportunity.type.value
        self.title.data = opportunity.title
        self.summary.data = opportunity.summary
        self.description.data = opportunity.description
        self.timezone.data = opportunity.timezone
        self.starts_at.show(opportunity.starts_at, zone)
        self.ends_at.show(opportunity.ends_at, zone)
        self.application_deadline.show(opportunity.application_deadline, zone)
        self.is_online.data = opportunity.is_online
        self.location.data = opportunity.location
        self.seats.data = opportunity.seats
        self.points.data = opportunity.points
        self.approval_mode.data = opportunity.approval_mode.value
        self.min_tier.data = opportunity.min_tier_id or 0
        self.industries.data = opportunity.industries
        self.regions.data = opportunity.regions
        self.products.data = [p.id for p in opportunity.products]
        self.topics.data = [t.id for t in opportunity.topics]

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            raise ValidationError(_("The end must be after the start."))

    def validate_application_deadline(self, field) -> None:
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError(_("The deadline must be on or before the start."))


class StateForm(PortalForm):
    action = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        _l("Message to participants (optional)"),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField(_l("Confirm"))


class DecisionForm(PortalForm):
    message = TextAreaField(
        _l("Message to the advocate (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    approve = SubmitField(_l("Approve"))
    waitlist = SubmitField(_l("Waitlist"))
    decline = SubmitField(_l("Decline"))


class BulkDecisionForm(DecisionForm):
    # Set by the confirmation page that a decline shows first.
    confirmed = HiddenField()


class MarkForm(PortalForm):
    completed = SubmitField(_l("Completed"))
    no_show = SubmitField(_l("No-show"))


class InviteForm(PortalForm):
    advocate_id = HiddenField(validators=[InputRequired()])
    message = TextAreaField(
        _l("Personal message (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField(_l("Invite"))


class MessageForm(PortalForm):
    audience = RadioField(
        _l("To"),
        choices=options(
            [("confirmed", _l("Everyone confirmed")), ("waitlist", _l("The waitlist"))]
        ),
        default="confirmed",
        validators=[InputRequired()],
    )
    message = TextAreaField(
        _l("Message"),
        validators=[InputRequired(_l("Write the message.")), Length(max=400)],
        description=_l("Sent in the portal and by mail, as each advocate chose (400 characters)."),
    )
    submit = SubmitField(_l("Send"))


class RecordForm(PortalForm):
    advocate_id = HiddenField(validators=[InputRequired()])
