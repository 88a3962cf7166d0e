"""Posting opportunities and moving them through their states.

draft → published → closed (→ reopened) or cancelled. Dates are aware; the
opportunity keeps the time zone its dates were entered in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _n

from portal.advocates.models import DiscussionTopic, Product
from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState
from portal.extensions import db
from portal.notifications.services import notify
from portal.opportunities import seats
from portal.opportunities.models import (
    OPEN_STATUSES,
    ApprovalMode,
    Opportunity,
    OpportunityIndustry,
    OpportunityRegion,
    OpportunityState,
    OpportunityType,
    Participation,
    in_sentence,
)
from portal.settings import get_setting, set_setting

# Points for a type whose default no admin has set.
FALLBACK_POINTS = 100


def default_points() -> dict[OpportunityType, int]:
    """What taking part in each type of opportunity is worth unless a manager says otherwise."""
    chosen = get_setting("default_points", {})
    return {kind: int(chosen.get(kind.value, FALLBACK_POINTS)) for kind in OpportunityType}


def set_default_points(points: dict[OpportunityType, int]) -> None:
    set_setting("default_points", {kind.value: value for kind, value in points.items()})


@dataclass
class OpportunityData:
    type: OpportunityType
    title: str
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    is_online: bool
    location: str
    seats: int
    application_deadline: datetime
    points: int | None  # None: the type's default
    approval_mode: ApprovalMode
    min_tier_id: int | None = None
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)


def _check_dates(data: OpportunityData) -> None:
    if data.ends_at < data.starts_at:
        raise InvalidState(_("The end must be after the start."))
    if data.application_deadline > data.starts_at:
        raise InvalidState(_("The application deadline must be on or before the start."))


def _apply_data(opportunity: Opportunity, data: OpportunityData) -> None:
    _check_dates(data)
    opportunity.type = data.type
    opportunity.title = data.title.strip()
    opportunity.summary = data.summary.strip()
    opportunity.description = data.description.strip()
    opportunity.starts_at = data.starts_at
    opportunity.ends_at = data.ends_at
    opportunity.timezone = data.timezone
    opportunity.is_online = data.is_online
    opportunity.location = data.location.strip()
    opportunity.seats = data.seats
    opportunity.application_deadline = data.application_deadline
    opportunity.points = data.points if data.points is not None else default_points()[data.type]
    opportunity.approval_mode = data.approval_mode
    opportunity.min_tier_id = data.min_tier_id
    opportunity.industry_rows = [
        OpportunityIndustry(industry=i) for i in sorted(set(data.industries))
    ]
    opportunity.region_rows = [OpportunityRegion(region=r) for r in sorted(set(data.regions))]
    opportunity.products = (
        list(db.session.scalars(sa.select(Product).where(Product.id.in_(data.product_ids))))
        if data.product_ids
        else []
    )
    opportunity.topics = (
        list(
            db.session.scalars(
                sa.select(DiscussionTopic).where(DiscussionTopic.id.in_(data.topic_ids))
            )
        )
        if data.topic_ids
        else []
    )


def create_opportunity(data: OpportunityData, *, by: User) -> Opportunity:
    """Save a new opportunity as a draft. Raises InvalidState for impossible dates."""
    opportunity = Opportunity(created_by=by, state=OpportunityState.DRAFT, seats_taken=0)
    _apply_data(opportunity, data)
    db.session.add(opportunity)
    db.session.flush()
    trail.record(
        "opportunity.created",
        "opportunity",
        opportunity.id,
        by_id=by.id,
        after=_audited(opportunity),
    )
    return opportunity


def _audited(opportunity: Opportunity) -> dict:
    """Every field the form sets, as the audit trail records it."""
    fields = (
        *("type", "title", "summary", "description", "starts_at", "ends_at", "timezone"),
        *("is_online", "location", "application_deadline", "seats", "points"),
        *("approval_mode", "min_tier_id", "industries", "regions"),
    )
    return {field: getattr(opportunity, field) for field in fields} | {
        "product_ids": sorted(product.id for product in opportunity.products),
        "topic_ids": sorted(topic.id for topic in opportunity.topics),
    }


def update_opportunity(
    opportunity: Opportunity, data: OpportunityData, *, by_id: int | None = None
) -> None:
    """Edit an opportunity; seats can't drop below the advocates already approved."""
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState(_("A cancelled opportunity can't be edited."))
    locked = seats.lock_opportunity(opportunity.id)
    if data.seats < locked.seats_taken:
        raise InvalidState(
            _n(
                "%(num)d advocate is approved: seats can't be fewer than that.",
                "%(num)d advocates are approved: seats can't be fewer than that.",
                locked.seats_taken,
            )
        )
    added_seats = data.seats > locked.seats
    before = _audited(locked)
    _apply_data(locked, data)
    db.session.flush()
    after = _audited(locked)
    if by_id is not None and after != before:  # saved again unchanged: nothing to record
        trail.record(
            "opportunity.updated",
            "opportunity",
            locked.id,
            by_id=by_id,
            before=before,
            after=after,
        )
    if added_seats:
        seats.fill_freed_seats(locked)


def publish(opportunity: Opportunity, *, by_id: int | None = None) -> None:
    """Make a draft (or a closed one: reopen) visible to advocates."""
    if opportunity.state not in (OpportunityState.DRAFT, OpportunityState.CLOSED):
        raise InvalidState(
            _(
                "A %(state)s opportunity can't be published.",
                state=in_sentence(opportunity.state.label),
            )
        )
    if opportunity.application_deadline <= utcnow():
        raise InvalidState(_("The application deadline has passed. Move it before publishing."))
    _record_state(opportunity, OpportunityState.PUBLISHED, by_id)
    opportunity.state = OpportunityState.PUBLISHED
    opportunity.published_at = opportunity.published_at or utcnow()


reopen = publish


def close(opportunity: Opportunity, *, by_id: int | None = None) -> None:
    """Stop taking applications; approved advocates keep their seats."""
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState(_("Only a published opportunity can be closed."))
    _record_state(opportunity, OpportunityState.CLOSED, by_id)
    opportunity.state = OpportunityState.CLOSED


def _record_state(opportunity: Opportunity, state: OpportunityState, by_id: int | None) -> None:
    if by_id is not None:
        trail.record_change("opportunity.state_changed", opportunity, by_id=by_id, state=state)


def cancel(opportunity: Opportunity, *, message: str = "", by_id: int | None = None) -> int:
    """Call an opportunity off and tell everyone still taking part; returns how many."""
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState(_("This opportunity is already cancelled."))
    if opportunity.ends_at <= utcnow() and opportunity.state != OpportunityState.DRAFT:
        raise InvalidState(_("This opportunity is over; it can't be cancelled."))
    _record_state(opportunity, OpportunityState.CANCELLED, by_id)
    opportunity.state = OpportunityState.CANCELLED
    told = 0
    for participation in db.session.scalars(
        sa.select(Participation).where(
            Participation.opportunity_id == opportunity.id,
            Participation.status.in_(OPEN_STATUSES),
        )
    ):
        notify(
            participation.advocate_id,
            "opportunity_cancelled",
            _l("“%(title)s” was cancelled. %(message)s", title=opportunity.title, message=message)
            if message.strip()
            else _l("“%(title)s” was cancelled.", title=opportunity.title),
            "opportunities.detail",
            opportunity_id=opportunity.id,
        )
        told += 1
    return told
