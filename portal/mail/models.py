"""The outbox: every message is a row first, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class MessageStatus(LabeledEnum):
    PENDING = "pending", _l("Waiting")
    SENDING = "sending", _l("Sending")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")
    WITHDRAWN = "withdrawn", _l("Withdrawn before sending")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key"),
        sa.UniqueConstraint("message_id"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One message per key, ever: a retried request or a second worker running
    # the same job enqueues nothing new.
    dedupe_key: Mapped[str] = mapped_column(sa.String(160))
    # The Message-ID header: the same on every delivery attempt, so a
    # receiver can drop a duplicate left by a crash between send and commit.
    message_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(120), default="")
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(250))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[MessageStatus] = mapped_column(default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    # Which worker's claim holds the message while it is `sending` (see delivery.claim).
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Frequency(LabeledEnum):
    IMMEDIATELY = "immediately", _l("Right away")
    DIGEST = "digest", _l("In a weekly digest")
    NEVER = "never", _l("Never")


class MailPreference(db.Model):
    """How a person wants to hear about one category of events."""

    __tablename__ = "mail_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    frequency: Mapped[Frequency]
