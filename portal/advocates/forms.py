from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.advocates import topics
from portal.advocates.models import (
    AccountKind,
    ConsentAsset,
    ConsentChannel,
    Industry,
    Region,
    SizeBand,
)
from portal.forms import (
    CheckboxesField,
    PortalForm,
    email_field,
    name_field,
    once_field,
    options,
    validate_timezone,
    zone_choices,
)

_LINKEDIN = re.compile(r"https://www\.linkedin\.com/[A-Za-z0-9\-_.~%/?=&+]+")


def validate_linkedin(form, field) -> None:
    if field.data and not _LINKEDIN.fullmatch(field.data):
        raise ValidationError(
            _("Enter the address of your LinkedIn page, starting with https://www.linkedin.com/.")
        )


_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class ProfileForm(PortalForm):
    name = name_field()
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    bio = TextAreaField(
        _l("Short bio"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "A few sentences about you and how you use our products (1,000 characters)."
        ),
    )
    products = CheckboxesField(_l("Products I use"), coerce=int, validate_choice=True)
    open_types = CheckboxesField(
        _l("I'm open to being asked about"),
        description=_l("Staff only invite you to these kinds of opportunities."),
    )
    max_asks_per_quarter = IntegerField(
        _l("Most asks per quarter"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(min=0, max=20)],
        description=_l("How many times staff may reach out to you each quarter (0 to 20)."),
    )
    quiet_until = DateField(
        _l("Quiet period until"),
        validators=[Optional()],
        description=_l("Nobody asks you anything until this date (leave empty for none)."),
    )
    show_on_leaderboard = BooleanField(
        _l("Show me on leaderboards"),
        description=_l("Other signed-in advocates see your name, company and points."),
    )
    quote = TextAreaField(
        _l("A sentence we may quote"),
        validators=[Optional(), Length(max=300)],
        description=_l(
            "What you would say about our products in one or two sentences "
            "(300 characters). Used only where you allow quotes."
        ),
    )
    linkedin_url = StringField(
        _l("LinkedIn profile"),
        validators=[Optional(), Length(max=200), validate_linkedin],
        description=_l(
            "For example https://www.linkedin.com/in/your-name. Shown on your public "
            "profile only if you allow your name and title there."
        ),
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    timezone = SelectField(
        _l("My time zone"),
        validators=[Optional(), validate_timezone],
        description=_l("Times are shown in the program's time zone unless you choose one."),
    )
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, products=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products.choices = options((p.id, p.name) for p in products)
        self.open_types.choices = options(topics.choices())
        self.timezone.choices = zone_choices(
            self.timezone.data or "", blank=_("The program's time zone")
        )
        self.timezone.render_kw = {"data-browser-zone": "suggest"}


def _with_unknown(enum_class) -> list:
    return options((member.value, member.label) for member in enum_class)


def _or_unknown(enum_class) -> list:
    return options([("unknown", _l("I don't know"))] + enum_class.choices())


class OwnMoveForm(PortalForm):
    company = StringField(
        _l("New company"),
        validators=[InputRequired(), Length(max=160)],
        description=_l("Its name as people know it."),
    )
    title = StringField(_l("New job title"), validators=[InputRequired(), Length(max=120)])
    started_on = DateField(_l("Started on"), validators=[InputRequired(_l("Enter a date."))])
    industry = SelectField(_l("Its industry"), choices=_or_unknown(Industry), default="unknown")
    region = SelectField(_l("Its region"), choices=_or_unknown(Region), default="unknown")
    size_band = SelectField(_l("Its size"), choices=_or_unknown(SizeBand), default="unknown")
    submit = SubmitField(_l("Record my new job"))


class PhotoForm(PortalForm):
    photo = FileField(
        _l("Profile photo"),
        validators=[
            FileRequired(_l("Choose a photo to upload.")),
            FileAllowed(["png", "jpg", "jpeg"], _l("Upload a PNG or JPEG image.")),
        ],
        description=_l("A PNG or JPEG of at most 2 MB; shown where you allow your photo."),
    )
    submit = SubmitField(_l("Upload photo"))


class WelcomeForm(ProfileForm):
    public_profile = BooleanField(
        _l("Show me on the public showcase"),
        description=_l(
            "Anyone can see your name and title, photo, tier, badges and published "
            "stories there. Later, choose each use of your name and work on its own under "
            "Profile → How we may use your name."
        ),
    )
    submit = SubmitField(_l("Join the program"))


class ConsentForm(PortalForm):
    """The consent grid: a checkbox and an optional end date per asset and channel.

    Fields are named `granted-<asset>-<channel>` and `until-<asset>-<channel>`.
    """

    submit = SubmitField(_l("Save my choices"))

    def switches(self) -> dict:
        from portal.advocates.permissions import Switch

        return {
            (asset, channel): Switch(
                bool(self[f"granted-{asset.value}-{channel.value}"].data),
                self[f"until-{asset.value}-{channel.value}"].data,
            )
            for asset, channel in _consent_pairs()
        }


def _consent_pairs():
    return [(asset, channel) for asset in ConsentAsset for channel in ConsentChannel]


for _asset, _channel in _consent_pairs():
    setattr(
        ConsentForm,
        f"granted-{_asset.value}-{_channel.value}",
        BooleanField(_channel.label),
    )
    setattr(
        ConsentForm,
        f"until-{_asset.value}-{_channel.value}",
        DateField(
            _l("%(asset)s on %(channel)s until", asset=_asset.label, channel=_channel.in_sentence),
            validators=[Optional()],
        ),
    )


# --- staff forms -----------------------------------------------------------


def company_choices(accounts) -> list:
    return options([(0, _l("Choose a company"))] + [(a.id, a.name) for a in accounts])


class AddAdvocateForm(PortalForm):
    name = name_field()
    email = email_field()
    account = SelectField(_l("Company"), coerce=int, validate_choice=True)
    title = StringField(_l("Job title"), validators=[InputRequired(), Length(max=120)])
    submit = SubmitField(_l("Add advocate"))

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account.choices = company_choices(accounts)

    def validate_account(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Choose a company."))


class MoveForm(PortalForm):
    account = SelectField(_l("New company"), coerce=int, validate_choice=True)
    title = StringField(_l("New job title"), validators=[InputRequired(), Length(max=120)])
    started_on = DateField(_l("Started on"), validators=[InputRequired(_l("Enter a date."))])
    submit = SubmitField(_l("Record the move"))

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account.choices = company_choices(accounts)

    def validate_account(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Choose a company."))


class AccountForm(PortalForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=160)])
    kind = RadioField(
        _l("Relationship"),
        choices=options(AccountKind.choices()),
        default=AccountKind.CUSTOMER.value,
        validators=[InputRequired()],
    )
    # Staff see "Not known yet" for what an advocate could not tell, until they complete it.
    industry = SelectField(
        _l("Industry"), choices=_with_unknown(Industry), validators=[InputRequired()]
    )
    region = SelectField(_l("Region"), choices=_with_unknown(Region), validators=[InputRequired()])
    size_band = SelectField(
        _l("Size"), choices=_with_unknown(SizeBand), validators=[InputRequired()]
    )
    owner = SelectField(_l("Account owner"), coerce=int, validate_choice=True)
    crm_id = StringField(
        _l("CRM id"), validators=[Optional(), Length(max=64)], description=_l("Optional.")
    )
    domains = StringField(
        _l("Email domains"),
        validators=[Optional(), Length(max=500)],
        description=_l(
            "Comma-separated, e.g. acme.com, acme.co.uk. People with these addresses "
            "may join when registration is open to customer domains."
        ),
    )
    submit = SubmitField(_l("Save company"))

    def domain_list(self) -> list[str]:
        return [
            d.strip().lower().lstrip("@") for d in (self.domains.data or "").split(",") if d.strip()
        ]

    def validate_domains(self, field) -> None:
        for domain in self.domain_list():
            if not _DOMAIN.fullmatch(domain):
                raise ValidationError(_("“%(domain)s” is not a domain name.", domain=domain))

    def __init__(self, *args, owners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = options([(0, _("Nobody yet"))] + [(u.id, u.name) for u in owners])


class ProductForm(PortalForm):
    name = StringField(_l("Product name"), validators=[InputRequired(), Length(max=80)])
    submit = SubmitField(_l("Add product"))


class TopicForm(PortalForm):
    name = StringField(_l("Topic"), validators=[InputRequired(), Length(max=80)])
    submit = SubmitField(_l("Add topic"))


class NoteForm(PortalForm):
    body = TextAreaField(
        _l("Note (seen only by the program team)"),
        validators=[InputRequired(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    once = once_field()
    submit = SubmitField(_l("Add the note"))
