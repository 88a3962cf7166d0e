"""Opportunities and participation: posting, applying, deciding, seats, completion.

Seats are settled by the database: `seats_taken` only moves through
conditional UPDATEs (`... WHERE seats_taken < seats`), and a CHECK
constraint backs them up, so no number of simultaneous clicks overbooks.
Participation rows are locked (`FOR UPDATE`) before a state change, so a
double click or two managers at once decide once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from portal.advocates import asks
from portal.advocates.models import Account, AdvocateProfile, AskAnswer, AskKind, Employment
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import AlreadyExists, InvalidState, NotAllowed, NotEligible, SeatsFull
from portal.extensions import db
from portal.notifications.services import notify
from portal.opportunities.models import (
    OPEN_STATUSES,
    ApprovalMode,
    Opportunity,
    OpportunityIndustry,
    OpportunityRegion,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
    opportunity_industry,
    opportunity_product,
    opportunity_region,
)
from portal.recognition import ledger
from portal.recognition.models import PointsSource, Tier
from portal.signals import participation_approved, participation_completed

S = ParticipationStatus


# --- posting --------------------------------------------------------------


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
    points: int
    approval_mode: ApprovalMode
    min_tier_id: int | None = None
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)


def _check_dates(data: OpportunityData) -> None:
    if data.ends_at < data.starts_at:
        raise InvalidState("The end must be after the start.")
    if data.application_deadline > data.starts_at:
        raise InvalidState("The application deadline must be on or before the start.")


def _apply_data(opportunity: Opportunity, data: OpportunityData) -> None:
    from portal.advocates.models import Product

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
    opportunity.points = data.points
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


def create_opportunity(data: OpportunityData, *, by: User) -> Opportunity:
    """Save a new opportunity as a draft. Raises InvalidState for impossible dates."""
    opportunity = Opportunity(created_by=by, state=OpportunityState.DRAFT, seats_taken=0)
    _apply_data(opportunity, data)
    db.session.add(opportunity)
    db.session.flush()
    return opportunity


def update_opportunity(opportunity: Opportunity, data: OpportunityData) -> None:
    """Edit an opportunity; seats can't drop below the advocates already approved."""
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState("A cancelled opportunity can't be edited.")
    locked = _lock_opportunity(opportunity.id)
    if data.seats < locked.seats_taken:
        raise InvalidState(
            f"{locked.seats_taken} advocates are approved: seats can't be fewer than that."
        )
    added_seats = data.seats > locked.seats
    _apply_data(locked, data)
    db.session.flush()
    if added_seats:
        _fill_freed_seats(locked)


