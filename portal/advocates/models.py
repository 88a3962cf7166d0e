"""Customer companies, advocates' employment history, profiles, consent and asks."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class _MayBeUnknown(LabeledEnum):
    """An account's trait that an advocate may not know: "unknown" until staff complete it."""

    @classmethod
    def known(cls) -> list:
        return [member for member in cls if member.value != "unknown"]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls.known()]


class Industry(_MayBeUnknown):
    FINANCIAL_SERVICES = "financial_services", _l("Financial services")
    HEALTHCARE = "healthcare", _l("Healthcare & life sciences")
    RETAIL = "retail", _l("Retail & e-commerce")
    MANUFACTURING = "manufacturing", _l("Manufacturing")
    PUBLIC_SECTOR = "public_sector", _l("Public sector")
    EDUCATION = "education", _l("Education")
    TECHNOLOGY = "technology", _l("Technology & software")
    MEDIA = "media", _l("Media & entertainment")
    ENERGY = "energy", _l("Energy & utilities")
    TELECOM = "telecom", _l("Telecommunications")
    LOGISTICS = "logistics", _l("Transportation & logistics")
    PROFESSIONAL_SERVICES = "professional_services", _l("Professional services")
    UNKNOWN = "unknown", _l("Not known yet")


class Region(_MayBeUnknown):
    NORTH_AMERICA = "north_america", _l("North America")
    LATIN_AMERICA = "latin_america", _l("Latin America")
    EUROPE = "europe", _l("Europe")
    MIDDLE_EAST_AFRICA = "middle_east_africa", _l("Middle East & Africa")
    ASIA_PACIFIC = "asia_pacific", _l("Asia Pacific")
    UNKNOWN = "unknown", _l("Not known yet")


class SizeBand(_MayBeUnknown):
    SMALL = "small", _l("1–200 employees")
    MIDSIZE = "midsize", _l("201–1,000 employees")
    LARGE = "large", _l("1,001–5,000 employees")
    ENTERPRISE = "enterprise", _l("5,001–20,000 employees")
    GLOBAL = "global", _l("More than 20,000 employees")
    UNKNOWN = "unknown", _l("Not known yet")


class AccountKind(LabeledEnum):
    CUSTOMER = "customer", _l("Customer")
    PROSPECT = "prospect", _l("Prospect")


