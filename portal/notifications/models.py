"""In-app notifications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.extensions import db


class Notification(db.Model):
    __table_args__ = (
        sa.Index("ix_notification_user_read", "user_id", "read_at", "created_at"),
        sa.Index(
            "ix_notification_digest_pending",
            "user_id",
            sqlite_where=sa.text("digest_pending"),
            postgresql_where=sa.text("digest_pending"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.String(500))
    # Where the notification leads, as an endpoint and its arguments, so that
    # services need no request to build a URL (pages and mail build it).
    endpoint: Mapped[str | None] = mapped_column(sa.String(80))
    endpoint_args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Waiting for the person's weekly digest (their preference for this kind).
    digest_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
