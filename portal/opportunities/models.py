"""Opportunities and the advocates taking part in them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.advocates import topics
from portal.advocates.models import Ask, DiscussionTopic, Product
from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class OpportunityType(LabeledEnum):
    SPEAKING_PANEL = "speaking_panel", _l("Speaking panel")
    ADVISORY_BOARD = "advisory_board", _l("Customer advisory board")
    MEDIA_INTERVIEW = "media_interview", _l("Media or analyst interview")
    CASE_STUDY = "case_study", _l("Case study")
    WEBINAR = "webinar", _l("Webinar")
    REVIEW = "review", _l("Review")
    BETA = "beta", _l("Beta / early access")
    EVENT = "event", _l("Event")
    RESEARCH_INTERVIEW = "research_interview", _l("User research interview")


# Advocates consent to being invited per opportunity type.
topics.register(OpportunityType.choices())


class ApprovalMode(LabeledEnum):
    REVIEW = "review", _l("Review: a manager decides")
    FIRST_COME = "first_come", _l("First come: approved while seats last")


class OpportunityState(LabeledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    CLOSED = "closed", _l("Closed")
    CANCELLED = "cancelled", _l("Cancelled")


class ParticipationStatus(LabeledEnum):
    INVITED = "invited", _l("Invited")
    APPLIED = "applied", _l("Applied")
    APPROVED = "approved", _l("Approved")
    WAITLISTED = "waitlisted", _l("Waitlisted")
    DECLINED = "declined", _l("Declined")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    COMPLETED = "completed", _l("Completed")
    NO_SHOW = "no_show", _l("No-show")


def in_sentence(label: object) -> str:
    """A label inside a sentence: in lower case, except in German, whose nouns keep
    their capital ("Auf der Warteliste")."""
    text, locale = str(label), get_locale()
    return text if locale is not None and locale.language == "de" else text.lower()


# Statuses that hold a seat: their count is Opportunity.seats_taken.
SEAT_HOLDING = frozenset({ParticipationStatus.APPROVED, ParticipationStatus.COMPLETED})
# Statuses an advocate can still withdraw from (before the start).
OPEN_STATUSES = frozenset(
    {
        ParticipationStatus.INVITED,
        ParticipationStatus.APPLIED,
        ParticipationStatus.APPROVED,
        ParticipationStatus.WAITLISTED,
    }
)

opportunity_industry = sa.Table(
    "opportunity_industry",
    db.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("opportunity.id"), primary_key=True),
    sa.Column("industry", sa.String(32), primary_key=True),
)
opportunity_region = sa.Table(
    "opportunity_region",
    db.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("opportunity.id"), primary_key=True),
    sa.Column("region", sa.String(32), primary_key=True),
)
opportunity_product = sa.Table(
    "opportunity_product",
    db.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("opportunity.id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id"), primary_key=True),
)

opportunity_topic = sa.Table(
    "opportunity_topic",
    db.metadata,
    sa.Column("opportunity_id", sa.ForeignKey("opportunity.id"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("discussion_topic.id"), primary_key=True, index=True),
)


class Opportunity(db.Model):
    __table_args__ = (
        sa.CheckConstraint("seats >= 1", name="seats_positive"),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= seats", name="seats_not_overbooked"
        ),
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        sa.Index("ix_opportunity_state_starts_at", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[OpportunityType] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(sa.String(64))
    is_online: Mapped[bool] = mapped_column(default=False)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    seats: Mapped[int]
    # Approved + completed participations, kept by conditional UPDATEs in
    # opportunities.services so it can never pass `seats` (see the CHECK).
    seats_taken: Mapped[int] = mapped_column(default=0)
    application_deadline: Mapped[datetime]
    min_tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tier.id"))
    points: Mapped[int] = mapped_column(default=0)
    approval_mode: Mapped[ApprovalMode] = mapped_column(default=ApprovalMode.REVIEW)
    state: Mapped[OpportunityState] = mapped_column(default=OpportunityState.DRAFT)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship()
    min_tier = relationship("Tier")
    products: Mapped[list[Product]] = relationship(secondary=opportunity_product)
    topics: Mapped[list[DiscussionTopic]] = relationship(
        secondary=opportunity_topic, order_by=DiscussionTopic.name
    )
    # Loaded only where eligibility is checked (selectinload in the listing).
    industry_rows = relationship("OpportunityIndustry", cascade="all, delete-orphan")
    region_rows = relationship("OpportunityRegion", cascade="all, delete-orphan")

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_taken >= self.seats

    @property
    def industries(self) -> list[str]:
        return sorted(row.industry for row in self.industry_rows)

    @property
    def regions(self) -> list[str]:
        return sorted(row.region for row in self.region_rows)

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.title!r} {self.state}>"


class OpportunityIndustry(db.Model):
    __table__ = opportunity_industry


class OpportunityRegion(db.Model):
    __table__ = opportunity_region


class Participation(db.Model):
    """One advocate in one opportunity; the history of what happened stays."""

    __table_args__ = (
        sa.UniqueConstraint("opportunity_id", "advocate_id"),
        sa.Index("ix_participation_opportunity_status", "opportunity_id", "status"),
        sa.Index("ix_participation_advocate_status", "advocate_id", "status"),
        sa.Index("ix_participation_status_created", "status", "created_at"),
        # Program insight: participations begun or completed in a period.
        sa.Index(
            "ix_participation_created",
            "created_at",
            "advocate_id",
            "ask_id",
            "status",
            "opportunity_id",
        ),  # fmt: skip
        sa.Index("ix_participation_completed", "completed_at", "status", "advocate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"))
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[ParticipationStatus]
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    manager_message: Mapped[str] = mapped_column(sa.String(1000), default="")
    ask_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ask.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    waitlisted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_at: Mapped[datetime | None]
    # Set by the reminder job with a conditional UPDATE: one reminder, ever.
    reminder_sent_at: Mapped[datetime | None]

    opportunity: Mapped[Opportunity] = relationship()
    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    ask: Mapped[Ask | None] = relationship()

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING
