from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.forms import name_field, options, strip
from portal.opportunities.models import OpportunityType


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (keyboard- and screen-reader-friendly)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def validate_timezone(form, field) -> None:
    if field.data and not clock.is_valid_timezone(field.data):
        raise ValidationError("Choose a time zone from the list.")


class ProfileForm(FlaskForm):
    name = name_field()
    title = StringField("Job title", filters=[strip], validators=[Optional(), Length(max=120)])
    bio = TextAreaField(
        "Short bio",
        filters=[strip],
        validators=[Optional(), Length(max=1000)],
        description="A few sentences about you and how you use our products (1,000 characters).",
    )
    products = CheckboxesField("Products I use", coerce=int, validate_choice=True)
    open_types = CheckboxesField(
        "I'm open to being asked about",
        choices=options(OpportunityType.choices()),
        description="Staff only invite you to these kinds of opportunities.",
    )
    max_asks_per_quarter = IntegerField(
        "Most asks per quarter",
        validators=[InputRequired("Enter a number."), NumberRange(min=0, max=20)],
        description="How many times staff may reach out to you each quarter (0 to 20).",
    )
    quiet_until = DateField(
        "Quiet period until",
        validators=[Optional()],
        description="Nobody asks you anything until this date (leave empty for none).",
    )
    show_on_leaderboard = BooleanField(
        "Show me on leaderboards",
        description="Other signed-in advocates see your name, company and points.",
    )
    public_profile = BooleanField(
        "Make my profile public",
        description="Anyone can see your name, company, bio, tier and badges on the showcase.",
    )
    timezone = SelectField(
        "My time zone",
        validators=[Optional(), validate_timezone],
        description="Times are shown in the program's time zone unless you choose one.",
    )
    submit = SubmitField("Save profile")

    def __init__(self, *args, products=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products.choices = options((p.id, p.name) for p in products)
        self.timezone.choices = options(
            [("", "The program's time zone")]
            + [(name, name.replace("_", " ")) for name in clock.timezone_choices()]
        )


class WelcomeForm(ProfileForm):
    submit = SubmitField("Join the program")


class StoryForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[InputRequired(), Length(max=160)])
    body = TextAreaField(
        "Your story",
        filters=[strip],
        validators=[InputRequired(), Length(max=5000)],
        description="What problem you had, what you did with our product, what changed. "
        "Markdown works. A manager reviews it before it is public.",
    )
    submit = SubmitField("Submit for review")