def _lock_opportunity(opportunity_id: int) -> Opportunity:
    return db.session.scalar(
        sa.select(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def publish(opportunity: Opportunity) -> None:
    """Make a draft (or a closed one: reopen) visible to advocates."""
    if opportunity.state not in (OpportunityState.DRAFT, OpportunityState.CLOSED):
        raise InvalidState(f"A {opportunity.state.label.lower()} opportunity can't be published.")
    if opportunity.application_deadline <= utcnow():
        raise InvalidState("The application deadline has passed. Move it before publishing.")
    opportunity.state = OpportunityState.PUBLISHED
    opportunity.published_at = opportunity.published_at or utcnow()


reopen = publish


def close(opportunity: Opportunity) -> None:
    """Stop taking applications; approved advocates keep their seats."""
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState("Only a published opportunity can be closed.")
    opportunity.state = OpportunityState.CLOSED


def cancel(opportunity: Opportunity, *, message: str = "") -> int:
    """Call an opportunity off and tell everyone still taking part; returns how many."""
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState("This opportunity is already cancelled.")
    if opportunity.ends_at <= utcnow() and opportunity.state != OpportunityState.DRAFT:
        raise InvalidState("This opportunity is over; it can't be cancelled.")
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
            f"“{opportunity.title}” was cancelled. {message}".strip(),
            "opportunities.detail",
            opportunity_id=opportunity.id,
        )
        told += 1
    return told


# --- who may take part ----------------------------------------------------


@dataclass(frozen=True)
class AdvocateContext:
    """What eligibility rules look at, loaded once per request."""

    advocate_id: int
    tier_position: int | None
    industry: str | None
    region: str | None
    product_ids: frozenset[int]
    points: int = 0


def advocate_context(user: User) -> AdvocateContext:
    from portal.advocates.models import advocate_product

    row = db.session.execute(
        sa.select(Tier.position, Account.industry, Account.region)
        .select_from(AdvocateProfile)
        .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .outerjoin(
            Employment,
            sa.and_(Employment.user_id == AdvocateProfile.user_id, Employment.ended_on.is_(None)),
        )
        .outerjoin(Account, Account.id == Employment.account_id)
        .where(AdvocateProfile.user_id == user.id)
    ).first()
    products = db.session.scalars(
        sa.select(advocate_product.c.product_id).where(advocate_product.c.user_id == user.id)
    )
    tier_position, industry, region = row if row else (None, None, None)
    return AdvocateContext(
        user.id,
        tier_position,
        industry,
        region,
        frozenset(products),
        ledger.total_for(user.id),
    )


def eligibility_problems(
    opportunity: Opportunity, context: AdvocateContext, tiers_by_id: dict[int, Tier]
) -> list[str]:
    """What keeps this advocate out (tier, industry, region, product); empty if eligible."""
    from portal.advocates.models import Industry, Region

    problems = []
    if opportunity.min_tier_id is not None:
        tier = tiers_by_id[opportunity.min_tier_id]
        if context.tier_position is None or context.tier_position < tier.position:
            if context.points >= tier.threshold:
                how = f"join {tier.name} on your Tiers page"
            else:
                how = f"{tier.threshold - context.points:,} more points to reach {tier.name}"
            problems.append(f"Open to the {tier.name} tier and above ({how})")
    if opportunity.industries and context.industry not in opportunity.industries:
        labels = ", ".join(Industry(i).label for i in opportunity.industries)
        problems.append(f"For customers in {labels}")
    if opportunity.regions and context.region not in opportunity.regions:
        labels = ", ".join(Region(r).label for r in opportunity.regions)
        problems.append(f"For customers in {labels}")
    if opportunity.products and not ({p.id for p in opportunity.products} & context.product_ids):
        labels = ", ".join(p.name for p in opportunity.products)
        problems.append(f"For users of {labels}")
    return problems


def _eligible_clause(context: AdvocateContext, tiers_by_id: dict[int, Tier]):
    reachable = [
        tier.id
        for tier in tiers_by_id.values()
        if context.tier_position is not None and tier.position <= context.tier_position
    ]
    oid = Opportunity.id

    def open_or_matching(table: sa.Table, column: sa.Column, values: list) -> sa.ColumnElement:
        restricted = sa.exists().where(table.c.opportunity_id == oid)
        matching = sa.exists().where(table.c.opportunity_id == oid, column.in_(values))
        return sa.or_(~restricted, matching)

    return sa.and_(
        sa.or_(Opportunity.min_tier_id.is_(None), Opportunity.min_tier_id.in_(reachable)),
        open_or_matching(
            opportunity_industry, opportunity_industry.c.industry, [context.industry or ""]
        ),
        open_or_matching(opportunity_region, opportunity_region.c.region, [context.region or ""]),
        open_or_matching(
            opportunity_product, opportunity_product.c.product_id, list(context.product_ids)
        ),
    )


def tiers_by_id() -> dict[int, Tier]:
    return {tier.id: tier for tier in db.session.scalars(sa.select(Tier))}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def advocate_listing(
    context: AdvocateContext,
    tiers: dict[int, Tier],
    *,
    type: OpportunityType | None = None,
    text: str = "",
    eligible_only: bool = False,
    page: int = 1,
    per_page: int = 12,
):
    """Published opportunities that haven't ended, soonest first (a Flask-SQLAlchemy page)."""
    query = (
        sa.select(Opportunity)
        .where(Opportunity.state == OpportunityState.PUBLISHED, Opportunity.ends_at > utcnow())
        .options(
            selectinload(Opportunity.products),
            selectinload(Opportunity.industry_rows),
            selectinload(Opportunity.region_rows),
        )
        .order_by(Opportunity.starts_at, Opportunity.id)
    )
    if type is not None:
        query = query.where(Opportunity.type == type)
    if text.strip():
        pattern = f"%{_escape_like(text.strip())}%"
        query = query.where(
            sa.or_(
                Opportunity.title.ilike(pattern, escape="\\"),
                Opportunity.summary.ilike(pattern, escape="\\"),
            )
        )
    if eligible_only:
        query = query.where(_eligible_clause(context, tiers))
    return db.paginate(query, page=page, per_page=per_page, error_out=False, max_per_page=50)


def participations_of(advocate_id: int, opportunity_ids: list[int]) -> dict[int, Participation]:
    if not opportunity_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Participation).where(
            Participation.advocate_id == advocate_id,
            Participation.opportunity_id.in_(opportunity_ids),
        )
    )
    return {p.opportunity_id: p for p in rows}


