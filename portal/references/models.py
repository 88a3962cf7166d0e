"""Reference requests: a prospect described by sales, the asks it sends, the outcome."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.advocates import topics
from portal.advocates.models import (
    Account,
    Ask,
    DiscussionTopic,
    Industry,
    Product,
    Region,
    SizeBand,
)
from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class ReferenceKind(LabeledEnum):
    REFERENCE_CALL = "reference_call", _l("Reference call")
    SITE_VISIT = "site_visit", _l("Site visit")
    EMAIL_EXCHANGE = "email_exchange", _l("Email exchange")
    # These two reuse the advocate's switches for the opportunity types of
    # the same name: one consent, whoever asks.
    CASE_STUDY = "case_study", _l("Case study")
    MEDIA_INTERVIEW = "media_interview", _l("Media or analyst interview")


def in_english(text) -> str:
    """A label as it is stored (ledger reasons, ask subjects): in English, whoever acts."""
    with force_locale("en"):
        return str(text)


# The new consent topics; case studies and media interviews are registered
# by opportunities under the same values.
NEW_CONSENT_KINDS = (
    ReferenceKind.REFERENCE_CALL,
    ReferenceKind.SITE_VISIT,
    ReferenceKind.EMAIL_EXCHANGE,
)
# Each kind inside a sentence ("a reference call") and several of it ("Reference calls").
KIND_NOUNS = {
    ReferenceKind.REFERENCE_CALL: _l("reference call"),
    ReferenceKind.SITE_VISIT: _l("site visit"),
    ReferenceKind.EMAIL_EXCHANGE: _l("email exchange"),
    ReferenceKind.CASE_STUDY: _l("case study"),
    ReferenceKind.MEDIA_INTERVIEW: _l("media or analyst interview"),
}
KIND_PLURALS = {
    ReferenceKind.REFERENCE_CALL: _l("Reference calls"),
    ReferenceKind.SITE_VISIT: _l("Site visits"),
    ReferenceKind.EMAIL_EXCHANGE: _l("Email exchanges"),
    ReferenceKind.CASE_STUDY: _l("Case studies"),
    ReferenceKind.MEDIA_INTERVIEW: _l("Media or analyst interviews"),
}
topics.register((kind.value, KIND_PLURALS[kind]) for kind in NEW_CONSENT_KINDS)


class RequestState(LabeledEnum):
    OPEN = "open", _l("Open")
    ASKED = "asked", _l("Advocates asked")
    SCHEDULED = "scheduled", _l("Scheduled")
    DONE = "done", _l("Done")
    CANCELLED = "cancelled", _l("Cancelled")
    UNFULFILLED = "unfulfilled", _l("Unfulfilled")


# States in which the request still looks for an advocate.
SEARCHING = frozenset({RequestState.OPEN, RequestState.ASKED})


class Urgency(LabeledEnum):
    LOW = "low", _l("Low")
    NORMAL = "normal", _l("Normal")
    HIGH = "high", _l("High: the deal depends on it")


class DealOutcome(LabeledEnum):
    WON = "won", _l("Won")
    LOST = "lost", _l("Lost")
    OPEN = "open", _l("Still open")


class AskStatus(LabeledEnum):
    PENDING = "pending", _l("Waiting for an answer")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    WITHDRAWN = "withdrawn", _l("Withdrawn (another advocate accepted)")
    EXPIRED = "expired", _l("No answer in time")


class DeclineReason(LabeledEnum):
    NOT_NOW = "not_now", _l("Not this time")
    NOT_THIS_QUARTER = "not_this_quarter", _l("Not this quarter")
    NOT_THIS_KIND = "not_this_kind", _l("Not this kind of ask")
    NOT_A_FIT = "not_a_fit", _l("I'm not the right person for this prospect")


reference_request_competitor = sa.Table(
    "reference_request_competitor",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("reference_request.id"), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("account.id"), primary_key=True),
)
reference_request_product = sa.Table(
    "reference_request_product",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("reference_request.id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("product.id"), primary_key=True),
)
reference_request_topic = sa.Table(
    "reference_request_topic",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("reference_request.id"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("discussion_topic.id"), primary_key=True),
)


class ReferenceRequest(db.Model):
    """A requester's prospect and what they need from an advocate."""

    __tablename__ = "reference_request"
    __table_args__ = (
        sa.CheckConstraint("deal_size >= 0", name="deal_size_not_negative"),
        sa.Index("ix_reference_request_requester_created", "requester_id", "created_at"),
        sa.Index("ix_reference_request_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    prospect_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    prospect_name: Mapped[str] = mapped_column(sa.String(160))
    industry: Mapped[Industry]
    region: Mapped[Region]
    size_band: Mapped[SizeBand]
    kind: Mapped[ReferenceKind]
    deal_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3))
    urgency: Mapped[Urgency] = mapped_column(default=Urgency.NORMAL)
    needed_by: Mapped[date]
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    state: Mapped[RequestState] = mapped_column(default=RequestState.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_accepted_at: Mapped[datetime | None]
    # From the request to its first acceptance, for the burnout view's 48 hours.
    seconds_to_acceptance: Mapped[int | None]
    accepted_advocate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The outcome, recorded after the date.
    call_held: Mapped[bool | None]
    deal_outcome: Mapped[DealOutcome | None]
    revenue_influenced: Mapped[int | None] = mapped_column(sa.BigInteger)
    outcome_note: Mapped[str] = mapped_column(sa.String(500), default="")
    outcome_at: Mapped[datetime | None]
    outcome_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    prospect_account: Mapped[Account | None] = relationship()
    accepted_advocate: Mapped[User | None] = relationship(foreign_keys=[accepted_advocate_id])
    competitors: Mapped[list[Account]] = relationship(
        secondary=reference_request_competitor, order_by=Account.name
    )
    products: Mapped[list[Product]] = relationship(
        secondary=reference_request_product, order_by=Product.name
    )
    topics: Mapped[list[DiscussionTopic]] = relationship(
        secondary=reference_request_topic, order_by=DiscussionTopic.name
    )

    @property
    def is_searching(self) -> bool:
        return self.state in SEARCHING

    @property
    def hours_to_acceptance(self) -> float | None:
        return None if self.seconds_to_acceptance is None else self.seconds_to_acceptance / 3600


class ReferenceAsk(db.Model):
    """One advocate asked for one request (an Ask: it counts against their cap)."""

    __tablename__ = "reference_ask"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "advocate_id"),
        sa.Index("ix_reference_ask_status_due", "status", "due_at"),
        sa.Index("ix_reference_ask_advocate_status", "advocate_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("reference_request.id"))
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    ask_id: Mapped[int] = mapped_column(sa.ForeignKey("ask.id"))
    status: Mapped[AskStatus] = mapped_column(default=AskStatus.PENDING)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    # Set by the reminder job with a conditional UPDATE: one reminder, ever.
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[DeclineReason | None]
    decline_note: Mapped[str] = mapped_column(sa.String(500), default="")

    request: Mapped[ReferenceRequest] = relationship()
    advocate: Mapped[User] = relationship()
    ask: Mapped[Ask] = relationship()


class ReferenceRecord(db.Model):
    """What matching needs to know of an advocate's past references, one row each.

    Kept by `references.asks` and `references.outcomes` in the transaction of
    the answer or outcome, so the shortlist joins one row instead of adding
    up every past ask; `references.asks.rebuild_records` recomputes it.
    """

    __tablename__ = "reference_record"

    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    answered: Mapped[int] = mapped_column(default=0)
    answer_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held: Mapped[int] = mapped_column(default=0)
    last_held_at: Mapped[datetime | None]
