"""What waits for the program team: applications, freed seats, participants to mark."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import clock
from portal.advocates import consent
from portal.advocates.employment import current_jobs
from portal.advocates.models import AdvocateProfile
from portal.db import contains_text, utcnow
from portal.extensions import db
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.opportunities.seats import seat_left
from portal.recognition import ledger, tiers
from portal.recognition.models import Standing

S = ParticipationStatus


QUEUE_ORDERS = {
    "oldest": _l("Oldest first"),
    "newest": _l("Newest first"),
    "points": _l("Most points first"),
}


def _waiting() -> list[sa.ColumnElement[bool]]:
    return [
        Participation.status == S.APPLIED,
        Opportunity.state != OpportunityState.CANCELLED,
        Opportunity.starts_at > utcnow(),
    ]


def application_queue(
    *,
    page: int = 1,
    per_page: int = 25,
    opportunity_id: int | None = None,
    type: OpportunityType | None = None,
    order: str = "oldest",
):
    """Applications waiting for a decision (a Flask-SQLAlchemy page), oldest first by default.

    Narrowed to one opportunity or one type; ordered by date or by the
    applicants' all-time points.
    """
    query = (
        sa.select(Participation)
        .join(Participation.opportunity)
        .where(*_waiting())
        .options(joinedload(Participation.opportunity), joinedload(Participation.advocate))
    )
    if opportunity_id is not None:
        query = query.where(Participation.opportunity_id == opportunity_id)
    if type is not None:
        query = query.where(Opportunity.type == type)
    if order == "points":
        points = (
            sa.select(Standing.points)
            .where(
                Standing.advocate_id == Participation.advocate_id,
                Standing.period == clock.ALL_TIME,
            )
            .scalar_subquery()
        )
        query = query.order_by(sa.func.coalesce(points, 0).desc(), Participation.id)
    elif order == "newest":
        query = query.order_by(Participation.created_at.desc(), Participation.id.desc())
    else:
        query = query.order_by(Participation.created_at, Participation.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def opportunities_with_applications() -> list[Opportunity]:
    """The opportunities that have applications waiting, for the queue's filter."""
    return list(
        db.session.scalars(
            sa.select(Opportunity)
            .where(sa.exists().where(Participation.opportunity_id == Opportunity.id, *_waiting()))
            .order_by(Opportunity.starts_at)
        )
    )


@dataclass(frozen=True)
class ApplicantFacts:
    """What a decision needs to know about an applicant."""

    company: str | None
    tier: str | None
    points: int
    asked: int
    cap: int
    completed: int
    no_shows: int


def applicant_facts(advocate_ids: list[int]) -> dict[int, ApplicantFacts]:
    """Company, tier, points, asks this quarter against the cap, and past participation,
    for a page of applicants (a fixed number of queries)."""
    if not advocate_ids:
        return {}
    jobs = current_jobs(advocate_ids)
    held = tiers.names_by_advocate(advocate_ids)
    points = ledger.totals_by_advocate(advocate_ids)
    asked = consent.asks_this_quarter(advocate_ids)
    caps = dict(
        db.session.execute(
            sa.select(AdvocateProfile.user_id, AdvocateProfile.max_asks_per_quarter).where(
                AdvocateProfile.user_id.in_(advocate_ids)
            )
        ).all()
    )
    history: dict[tuple[int, S], int] = {
        (advocate_id, status): count
        for advocate_id, status, count in db.session.execute(
            sa.select(Participation.advocate_id, Participation.status, sa.func.count())
            .where(
                Participation.advocate_id.in_(advocate_ids),
                Participation.status.in_([S.COMPLETED, S.NO_SHOW]),
            )
            .group_by(Participation.advocate_id, Participation.status)
        )
    }
    return {
        advocate_id: ApplicantFacts(
            company=jobs[advocate_id].account.name if advocate_id in jobs else None,
            tier=held.get(advocate_id),
            points=points.get(advocate_id, 0),
            asked=asked[advocate_id],
            cap=caps.get(advocate_id, 0),
            completed=history.get((advocate_id, S.COMPLETED), 0),
            no_shows=history.get((advocate_id, S.NO_SHOW), 0),
        )
        for advocate_id in advocate_ids
    }


