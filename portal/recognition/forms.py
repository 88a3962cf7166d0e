from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    accept = BooleanField(_l("I accept what this tier expects of me"))
    submit = SubmitField(_l("Join this tier"))


class StepDownForm(PortalForm):
    submit = SubmitField(_l("Step down"))


# --- staff forms -----------------------------------------------------------


class AwardForm(PortalForm):
    points = IntegerField(
        _l("Points"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(min=-MAX_POINTS, max=MAX_POINTS),
        ],
        description=_l("Use a negative number to correct a mistake."),
    )
    reason = StringField(
        _l("Reason"),
        validators=[InputRequired(_l("Say why: the advocate sees it.")), Length(max=200)],
    )
    # A fresh key per rendered form: a double submit awards once.
    key = HiddenField(validators=[InputRequired(), Length(max=64)])
    # Shown only when a correction would take the advocate below zero.
    below_zero = BooleanField(_l("Yes, take them below zero"))
    submit = SubmitField(_l("Add to the ledger"))

    def validate_points(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_("Zero points changes nothing."))


class ReverseForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])
    below_zero = BooleanField(_l("Yes, take them below zero"))
    submit = SubmitField(_l("Reverse"))


class TierForm(PortalForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=60)])
    threshold = IntegerField(
        _l("All-time points needed"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=10_000_000)],
    )
    benefits = TextAreaField(_l("Benefits"), validators=[Optional(), Length(max=2000)])
    commitment = TextAreaField(
        _l("What the tier expects of the advocate"),
        validators=[Optional(), Length(max=2000)],
    )
    invitation_only = BooleanField(_l("By invitation only"))
    featured = BooleanField(
        _l("Featured on the showcase"),
        description=_l("Advocates who hold this tier come first on the public showcase."),
    )
    submit = SubmitField(_l("Save tier"))


class BadgeForm(PortalForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=80)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=500)],
        description=_l("Shown on the badge page and in the Open Badges credential."),
    )
    rule_kind = RadioField(
        _l("Awarded for"), validators=[InputRequired(_l("Choose a kind of rule."))]
    )
    color = StringField(
        _l("Colour"),
        default="#4338ca",
        validators=[InputRequired(), Length(max=7)],
        render_kw={"type": "color"},
    )
    # Not "image": filled from the badge (obj=badge), that would be its stored bytes.
    upload = FileField(
        _l("Image (optional)"),
        validators=[FileAllowed(["png", "jpg", "jpeg"], _l("Upload a PNG or JPEG image."))],
        description=_l("PNG or JPEG up to 2 MB; without one, a medal in the colour is drawn."),
    )
    remove_image = BooleanField(_l("Use the drawn medal instead of the uploaded image"))
    active = BooleanField(_l("Active (awarded when earned)"), default=True)
    submit = SubmitField(_l("Save badge"))

    def __init__(self, *args, rules=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rule_kind.choices = options((rule.key, rule.label) for rule in rules)


class RevokeForm(PortalForm):
    reason = StringField(
        _l("Reason"), validators=[InputRequired(_l("Give a reason.")), Length(max=200)]
    )
    submit = SubmitField(_l("Revoke"))
