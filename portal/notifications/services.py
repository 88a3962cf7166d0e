"""Tell a user that something happened: in the portal, and by mail as they chose."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.auth.models import STAFF_ROLES, Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import speaking_to
from portal.mail import outbox
from portal.mail.categories import KIND_CATEGORY
from portal.mail.models import Frequency
from portal.notifications.models import Notification
from portal.urls import absolute_url

ACTION_LABELS = {
    "invitation": _l("See the invitation"),
    "tier_eligible": _l("See your tiers"),
    "tier_invited": _l("See your tiers"),
    "tier_lapsing": _l("See your tiers"),
    "tier_lapsed": _l("See your tiers"),
    "participation_completed": _l("See your points"),
    "badge_awarded": _l("See your badge"),
    "story_published": _l("See your stories"),
    "story_returned": _l("See your stories"),
    "team_application": _l("Review applications"),
    "team_story": _l("Review stories"),
    "team_seat_freed": _l("Offer the seat"),
    "team_to_mark": _l("Mark who took part"),
    "team_mail_failed": _l("See the mail"),
    "team_referral": _l("See the referral"),
    "referral_progress": _l("See your referral"),
    "champion_moved": _l("See the champions"),
    "referral_assigned": _l("See the referral"),
}


def written_for(user_id: int, text: str | LazyString) -> str:
    """A lazy message (`_l(...)`) as its reader reads it: in their language and time zone."""
    if not isinstance(text, LazyString):
        return text
    with speaking_to(db.session.get(User, user_id)):
        return str(text)


def notify(
    user_id: int,
    kind: str,
    message: str | LazyString,
    endpoint: str | None = None,
    *,
    subject: str | LazyString | None = None,
    hold: timedelta | None = None,
    mail_key: str | None = None,
    **endpoint_args: object,
) -> Notification:
    """Add an in-app notification and, by the person's preference, mail it now or in a digest.

    Everything joins the caller's transaction. `hold` keeps the mail in the
    outbox for a while, and `mail_key` names it, so that it can be withdrawn.
    `message` and `subject` are lazy strings (`_l(...)`): they are written in the
    recipient's language, whoever caused the notification.
    """
    user = db.session.get(User, user_id)
    with speaking_to(user):
        message = str(message)
        subject = str(subject) if subject is not None else None
        action_label = str(ACTION_LABELS.get(kind, _l("Open the portal")))
    notification = Notification(
        user_id=user_id,
        kind=kind,
        message=message[:500],
        endpoint=endpoint,
        endpoint_args=endpoint_args,
        created_at=utcnow(),
    )
    db.session.add(notification)
    db.session.execute(
        sa.update(User)
        .where(User.id == user_id)
        .values(unread_notifications=User.unread_notifications + 1)
        .execution_options(synchronize_session=False)
    )
    category = KIND_CATEGORY.get(kind)
    if category is None or user is None or not user.active:
        return notification
    frequency = outbox.frequency_for(user_id, category)
    if frequency == Frequency.DIGEST:
        notification.digest_pending = True
    elif frequency == Frequency.IMMEDIATELY:
        db.session.flush()
        outbox.enqueue(
            kind=kind,
            to_address=user.email,
            to_name=user.name,
            user_id=user.id,
            subject=subject or message,
            template="notification",
            context={
                "name": user.first_name,
                "message": message,
                "action_url": absolute_url(endpoint, **endpoint_args) if endpoint else None,
                "action_label": action_label,
            },
            dedupe_key=mail_key or f"notification:{notification.id}",
            unsubscribe_category=category,
            hold=hold,
        )
    return notification


def notify_staff(
    kind: str,
    message: str | LazyString,
    endpoint: str | None = None,
    *,
    subject: str | LazyString | None = None,
    roles: Iterable[Role] = STAFF_ROLES,
    **endpoint_args: object,
) -> int:
    """Tell every active manager and admin (the program team), or only `roles`; returns how many.

    Each reads `message` and `subject` (lazy strings) in their own language."""
    staff = db.session.scalars(
        sa.select(User.id).where(User.role.in_(list(roles)), User.active.is_(True))
    ).all()
    for user_id in staff:
        notify(user_id, kind, message, endpoint, subject=subject, **endpoint_args)
    return len(staff)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recount_unread(user_id: int) -> None:
    """Set the kept count from the notifications themselves."""
    db.session.execute(
        sa.update(User).where(User.id == user_id).values(unread_notifications=unread_count(user_id))
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
    db.session.execute(
        sa.update(User)
        .where(User.id == user_id)
        .values(unread_notifications=0)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
