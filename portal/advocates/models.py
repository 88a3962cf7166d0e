"""Customer companies, advocates' employment history, profiles, consent and asks."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class Industry(LabeledEnum):
    FINANCIAL_SERVICES = "financial_services", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare & life sciences"
    RETAIL = "retail", "Retail & e-commerce"
    MANUFACTURING = "manufacturing", "Manufacturing"
    PUBLIC_SECTOR = "public_sector", "Public sector"
    EDUCATION = "education", "Education"
    TECHNOLOGY = "technology", "Technology & software"
    MEDIA = "media", "Media & entertainment"
    ENERGY = "energy", "Energy & utilities"
    TELECOM = "telecom", "Telecommunications"
    LOGISTICS = "logistics", "Transportation & logistics"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"


class Region(LabeledEnum):
    NORTH_AMERICA = "north_america", "North America"
    LATIN_AMERICA = "latin_america", "Latin America"
    EUROPE = "europe", "Europe"
    MIDDLE_EAST_AFRICA = "middle_east_africa", "Middle East & Africa"
    ASIA_PACIFIC = "asia_pacific", "Asia Pacific"


class SizeBand(LabeledEnum):
    SMALL = "small", "1–200 employees"
    MIDSIZE = "midsize", "201–1,000 employees"
    LARGE = "large", "1,001–5,000 employees"
    ENTERPRISE = "enterprise", "5,001–20,000 employees"
    GLOBAL = "global", "More than 20,000 employees"


class AccountKind(LabeledEnum):
    CUSTOMER = "customer", "Customer"
    PROSPECT = "prospect", "Prospect"


class Account(db.Model):
    """A company: a customer, or a prospect the program may help win."""

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
        # Program insight: moves in a period.
        sa.Index("ix_employment_started", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))
    title: Mapped[str] = mapped_column(sa.String(120))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    user: Mapped[User] = relationship()
    account: Mapped[Account] = relationship()

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Product(db.Model):
    """One of the vendor's products, for "products used" and eligibility."""

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
    public_profile: Mapped[bool] = mapped_column(default=False)
    onboarded_at: Mapped[datetime | None]
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

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("advocate_profile.user_id"), primary_key=True
    )
    type: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class AskKind(LabeledEnum):
    INVITATION = "invitation", "Invitation to an opportunity"
    REFERENCE_REQUEST = "reference_request", "Reference request"
    INTERVIEW = "interview", "Interview"


class AskAnswer(LabeledEnum):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Ask(db.Model):
    """Staff reaching out to one advocate; counted per quarter against their cap."""

    __table_args__ = (
        sa.Index("ix_ask_advocate_quarter", "advocate_id", "quarter"),
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