def seat_offers() -> list[tuple[Opportunity, Participation]]:
    """Review-mode opportunities with a free seat and a waitlist: the first in line."""
    opportunities = db.session.scalars(
        sa.select(Opportunity)
        .where(
            Opportunity.approval_mode == ApprovalMode.REVIEW,
            Opportunity.state.in_([OpportunityState.PUBLISHED, OpportunityState.CLOSED]),
            seat_left(),
            Opportunity.starts_at > utcnow(),
            sa.exists().where(
                Participation.opportunity_id == Opportunity.id,
                Participation.status == S.WAITLISTED,
            ),
        )
        .order_by(Opportunity.starts_at)
    ).all()
    if not opportunities:
        return []
    firsts: dict[int, Participation] = {}
    for participation in db.session.scalars(
        sa.select(Participation)
        .where(
            Participation.opportunity_id.in_([o.id for o in opportunities]),
            Participation.status == S.WAITLISTED,
        )
        .options(joinedload(Participation.advocate))
        .order_by(Participation.waitlisted_at, Participation.id)
    ):
        firsts.setdefault(participation.opportunity_id, participation)
    return [(o, firsts[o.id]) for o in opportunities if o.id in firsts]


def to_mark(limit: int = 100) -> list[Participation]:
    """Approved participants of opportunities that have started: completed or no-show?"""
    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Participation.opportunity)
            .where(
                Participation.status == S.APPROVED,
                Opportunity.starts_at <= utcnow(),
                Opportunity.state != OpportunityState.CANCELLED,
            )
            .options(joinedload(Participation.opportunity), joinedload(Participation.advocate))
            .order_by(Opportunity.starts_at, Participation.id)
            .limit(limit)
        )
    )


def participants(opportunity: Opportunity) -> list[Participation]:
    """Everyone who applied to or was invited to one opportunity, first first."""
    return list(
        db.session.scalars(
            sa.select(Participation)
            .where(Participation.opportunity_id == opportunity.id)
            .options(joinedload(Participation.advocate))
            .order_by(Participation.created_at, Participation.id)
        )
    )


def participation_statuses(opportunity_id: int, advocate_ids: list[int]) -> dict[int, S]:
    if not advocate_ids:
        return {}
    rows = db.session.execute(
        sa.select(Participation.advocate_id, Participation.status).where(
            Participation.opportunity_id == opportunity_id,
            Participation.advocate_id.in_(advocate_ids),
        )
    )
    return dict(rows.all())


def staff_counts() -> dict[str, int]:
    """What waits for the program team, counted in one query."""
    now = utcnow()
    upcoming = sa.and_(Opportunity.state != OpportunityState.CANCELLED, Opportunity.starts_at > now)
    started = sa.and_(Opportunity.state != OpportunityState.CANCELLED, Opportunity.starts_at <= now)
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(sa.and_(Participation.status == S.APPLIED, upcoming)),
            sa.func.count().filter(sa.and_(Participation.status == S.APPROVED, started)),
            sa.func.count().filter(sa.and_(Participation.status == S.INVITED, upcoming)),
        )
        .select_from(Participation)
        .join(Opportunity, Opportunity.id == Participation.opportunity_id)
        .where(Participation.status.in_([S.APPLIED, S.APPROVED, S.INVITED]))
    ).one()
    drafts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Opportunity)
        .where(Opportunity.state == OpportunityState.DRAFT)
    )
    return {"applied": row[0], "to_mark": row[1], "invited": row[2], "drafts": drafts}


def upcoming(limit: int = 6) -> list[Opportunity]:
    return list(
        db.session.scalars(
            sa.select(Opportunity)
            .where(
                Opportunity.state.in_([OpportunityState.PUBLISHED, OpportunityState.CLOSED]),
                Opportunity.starts_at > utcnow(),
            )
            .order_by(Opportunity.starts_at)
            .limit(limit)
        )
    )


def staff_listing(*, state: OpportunityState | None, text: str, page: int, per_page: int = 25):
    """Every opportunity, newest start first, for the staff list (a Flask-SQLAlchemy page)."""
    query = sa.select(Opportunity).order_by(Opportunity.starts_at.desc(), Opportunity.id.desc())
    if state is not None:
        query = query.where(Opportunity.state == state)
    if text.strip():
        query = query.where(contains_text(Opportunity.title, text))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
