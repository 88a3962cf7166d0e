"""Webhook endpoints, the events written for them and each delivery's attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class WebhookEndpoint(db.Model):
    """An address that receives signed events (Standard Webhooks)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    event_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    # "whsec_" + base64 of the key; the previous one still signs until it expires.
    secret: Mapped[str] = mapped_column(sa.String(100))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100))
    previous_secret_until: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on the first failure after a success; cleared by a success.
    failing_since: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.paused_at is None and self.disabled_at is None


class WebhookEvent(db.Model):
    """Something that happened, written in the transaction that caused it."""

    __tablename__ = "webhook_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Standard Webhooks message id: the same for every try of every endpoint.
    uid: Mapped[str] = mapped_column(sa.String(40), unique=True)
    type: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(LabeledEnum):
    PENDING = "pending", _l("Waiting")
    DELIVERED = "delivered", _l("Delivered")
    FAILED = "failed", _l("Failed")
    PAUSED = "paused", _l("Not sent (endpoint paused)")


class WebhookDelivery(db.Model):
    """One event for one endpoint; its attempts are the delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoint.id"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_event.id"))
    status: Mapped[DeliveryStatus] = mapped_column(default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_duration_ms: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    event: Mapped[WebhookEvent] = relationship()


class WebhookAttempt(db.Model):
    """One try of a delivery: when, the answer's status and how long it took."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    duration_ms: Mapped[int]
    error: Mapped[str] = mapped_column(sa.String(500), default="")
