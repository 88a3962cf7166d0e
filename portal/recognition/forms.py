from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import PortalForm, options

MAX_POINTS = 100_000


class OptInForm(PortalForm):
    accept = BooleanField("I accept what this tier asks of me")
    submit = SubmitField("Join this tier")


class StepDownForm(PortalForm):
    submit = SubmitField("Step down")


# --- staff forms -----------------------------------------------------------


class AwardForm(PortalForm):
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
        validators=[InputRequired("Say why: the advocate sees it."), Length(max=200)],
    )
    # A fresh key per rendered form: a double submit awards once.
    key = HiddenField(validators=[InputRequired(), Length(max=64)])
    # Shown only when a correction would take the advocate below zero.
    below_zero = BooleanField("Yes, take them below zero")
    submit = SubmitField("Add to the ledger")

    def validate_points(self, field) -> None:
        if field.data == 0:
            raise ValidationError("Zero points changes nothing.")


class ReverseForm(PortalForm):
    reason = StringField("Reason", validators=[InputRequired(), Length(max=200)])
    below_zero = BooleanField("Yes, take them below zero")
    submit = SubmitField("Reverse")


class TierForm(PortalForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=60)])
    threshold = IntegerField(
        "All-time points needed",
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=10_000_000)],
    )
    benefits = TextAreaField("Benefits", validators=[Optional(), Length(max=2000)])
    commitment = TextAreaField(
        "What the tier asks of the advocate",
        validators=[Optional(), Length(max=2000)],
    )
    invitation_only = BooleanField("By invitation only")
    featured = BooleanField(
        "Featured on the showcase",
        description="Advocates who hold this tier come first on the public showcase.",
    )
    submit = SubmitField("Save tier")


class BadgeForm(PortalForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=80)])
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=500)],
        description="Shown on the badge page and in the Open Badges credential.",
    )
    rule_kind = RadioField("Awarded for", validators=[InputRequired("Choose a kind of rule.")])
    color = StringField(
        "Colour",
        default="#4338ca",
        validators=[InputRequired(), Length(max=7)],
        render_kw={"type": "color"},
    )
    # Not "image": filled from the badge (obj=badge), that would be its stored bytes.
    upload = FileField(
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


class RevokeForm(PortalForm):
    reason = StringField("Reason", validators=[InputRequired("Give a reason."), Length(max=200)])
    submit = SubmitField("Revoke")