def visible_to(opportunity: Opportunity, user: User) -> bool:
    """Advocates see published opportunities, and any they take part in; staff see all."""
    if user.is_staff:
        return True
    if user.role != Role.ADVOCATE:
        return False
    if opportunity.state == OpportunityState.PUBLISHED:
        return True
    return (
        opportunity.state != OpportunityState.DRAFT
        and participations_of(user.id, [opportunity.id]).get(opportunity.id) is not None
    )


# --- seats ----------------------------------------------------------------


def _take_seat(opportunity: Opportunity) -> bool:
    """Take one seat if one is left; the database decides between simultaneous requests."""
    result = db.session.execute(
        sa.update(Opportunity)
        .where(Opportunity.id == opportunity.id, Opportunity.seats_taken < Opportunity.seats)
        .values(seats_taken=Opportunity.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(opportunity, ["seats_taken"])
    return result.rowcount == 1


def _free_seat(opportunity: Opportunity) -> None:
    db.session.execute(
        sa.update(Opportunity)
        .where(Opportunity.id == opportunity.id, Opportunity.seats_taken > 0)
        .values(seats_taken=Opportunity.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(opportunity, ["seats_taken"])


def waitlist_of(opportunity_id: int) -> list[Participation]:
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


def _fill_freed_seats(opportunity: Opportunity) -> int:
    """First come: promote the waitlist into free seats. Review mode leaves it to a manager."""
    if (
        opportunity.approval_mode != ApprovalMode.FIRST_COME
        or opportunity.state == OpportunityState.CANCELLED
        or opportunity.starts_at <= utcnow()
    ):
        return 0
    promoted = 0
    for waiting in waitlist_of(opportunity.id):
        if not _take_seat(opportunity):
            break
        waiting.status = S.APPROVED
        waiting.decided_at = utcnow()
        waiting.decided_by_id = None
        promoted += 1
        participation_approved.send(waiting.advocate_id, participation=waiting)
        notify(
            waiting.advocate_id,
            "application_approved",
            f"A seat opened for “{opportunity.title}”: you're in!",
            "opportunities.detail",
            opportunity_id=opportunity.id,
        )
    return promoted


def _seat_freed(opportunity: Opportunity) -> None:
    _free_seat(opportunity)
    db.session.flush()
    _fill_freed_seats(opportunity)


# --- applying (the advocate) ----------------------------------------------


def _lock_participation(participation: Participation) -> Participation:
    return db.session.scalar(
        sa.select(Participation)
        .where(Participation.id == participation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_open_for_applications(opportunity: Opportunity) -> None:
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState("This opportunity is not taking applications.")
    if utcnow() >= opportunity.application_deadline:
        raise InvalidState("The application deadline has passed.")


def apply(
    opportunity: Opportunity,
    advocate: User,
    *,
    note: str = "",
    join_waitlist: bool = False,
) -> Participation:
    """Apply (or join the waitlist). In first-come mode a free seat approves at once.

    Raises InvalidState (not open, deadline passed), NotEligible, AlreadyExists
    (applied or invited before) and SeatsFull (no seat, and the advocate did
    not ask to join the waitlist).
    """
    if advocate.role != Role.ADVOCATE:
        raise NotAllowed("Only advocates can apply.")
    _check_open_for_applications(opportunity)
    problems = eligibility_problems(opportunity, advocate_context(advocate), tiers_by_id())
    if problems:
        raise NotEligible("You're not eligible: " + "; ".join(problems) + ".")
    existing = participations_of(advocate.id, [opportunity.id]).get(opportunity.id)
    if existing is not None:
        raise AlreadyExists(_already_there(existing))
    db.session.refresh(opportunity, ["seats_taken"])
    if opportunity.is_full and not join_waitlist:
        raise SeatsFull("All seats are taken. You can join the waitlist instead.")

    now = utcnow()
    participation = Participation(
        opportunity=opportunity, advocate=advocate, status=S.APPLIED, note=note.strip()
    )
    db.session.add(participation)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same advocate, a moment earlier
        db.session.rollback()
        raise AlreadyExists("You already applied to this opportunity.") from error

    if join_waitlist and opportunity.is_full:
        participation.status, participation.waitlisted_at = S.WAITLISTED, now
    elif opportunity.approval_mode == ApprovalMode.FIRST_COME:
        if _take_seat(opportunity):
            participation.status, participation.decided_at = S.APPROVED, now
        else:  # the last seat went to someone else a moment ago
            participation.status, participation.waitlisted_at = S.WAITLISTED, now
    db.session.flush()
    _tell_applicant(participation, opportunity)
    if participation.status == S.APPROVED:
        participation_approved.send(advocate.id, participation=participation)
    return participation


_APPLIED_MESSAGES = {
    # status: (kind, subject, message)
    S.APPLIED: (
        "application_received",
        "Application received: {title}",
        "We received your application for “{title}”. The program team will get back to you.",
    ),
    S.APPROVED: (
        "application_approved",
        "You're in: {title}",
        "You're in: your seat for “{title}” is confirmed.",
    ),
    S.WAITLISTED: (
        "application_waitlisted",
        "On the waitlist: {title}",
        "All seats for “{title}” are taken, so you're on the waitlist. "
        "We'll tell you if a seat opens.",
    ),
}


def _tell_applicant(participation: Participation, opportunity: Opportunity) -> None:
    kind, subject, message = _APPLIED_MESSAGES[participation.status]
    notify(
        participation.advocate_id,
        kind,
        message.format(title=opportunity.title),
        "opportunities.detail",
        subject=subject.format(title=opportunity.title),
        opportunity_id=opportunity.id,
    )


def _already_there(participation: Participation) -> str:
    if participation.status == S.INVITED:
        return "You're invited to this opportunity: accept the invitation instead."
    if participation.status == S.WITHDRAWN:
        return "You withdrew from this opportunity; contact the program team to rejoin."
    return f"You already applied to this opportunity ({participation.status.label.lower()})."


def withdraw(participation: Participation, advocate: User) -> None:
    """Step back before the start; a freed seat goes to the waitlist (first come)."""
    if participation.advocate_id != advocate.id:
        raise NotAllowed("This is not your application.")
    participation = _lock_participation(participation)
    if participation.status not in OPEN_STATUSES:
        raise InvalidState(
            f"You can't withdraw: this is {participation.status.label.lower()} already."
        )
    opportunity = participation.opportunity
    if utcnow() >= opportunity.starts_at:
        raise InvalidState("It has already started. Contact the program team instead.")
    held_seat = participation.holds_seat
    if participation.status == S.INVITED and participation.ask is not None:
        _answer_ask(participation, AskAnswer.DECLINED)
    participation.status = S.WITHDRAWN
    db.session.flush()
    if held_seat:
        _seat_freed(opportunity)


def respond_to_invitation(participation: Participation, advocate: User, *, accept: bool) -> None:
    """Accept (a seat if one is left, else the waitlist) or decline an invitation."""
    if participation.advocate_id != advocate.id:
        raise NotAllowed("This is not your invitation.")
    participation = _lock_participation(participation)
    if participation.status != S.INVITED:
        raise InvalidState("This invitation was already answered.")
    opportunity = participation.opportunity
    if opportunity.state == OpportunityState.CANCELLED or utcnow() >= opportunity.starts_at:
        raise InvalidState("This opportunity is no longer open.")
    now = utcnow()
    if not accept:
        participation.status = S.WITHDRAWN
        _answer_ask(participation, AskAnswer.DECLINED)
        return
    _answer_ask(participation, AskAnswer.ACCEPTED)
    if _take_seat(opportunity):
        participation.status, participation.decided_at = S.APPROVED, now
        db.session.flush()
        participation_approved.send(advocate.id, participation=participation)
    else:
        participation.status, participation.waitlisted_at = S.WAITLISTED, now


def _answer_ask(participation: Participation, answer: AskAnswer) -> None:
    if participation.ask is not None and participation.ask.answer is None:
        participation.ask.answer = answer
        participation.ask.answered_at = utcnow()


# --- deciding (the manager) -----------------------------------------------


class Decision(StrEnum):
    APPROVE = "approve"
    WAITLIST = "waitlist"
    DECLINE = "decline"


_DECISION_STATUS = {
    Decision.APPROVE: S.APPROVED,
    Decision.WAITLIST: S.WAITLISTED,
    Decision.DECLINE: S.DECLINED,
}
_DECIDABLE = frozenset({S.APPLIED, S.WAITLISTED, S.APPROVED})


def decide(
    participation: Participation, decision: Decision, *, by: User, message: str = ""
) -> bool:
    """Approve, waitlist or decline an application; the advocate sees the message.

    Returns False when it was already so (a double click changes nothing).
    Raises SeatsFull when approving with no seat left, InvalidState when the
    application can no longer be decided.
    """
    participation = _lock_participation(participation)
    target = _DECISION_STATUS[decision]
    if participation.status == target:
        return False
    opportunity = participation.opportunity
    if participation.status not in _DECIDABLE:
        raise InvalidState(
            f"This application is {participation.status.label.lower()}; it can't be changed."
        )
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState("This opportunity is cancelled.")
    if utcnow() >= opportunity.starts_at:
        raise InvalidState("It has started: mark participants completed or no-show instead.")
    now = utcnow()
    held_seat = participation.holds_seat
    if target == S.APPROVED and not _take_seat(opportunity):
        raise SeatsFull(
            f"All {opportunity.seats} seats are taken. Add seats or waitlist this advocate."
        )
    participation.status = target
    participation.decided_at, participation.decided_by_id = now, by.id
    if target == S.WAITLISTED:
        participation.waitlisted_at = now
    if message.strip():
        participation.manager_message = message.strip()
    db.session.flush()
    if held_seat:
        _seat_freed(opportunity)
    if target == S.APPROVED:
        participation_approved.send(participation.advocate_id, participation=participation)
    notify(
        participation.advocate_id,
        f"application_{target.value}",
        f"Your application for “{opportunity.title}”: {target.label.lower()}."
        + (f" {message.strip()}" if message.strip() else ""),
        "opportunities.detail",
        subject=f"{target.label}: {opportunity.title}",
        opportunity_id=opportunity.id,
    )
    return True


def mark_completed(participation: Participation, *, by: User) -> bool:
    """Record that the advocate took part; their points follow in the same transaction.

    Idempotent: completing twice (or ten times at once) awards once.
    Raises InvalidState before the start or for an advocate who wasn't approved.
    """
    participation = _lock_participation(participation)
    if participation.status == S.COMPLETED:
        return False
    opportunity = participation.opportunity
    _check_can_mark(participation, opportunity)
    participation.status = S.COMPLETED
    participation.completed_at = utcnow()
    participation.decided_by_id = by.id
    db.session.flush()
    ledger.award(
        participation.advocate_id,
        opportunity.points,
        reason=opportunity.title,
        key=f"participation:{participation.id}",
        source=PointsSource.PARTICIPATION,
        source_id=participation.id,
        by_id=by.id,
    )
    notify(
        participation.advocate_id,
        "participation_completed",
        f"Thank you for “{opportunity.title}”! {opportunity.points:,} points were added.",
        "advocates.dashboard",
    )
    participation_completed.send(participation.advocate_id, participation=participation)
    return True


def mark_no_show(participation: Participation, *, by: User) -> bool:
    """Record that an approved advocate didn't take part; a mistaken completion is reversed."""
    participation = _lock_participation(participation)
    if participation.status == S.NO_SHOW:
        return False
    opportunity = participation.opportunity
    if participation.status == S.COMPLETED:
        entry = ledger.entry_for_key(f"participation:{participation.id}")
        if entry is not None:
            ledger.reverse(entry, reason=f"Marked no-show: {opportunity.title}", by_id=by.id)
    else:
        _check_can_mark(participation, opportunity)
    participation.status = S.NO_SHOW
    participation.decided_by_id = by.id
    db.session.flush()
    _free_seat(opportunity)
    return True


def _check_can_mark(participation: Participation, opportunity: Opportunity) -> None:
    if participation.status != S.APPROVED:
        raise InvalidState("Only approved participants can be marked.")
    if utcnow() < opportunity.starts_at:
        raise InvalidState("It hasn't started yet.")


# --- inviting -------------------------------------------------------------


def invite(
    opportunity: Opportunity, advocate: User, *, by: User, message: str = ""
) -> Participation:
    """Invite one advocate. An invitation is an ask: consent and caps apply, no override.

    Raises AskNotAllowed with the reasons, AlreadyExists, or InvalidState.
    """
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState("Publish the opportunity before inviting advocates.")
    if utcnow() >= opportunity.starts_at:
        raise InvalidState("It has already started.")
    existing = participations_of(advocate.id, [opportunity.id]).get(opportunity.id)
    if existing is not None:
        raise AlreadyExists(
            f"{advocate.name} is already {existing.status.label.lower()} for this opportunity."
        )
    ask = asks.record_ask(
        advocate,
        kind=AskKind.INVITATION,
        topic=opportunity.type.value,
        subject=opportunity.title,
        asked_by=by,
        opportunity_id=opportunity.id,
    )
    participation = Participation(
        opportunity=opportunity,
        advocate=advocate,
        status=S.INVITED,
        ask=ask,
        manager_message=message.strip(),
        decided_by_id=by.id,
    )
    db.session.add(participation)
    db.session.flush()
    notify(
        advocate.id,
        "invitation",
        f"You're invited to “{opportunity.title}”."
        + (f" {message.strip()}" if message.strip() else ""),
        "opportunities.detail",
        subject=f"You're invited: {opportunity.title}",
        opportunity_id=opportunity.id,
    )
    return participation


# --- the manager's queues -------------------------------------------------


def review_queue(*, page: int = 1, per_page: int = 25):
    """Applications waiting for a decision, oldest first (a Flask-SQLAlchemy page)."""
    return db.paginate(
        sa.select(Participation)
        .join(Participation.opportunity)
        .where(
            Participation.status == S.APPLIED,
            Opportunity.state != OpportunityState.CANCELLED,
            Opportunity.starts_at > utcnow(),
        )
        .options(joinedload(Participation.opportunity), joinedload(Participation.advocate))
        .order_by(Participation.created_at, Participation.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def seat_offers() -> list[tuple[Opportunity, Participation]]:
    """Review-mode opportunities with a free seat and a waitlist: the first in line."""
    opportunities = db.session.scalars(
        sa.select(Opportunity)
        .where(
            Opportunity.approval_mode == ApprovalMode.REVIEW,
            Opportunity.state.in_([OpportunityState.PUBLISHED, OpportunityState.CLOSED]),
            Opportunity.seats_taken < Opportunity.seats,
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
    return list(
        db.session.scalars(
            sa.select(Participation)
            .where(Participation.opportunity_id == opportunity.id)
            .options(joinedload(Participation.advocate))
            .order_by(Participation.created_at, Participation.id)
        )
    )


def with_opportunity_summary():
    """Load a participation's opportunity from the query's join, without its eligibility rows.

    Lists of participations show titles and dates; the industry and region
    rows (loaded by default for eligibility) would cost two more queries.
    """
    return contains_eager(Participation.opportunity).options(
        lazyload(Opportunity.industry_rows), lazyload(Opportunity.region_rows)
    )


def my_participations(advocate_id: int, limit: int = 50) -> list[Participation]:
    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Participation.opportunity)
            .where(Participation.advocate_id == advocate_id)
            .options(with_opportunity_summary())
            .order_by(Opportunity.starts_at.desc(), Participation.id.desc())
            .limit(limit)
        )
    )


DECISION_LABELS = {
    Decision.APPROVE: "approved",
    Decision.WAITLIST: "waitlisted",
    Decision.DECLINE: "declined",
}


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
    query = sa.select(Opportunity).order_by(Opportunity.starts_at.desc(), Opportunity.id.desc())
    if state is not None:
        query = query.where(Opportunity.state == state)
    if text.strip():
        query = query.where(Opportunity.title.ilike(f"%{_escape_like(text.strip())}%", escape="\\"))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
