"""Seats: the limit, and the waitlist that fills a freed seat.

`seats_taken` counts the participations that hold a seat (approved and
completed) and only moves through conditional UPDATEs here
(`... WHERE seats_taken < seats`), backed by a CHECK constraint, so no number
of simultaneous clicks overbooks. A freed seat goes to the first on the
waitlist in first-come mode; in review mode a manager offers it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.extensions import db
from portal.notifications.services import notify, notify_staff
from portal.opportunities.models import (
    SEAT_HOLDING,
    ApprovalMode,
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
)
from portal.signals import participation_approved

S = ParticipationStatus


def seat_left() -> sa.ColumnElement[bool]:
    """SQL on Opportunity: a seat is left (the seat limit; `Opportunity.is_full` on a row)."""
    return Opportunity.seats_taken < Opportunity.seats


def take_seat(opportunity: Opportunity) -> bool:
    """Take one seat if one is left; the database decides between simultaneous requests."""
    result = db.session.execute(
        sa.update(Opportunity)
        .where(Opportunity.id == opportunity.id, seat_left())
        .values(seats_taken=Opportunity.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(opportunity, ["seats_taken"])
    return result.rowcount == 1


def free_seat(opportunity: Opportunity) -> None:
    db.session.execute(
        sa.update(Opportunity)
        .where(Opportunity.id == opportunity.id, Opportunity.seats_taken > 0)
        .values(seats_taken=Opportunity.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(opportunity, ["seats_taken"])


def seats_taken_sql(opportunity_id: sa.ColumnElement) -> sa.ScalarSelect:
    """SQL: the seats an opportunity's participations hold (what `seats_taken` must equal)."""
    return (
        sa.select(sa.func.count())
        .where(
            Participation.opportunity_id == opportunity_id,
            Participation.status.in_(list(SEAT_HOLDING)),
        )
        .scalar_subquery()
    )


def recount_seats() -> None:
    """Set every opportunity's `seats_taken` from its participations (loaders, repairs)."""
    db.session.execute(
        sa.update(Opportunity)
        .values(seats_taken=seats_taken_sql(Opportunity.id))
        .execution_options(synchronize_session=False)
    )


def lock_participation(participation: Participation) -> Participation | None:
    """The participation's row, locked until the transaction ends and read again: every
    change of a participation's state starts here."""
    return db.session.scalar(
        sa.select(Participation)
        .where(Participation.id == participation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_opportunity(opportunity_id: int) -> Opportunity:
    return db.session.scalar(
        sa.select(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def waitlist_of(opportunity_id: int) -> list[Participation]:
    """The waitlist in order: first to join, first to be offered a seat."""
    return list(
        db.session.scalars(
            sa.select(Participation)
            .where(
                Participation.opportunity_id == opportunity_id,
                Participation.status == S.WAITLISTED,
            )
            .order_by(Participation.waitlisted_at, Participation.id)
        )
    )


def fill_freed_seats(opportunity: Opportunity) -> int:
    """First come: promote the waitlist into free seats. Review mode leaves it to a manager.

    Each waiting participation is locked and read again before it is approved:
    one that withdrew a moment ago keeps its withdrawal, and the seat goes to
    the next in line.
    """
    if (
        opportunity.approval_mode != ApprovalMode.FIRST_COME
        or opportunity.state == OpportunityState.CANCELLED
        or opportunity.starts_at <= utcnow()
    ):
        return 0
    promoted = 0
    for candidate in waitlist_of(opportunity.id):
        waiting = lock_participation(candidate)
        if waiting is None or waiting.status != S.WAITLISTED:
            continue
        if not take_seat(opportunity):
            break
        waiting.status = S.APPROVED
        waiting.decided_at = utcnow()
        waiting.decided_by_id = None
        promoted += 1
        participation_approved.send(waiting.advocate_id, participation=waiting)
        notify(
            waiting.advocate_id,
            "application_approved",
            _l("A seat opened for “%(title)s”: you're in!", title=opportunity.title),
            "opportunities.detail",
            opportunity_id=opportunity.id,
        )
    return promoted


def seat_freed(opportunity: Opportunity) -> None:
    """A participation gave its seat back: free it, then offer it to the waitlist.

    First come, the first in line takes it; in review mode the team is told.
    """
    free_seat(opportunity)
    db.session.flush()
    fill_freed_seats(opportunity)
    if opportunity.approval_mode == ApprovalMode.REVIEW and waitlist_of(opportunity.id):
        notify_staff(
            "team_seat_freed",
            _l("A seat opened on “%(title)s”: offer it to the waitlist.", title=opportunity.title),
            "manage.opportunities.applications",
        )
