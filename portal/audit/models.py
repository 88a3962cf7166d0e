"""Audit events: one row per staff action that changed data; never updated or deleted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.extensions import db


class AuditEvent(db.Model):
    """Who did what to which record, and the fields it changed (before → after).

    People are named by id only, and personal fields (name, email, bio, photo)
    are recorded as changed without their values, so erasing a person leaves
    nothing personal here. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_at", "at"),
        sa.Index("ix_audit_event_action_at", "action", "at"),
        sa.Index("ix_audit_event_actor_at", "actor_id", "at"),
        sa.Index("ix_audit_event_target", "target_type", "target_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for the portal itself (a timed job acting on an earlier request).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    # {field: {"before": …, "after": …}} or {field: {"changed": true}} for personal fields.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # What else identifies the action: counts, filters, a reference — never personal values.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
