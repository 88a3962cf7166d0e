"""Tell a user that something happened; the header shows what is unread."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.models import Notification


def notify(
    user_id: int, kind: str, message: str, endpoint: str | None = None, **endpoint_args: object
) -> Notification:
    """Add a notification in the caller's transaction, leading to `endpoint` if given."""
    notification = Notification(
        user_id=user_id,
        kind=kind,
        message=message[:500],
        endpoint=endpoint,
        endpoint_args=endpoint_args,
    )
    db.session.add(notification)
    return notification


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recent_for(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
