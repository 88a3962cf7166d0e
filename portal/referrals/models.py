"""Referrals: an advocate introduces a peer who might benefit from the product."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.advocates.models import Account
from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db
from portal.i18n import format_money


class ReferralStage(LabeledEnum):
    NEW = "new", _l("New")
    CONTACTED = "contacted", _l("Contacted")
    QUALIFIED = "qualified", _l("Qualified")
    WON = "won", _l("Won")
    LOST = "lost", _l("Lost")


# What a referral is at each stage, inside a sentence ("Your referral of Sam is won.").
STAGE_STATES = {
    ReferralStage.NEW: _l("new"),
    ReferralStage.CONTACTED: _l("contacted"),
    ReferralStage.QUALIFIED: _l("qualified"),
    ReferralStage.WON: _l("won"),
    ReferralStage.LOST: _l("lost"),
}

# The pipeline in order; LOST closes a referral wherever it stood.
PIPELINE = (
    ReferralStage.NEW,
    ReferralStage.CONTACTED,
    ReferralStage.QUALIFIED,
    ReferralStage.WON,
)
OPEN_STAGES = (ReferralStage.NEW, ReferralStage.CONTACTED, ReferralStage.QUALIFIED)


class Referral(db.Model):
    """A peer an advocate referred, tracked by staff to won or lost.

    While a referral is open, its `open_*` columns hold the peer's email, the
    account and the email domain (public mail domains excepted) it is about;
    unique indexes on them let the database refuse a second open referral
    for the same person or company, even when two arrive at once. Closing a
    referral (won, lost) clears them.
    """

    __table_args__ = (
        sa.UniqueConstraint("open_email"),
        sa.UniqueConstraint("open_account_id"),
        sa.UniqueConstraint("open_domain"),
        sa.Index("ix_referral_advocate_created", "advocate_id", "created_at"),
        sa.Index("ix_referral_stage_updated", "stage", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    peer_name: Mapped[str] = mapped_column(sa.String(120))
    peer_email: Mapped[str] = mapped_column(sa.String(254))
    peer_role: Mapped[str] = mapped_column(sa.String(120))
    company_name: Mapped[str] = mapped_column(sa.String(160))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    why: Mapped[str] = mapped_column(sa.Text)
    peer_agreed: Mapped[bool]
    send_introduction: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[ReferralStage] = mapped_column(default=ReferralStage.NEW)
    lost_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    revenue: Mapped[int | None] = mapped_column(sa.BigInteger)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    open_email: Mapped[str | None] = mapped_column(sa.String(254))
    open_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    open_domain: Mapped[str | None] = mapped_column(sa.String(253))

    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    account: Mapped[Account | None] = relationship(foreign_keys=[account_id])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class ReferralEvent(db.Model):
    """One step of a referral's history: a stage change or a new owner."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id"), index=True)
    stage: Mapped[ReferralStage]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User | None] = relationship()


def event_note(note: str, currency: str) -> str:
    """A history note in the reader's words (notes are stored in English)."""
    if note == "No owner":
        return _("No owner")
    if note.startswith("Owner: "):
        return _("Owner: %(name)s", name=note.removeprefix("Owner: "))
    amount = note.removeprefix("Revenue ").replace(",", "")
    if note.startswith("Revenue ") and amount.isdigit():
        return _("Revenue %(amount)s", amount=format_money(int(amount), currency))
    return note
