"""The points ledger, its per-period standings, and tiers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class PointsSource(LabeledEnum):
    PARTICIPATION = "participation", "Participation"
    MANUAL = "manual", "Manual award"
    CORRECTION = "correction", "Correction"


class PointsEntry(db.Model):
    """One line of the append-only ledger. Written only by recognition.ledger."""

    __tablename__ = "points_entry"
    __table_args__ = (
        sa.UniqueConstraint("award_key"),
        sa.Index("ix_points_entry_advocate_created", "advocate_id", "created_at"),
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


class Standing(db.Model):
    """An advocate's points in one period ("all", "2026-Q4", "2026-11").

    A summary of the ledger, written only by recognition.ledger in the same
    transaction as the entry, and rebuildable from it (`flask ledger rebuild`).
    `visible` mirrors "shown on leaderboards and active", so top-N and rank
    are index range scans on (period, visible, points).
    """

    __table_args__ = (sa.Index("ix_standing_board", "period", "visible", "points"),)

    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    visible: Mapped[bool] = mapped_column(default=False)


class Tier(db.Model):
    __table_args__ = (sa.CheckConstraint("threshold >= 0", name="threshold_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    position: Mapped[int] = mapped_column(unique=True)
    threshold: Mapped[int]
    benefits: Mapped[str] = mapped_column(sa.Text, default="")
    commitment: Mapped[str] = mapped_column(sa.Text, default="")
    invitation_only: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Tier {self.name} {self.threshold}>"


class TierEventKind(LabeledEnum):
    ELIGIBLE = "eligible", "Became eligible"
    INVITED = "invited", "Invited"
    OPTED_IN = "opted_in", "Opted in"
    STEPPED_DOWN = "stepped_down", "Stepped down"
    LAPSING = "lapsing", "Below the threshold (grace period)"
    RESTORED = "restored", "Back above the threshold"
    LAPSED = "lapsed", "Lapsed"


class TierEvent(db.Model):
    """What happened between an advocate and a tier; the current tier derives from these."""

    __tablename__ = "tier_event"
    __table_args__ = (sa.Index("ix_tier_event_advocate_at", "advocate_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("tier.id"))
    kind: Mapped[TierEventKind]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    tier: Mapped[Tier] = relationship()
    by: Mapped[User | None] = relationship(foreign_keys=[by_id])
