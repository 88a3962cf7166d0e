"""The timed jobs of reference asks: one reminder before an ask is due, and asks past due."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.references import rules
from portal.references.asks import back_to_shortlist_if_nobody_left, lock_ask, mail_ask
from portal.references.models import AskStatus, ReferenceAsk
from portal.references.requests import lock_request

REMIND_BEFORE = timedelta(hours=24)


def expire_overdue(now: datetime) -> int:
    """Asks nobody answered in time expire; their requests go back to the shortlist."""
    overdue = list(
        db.session.scalars(
            sa.select(ReferenceAsk)
            .where(ReferenceAsk.status == AskStatus.PENDING, ReferenceAsk.due_at <= now)
            .order_by(ReferenceAsk.request_id, ReferenceAsk.id)
        )
    )
    expired = 0
    for stale in overdue:
        request = lock_request(stale.request)
        stale = lock_ask(stale)
        if stale.status != AskStatus.PENDING:
            continue
        stale.status = AskStatus.EXPIRED
        back_to_shortlist_if_nobody_left(request)
        db.session.commit()
        expired += 1
    return expired


def send_reminders(now: datetime) -> int:
    """One reminder per open ask, a day before it is due (claimed by a conditional UPDATE)."""
    due = db.session.scalars(
        sa.select(ReferenceAsk.id).where(
            ReferenceAsk.status == AskStatus.PENDING,
            ReferenceAsk.reminded_at.is_(None),
            ReferenceAsk.due_at > now,
            ReferenceAsk.due_at <= now + REMIND_BEFORE,
        )
    ).all()
    sent = 0
    answer_days = rules.current().answer_days
    for ask_id in due:
        claimed = db.session.execute(
            sa.update(ReferenceAsk)
            .where(ReferenceAsk.id == ask_id, ReferenceAsk.reminded_at.is_(None))
            .values(reminded_at=now)
        ).rowcount
        if claimed:
            ask = db.session.get(ReferenceAsk, ask_id)
            mail_ask(
                ask,
                ask.request,
                _l(
                    "Reminder: %(kind)s for %(prospect)s",
                    kind=ask.request.kind.label,
                    prospect=ask.request.prospect_name,
                ),
                reminder=True,
                days=answer_days,
            )
            sent += 1
        db.session.commit()
    return sent
