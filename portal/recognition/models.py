"""The points ledger, its per-period standings, and tiers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal import cache
from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class PointsSource(LabeledEnum):
    PARTICIPATION = "participation", _l("Participation")
    REFERENCE = "reference", _l("Reference given")
    MANUAL = "manual", _l("Manual award")
    CORRECTION = "correction", _l("Correction")
    REFERRAL = "referral", _l("Referral")


class PointsEntry(db.Model):
    """One line of the append-only ledger. Written only by recognition.ledger."""

    __tablename__ = "points_entry"
    __table_args__ = (
        sa.UniqueConstraint("award_key"),
        sa.Index("ix_points_entry_advocate_created", "advocate_id", "created_at"),
        # Program insight: points by source in a period, read from the index alone.
        sa.Index("ix_points_entry_created_source", "created_at", "source", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    points: Mapped[int]
    source: Mapped[PointsSource]
    source_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.String(200))
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    award_key: Mapped[str] = mapped_column(sa.String(120))
    # The entry this one corrects, for reversals.
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("points_entry.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])

    @property
    def is_reversal(self) -> bool:
        return self.corrects_id is not None


class Standing(db.Model):
    """An advocate's points in one period ("all", "2026-Q4", "2026-11").

    A summary of the ledger, written only by recognition.ledger in the same
    transaction as the entry, and rebuildable from it (`flask ledger rebuild`).
    `visible` mirrors "shown on leaderboards and active", and the advocate's
    current company, industry and region are copied here, so every board —
    whole, or filtered by industry, region or company — is an index range
    scan on (period, visible[, filter], points).
    """

    __table_args__ = (
        sa.Index("ix_standing_board", "period", "visible", "points"),
        sa.Index("ix_standing_board_industry", "period", "visible", "industry", "points"),
        sa.Index("ix_standing_board_region", "period", "visible", "region", "points"),
        sa.Index("ix_standing_board_account", "period", "visible", "account_id", "points"),
    )

    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    visible: Mapped[bool] = mapped_column(default=False)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    industry: Mapped[str | None] = mapped_column(sa.String(32))
    region: Mapped[str | None] = mapped_column(sa.String(32))


class StandingScore(db.Model):
    """How many shown advocates have each score in each period: the dense rank's index.

    A dense rank is 1 + the number of distinct scores above yours, so it is a
    count of these rows (a few thousand at most) rather than of every shown
    advocate above you. Written only by recognition.ledger, with the
    standings, and checked and rebuilt with them.
    """

    __tablename__ = "standing_score"
    __table_args__ = (sa.CheckConstraint("advocates >= 0", name="advocates_not_negative"),)

    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    points: Mapped[int] = mapped_column(primary_key=True)
    advocates: Mapped[int]


class Tier(db.Model):
    __table_args__ = (sa.CheckConstraint("threshold >= 0", name="threshold_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    position: Mapped[int] = mapped_column(unique=True)
    threshold: Mapped[int]
    benefits: Mapped[str] = mapped_column(sa.Text, default="")
    commitment: Mapped[str] = mapped_column(sa.Text, default="")
    invitation_only: Mapped[bool] = mapped_column(default=False)
    # Advocates who hold a featured tier come first on the public showcase.
    featured: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Tier {self.name} {self.threshold}>"


@event.listens_for(Session, "before_flush")
def _tiers_changed(session: Session, _context, _instances) -> None:
    """Any tier added, changed or removed moves the tiers' cache (see eligibility)."""
    if any(isinstance(o, Tier) for o in (*session.new, *session.dirty, *session.deleted)):
        cache.bump(cache.TIERS, session)


class TierEventKind(LabeledEnum):
    ELIGIBLE = "eligible", _l("Became eligible")
    INVITED = "invited", _l("Invited")
    OPTED_IN = "opted_in", _l("Opted in")
    STEPPED_DOWN = "stepped_down", _l("Stepped down")
    LAPSING = "lapsing", _l("Below the threshold (grace period)")
    RESTORED = "restored", _l("Back above the threshold")
    LAPSED = "lapsed", _l("Lapsed")


class TierEvent(db.Model):
    """What happened between an advocate and a tier; the current tier derives from these."""

    __tablename__ = "tier_event"
    __table_args__ = (
        sa.Index("ix_tier_event_advocate_at", "advocate_id", "at"),
        sa.Index("ix_tier_event_at", "at", "kind", "tier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("tier.id"))
    kind: Mapped[TierEventKind]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    tier: Mapped[Tier] = relationship()
    by: Mapped[User | None] = relationship(foreign_keys=[by_id])


class Badge(db.Model):
    """A named achievement with a declarative rule (see recognition.badges)."""

    __table_args__ = (sa.Index("uq_badge_name_any_case", sa.func.lower("name"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    rule_kind: Mapped[str] = mapped_column(sa.String(40))
    rule_params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    color: Mapped[str] = mapped_column(sa.String(7), default="#4338ca")
    # The image every web node serves: a generated SVG, or an uploaded
    # picture re-encoded as PNG.
    image: Mapped[bytes] = mapped_column(sa.LargeBinary)
    image_type: Mapped[str] = mapped_column(sa.String(20), default="image/svg+xml")
    image_uploaded: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))


class BadgeAward(db.Model):
    """A badge earned by an advocate: once, ever (database-enforced)."""

    __tablename__ = "badge_award"
    __table_args__ = (
        sa.UniqueConstraint("badge_id", "advocate_id"),
        sa.Index("ix_badge_award_advocate", "advocate_id", "awarded_at"),
        sa.Index("ix_badge_award_awarded_at", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(sa.ForeignKey("badge.id"))
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # The Open Badges assertion's stable id (its URL ends with it).
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    evidence: Mapped[str] = mapped_column(sa.String(300), default="")
    # Open Badges recipient: a salted hash of the email at award time.
    recipient_salt: Mapped[str] = mapped_column(sa.String(32))
    recipient_hash: Mapped[str] = mapped_column(sa.String(80))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    badge: Mapped[Badge] = relationship()
    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
