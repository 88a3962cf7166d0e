"""Requests to delete an account, waiting out their grace period."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.extensions import db


class DeletionRequest(db.Model):
    """A person (or an admin, on their written request) asked to erase an account.

    Erased when `due_at` passes unless cancelled first; at most one open
    request per person (database-enforced).
    """

    __tablename__ = "deletion_request"
    __table_args__ = (
        sa.Index(
            "uq_deletion_request_open",
            "user_id",
            unique=True,
            sqlite_where=sa.text("cancelled_at IS NULL AND erased_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL AND erased_at IS NULL"),
        ),
        sa.Index("ix_deletion_request_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # For a request made by an admin: how the person asked ("letter of 3 December").
    reference: Mapped[str] = mapped_column(sa.String(200), default="")
    due_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    erased_at: Mapped[datetime | None]

    @property
    def is_open(self) -> bool:
        return self.cancelled_at is None and self.erased_at is None