class Account(db.Model):
    """A company: a customer, or a prospect the program may help win."""

    # One company per name whatever the case, even when two are saved at once.
    __table_args__ = (sa.Index("uq_account_name_any_case", sa.func.lower("name"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    kind: Mapped[AccountKind] = mapped_column(
        default=AccountKind.CUSTOMER, server_default=AccountKind.CUSTOMER.value
    )
    industry: Mapped[Industry]
    region: Mapped[Region]
    size_band: Mapped[SizeBand]
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    crm_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship()
    domains: Mapped[list[AccountDomain]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountDomain.domain"
    )

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"


class AccountDomain(db.Model):
    """An email domain of a customer company: people with it may register."""

    __tablename__ = "account_domain"

    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)

    account: Mapped[Account] = relationship(back_populates="domains")


class Employment(db.Model):
    """A person's job at a customer company. A move is a new row, never an edit."""

    __table_args__ = (
        # At most one current job per person.
        sa.Index(
            "uq_employment_current",
            "user_id",
            unique=True,
            sqlite_where=sa.text("ended_on IS NULL"),
            postgresql_where=sa.text("ended_on IS NULL"),
        ),
        sa.Index("ix_employment_account_current", "account_id", "ended_on"),
        # Program insight: moves in a period — the jobs left in it, and each person's
        # job that began the day the old one ended.
        sa.Index("ix_employment_started", "started_on"),
        sa.Index(
            "ix_employment_ended",
            "ended_on",
            "user_id",
            sqlite_where=sa.text("ended_on IS NOT NULL"),
            postgresql_where=sa.text("ended_on IS NOT NULL"),
        ),
        sa.Index("ix_employment_user_started", "user_id", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))
    title: Mapped[str] = mapped_column(sa.String(120))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    # The job this one followed when the person changed company (a move).
    moved_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employment.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    account: Mapped[Account] = relationship()
    moved_from: Mapped[Employment | None] = relationship(remote_side=[id])

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Product(db.Model):
    """One of the vendor's products, for "products used" and eligibility."""

    __table_args__ = (sa.Index("uq_product_name_any_case", sa.func.lower("name"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class DiscussionTopic(db.Model):
    """A subject people talk about (zero trust, migrating from X), kept by managers.

    Opportunities and stories carry them, and reference requests ask for
    them. Not the consent topics of `advocates.topics` (what an advocate
    may be asked to do).
    """

    __tablename__ = "discussion_topic"
    __table_args__ = (
        sa.Index("uq_discussion_topic_name_any_case", sa.func.lower("name"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


advocate_product = sa.Table(
    "advocate_product",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("advocate_profile.user_id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id"), primary_key=True, index=True),
)


class AdvocateProfile(db.Model):
    """What an advocate shares and consents to; one per advocate."""

    __tablename__ = "advocate_profile"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    max_asks_per_quarter: Mapped[int] = mapped_column(default=3)
    quiet_until: Mapped[date | None]
    show_on_leaderboard: Mapped[bool] = mapped_column(default=False)
    # What is shown publicly is decided by the consent grid (UsageConsent).
    quote: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    linkedin_url: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_image.id"))
    onboarded_at: Mapped[datetime | None]
    # When the advocate answered the question about the reference kinds of
    # ask (reference call, site visit, email exchange); None: still to ask.
    reference_kinds_answered_at: Mapped[datetime | None]
    # Written only by recognition.tiers, from the tier events.
    current_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tier.id"))

    user: Mapped[User] = relationship(back_populates="profile")
    products: Mapped[list[Product]] = relationship(secondary=advocate_product)
    open_type_rows: Mapped[list[OpenType]] = relationship(
        cascade="all, delete-orphan", order_by="OpenType.type"
    )
    current_tier = relationship("Tier")

    @property
    def open_types(self) -> set[str]:
        return {row.type for row in self.open_type_rows}


class OpenType(db.Model):
    """An opportunity type the advocate is open to being asked about."""

    __tablename__ = "advocate_open_type"
    # Who is open to one kind of ask: the reference shortlist reads it for everyone.
    __table_args__ = (sa.Index("ix_advocate_open_type_type_user", "type", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocate_profile.user_id"), primary_key=True
    )
    type: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class AskKind(LabeledEnum):
    INVITATION = "invitation", _l("Invitation to an opportunity")
    REFERENCE_REQUEST = "reference_request", _l("Reference request")
    INTERVIEW = "interview", _l("Interview")


class AskAnswer(LabeledEnum):
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")


class Ask(db.Model):
    """Staff reaching out to one advocate; counted per quarter against their cap."""

    __table_args__ = (
        sa.Index("ix_ask_advocate_quarter", "advocate_id", "quarter"),
        # The shortlist and the burnout view count recent asks of everyone.
        sa.Index("ix_ask_asked_at_advocate", "asked_at", "advocate_id", "quarter"),
        # Program insight: asks and answers in a period, advocates at their cap.
        sa.Index("ix_ask_asked_at", "asked_at"),
        sa.Index("ix_ask_answered_at", "answered_at"),
        sa.Index("ix_ask_quarter_advocate", "quarter", "advocate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[AskKind]
    # The opportunity type (or the ask's own topic) the advocate consented to.
    topic: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(200))
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunity.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The program-time-zone quarter of asked_at, e.g. "2026-Q4".
    quarter: Mapped[str] = mapped_column(sa.String(7))
    answer: Mapped[AskAnswer | None]
    answered_at: Mapped[datetime | None]

    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])


# --- consent for every use of an advocate's name, photo, logo, words ----------


class ConsentAsset(LabeledEnum):
    NAME_TITLE = "name_title", _l("Name and title")
    PHOTO = "photo", _l("Photo")
    LOGO = "logo", _l("Company name and logo")
    QUOTES = "quotes", _l("Quotes")
    STORIES = "stories", _l("Stories and case studies")
    VIDEO = "video", _l("Video")
    RECORDINGS = "recordings", _l("Speaking recordings")


class ConsentChannel(LabeledEnum):
    SHOWCASE = "showcase", _l("The public showcase")
    WEBSITE = "website", _l("The company website")
    SALES = "sales", _l("Sales material")
    PRESS = "press", _l("Press")

    @property
    def in_sentence(self) -> str:
        """The channel inside a sentence: "Quotes on the public showcase"."""
        return _CHANNEL_IN_SENTENCE[self]


_CHANNEL_IN_SENTENCE = {
    ConsentChannel.SHOWCASE: _l("the public showcase"),
    ConsentChannel.WEBSITE: _l("the company website"),
    ConsentChannel.SALES: _l("sales material"),
    ConsentChannel.PRESS: _l("press"),
}


class UsageConsent(db.Model):
    """One switch of the grid: may the program use this asset in this channel?

    No row means refused. A grant with `expires_on` holds up to and including
    that day (in the program's time zone).
    """

    __tablename__ = "usage_consent"
    __table_args__ = (sa.Index("ix_usage_consent_expiry", "granted", "expires_on"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    asset: Mapped[ConsentAsset] = mapped_column(primary_key=True)
    channel: Mapped[ConsentChannel] = mapped_column(primary_key=True)
    granted: Mapped[bool] = mapped_column(default=False)
    expires_on: Mapped[date | None]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageConsentChange(db.Model):
    """The history of the grid: who changed which switch, when, from what to what."""

    __tablename__ = "usage_consent_change"
    __table_args__ = (
        sa.Index("ix_usage_consent_change_user_at", "user_id", "changed_at"),
        sa.Index("ix_usage_consent_change_at", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    asset: Mapped[ConsentAsset]
    channel: Mapped[ConsentChannel]
    was_granted: Mapped[bool]
    was_expires_on: Mapped[date | None]
    granted: Mapped[bool]
    expires_on: Mapped[date | None]
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
