"""The program team writing to everyone confirmed for an opportunity, or to its waitlist."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.errors import InvalidState
from portal.extensions import db
from portal.notifications.services import notify
from portal.opportunities.models import Opportunity, Participation, ParticipationStatus

S = ParticipationStatus


class Audience(StrEnum):
    CONFIRMED = "confirmed"
    WAITLIST = "waitlist"

    @property
    def statuses(self) -> tuple[ParticipationStatus, ...]:
        return (S.APPROVED, S.COMPLETED) if self is Audience.CONFIRMED else (S.WAITLISTED,)

    @property
    def label(self) -> str:
        return _("everyone confirmed") if self is Audience.CONFIRMED else _("the waitlist")


def message_participants(
    opportunity: Opportunity, audience: Audience, message: str, *, by: User
) -> int:
    """Notify each advocate in the audience (in the portal, and by mail as they chose).

    Every message joins the outbox in this transaction; returns how many were
    told. Raises InvalidState when nobody is in the audience.
    """
    advocate_ids = db.session.scalars(
        sa.select(Participation.advocate_id)
        .join(User, User.id == Participation.advocate_id)
        .where(
            Participation.opportunity_id == opportunity.id,
            Participation.status.in_(audience.statuses),
            User.active.is_(True),
        )
        .order_by(Participation.id)
    ).all()
    if not advocate_ids:
        raise InvalidState(_("Nobody to write to: %(audience)s is empty.", audience=audience.label))
    for advocate_id in advocate_ids:
        notify(
            advocate_id,
            "opportunity_message",
            _l(
                "From %(name)s about “%(title)s”: %(message)s",
                name=by.name,
                title=opportunity.title,
                message=message.strip(),
            ),
            "opportunities.detail",
            subject=_l("About %(title)s", title=opportunity.title),
            opportunity_id=opportunity.id,
        )
    return len(advocate_ids)
