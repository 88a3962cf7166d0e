"""Opportunities (create, publish, close) and participations (read, complete).

Through the same services as the staff pages (`opportunities.posting`,
`opportunities.participation`). Applying on an advocate's behalf is not
offered: applying is the advocate's own choice.
"""

import sqlalchemy as sa
from flask import url_for
from spectree import Response as Responses

from portal import clock
from portal.api import access, bp
from portal.api.conventions import answer, as_utc, next_link, page_of
from portal.api.core import operation
from portal.api.problems import ApiProblem
from portal.api.schemas import (
    NewDecision,
    NewOpportunity,
    Opportunity,
    OpportunityList,
    OpportunityQuery,
    Participation,
    ParticipationList,
    ParticipationQuery,
)
from portal.extensions import db
from portal.opportunities import participation as participations
from portal.opportunities import posting, seats
from portal.opportunities.models import Opportunity as OpportunityRow
from portal.opportunities.models import OpportunityState
from portal.opportunities.models import Participation as ParticipationRow


def as_opportunity(row: OpportunityRow) -> Opportunity:
    return Opportunity(
        id=row.id,
        type=row.type.value,
        title=row.title,
        summary=row.summary,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        is_online=row.is_online,
        location=row.location,
        seats=row.seats,
        seats_taken=row.seats_taken,
        application_deadline=row.application_deadline,
        points=row.points,
        approval_mode=row.approval_mode.value,
        state=row.state.value,
        min_tier_id=row.min_tier_id,
        industries=row.industries,
        regions=row.regions,
        product_ids=[product.id for product in row.products],
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def _with_details():
    return (
        sa.orm.selectinload(OpportunityRow.industry_rows),
        sa.orm.selectinload(OpportunityRow.region_rows),
        sa.orm.selectinload(OpportunityRow.products),
    )


def _visible() -> sa.ColumnElement[bool]:
    if access.is_staff():
        return sa.true()
    return OpportunityRow.state == OpportunityState.PUBLISHED


@bp.get("/opportunities")
@operation(
    "opportunities:read",
    query=OpportunityQuery,
    resp=Responses(HTTP_200=OpportunityList, HTTP_304=None),
    tags=["opportunities"],
)
def list_opportunities(query: OpportunityQuery):
    """Opportunities (staff see every state; others the published ones)."""
    select = sa.select(OpportunityRow).options(*_with_details()).where(_visible())
    if query.state is not None:
        select = select.where(OpportunityRow.state == query.state)
    if query.type is not None:
        select = select.where(OpportunityRow.type == query.type)
    if query.updated_since is not None:
        select = select.where(OpportunityRow.updated_at >= as_utc(query.updated_since))
    rows, cursor = page_of(select, OpportunityRow.id, cursor=query.cursor, limit=query.limit)
    return answer(
        OpportunityList(items=[as_opportunity(row) for row in rows], next=next_link(cursor))
    )


def _opportunity_or_404(opportunity_id: int) -> OpportunityRow:
    row = db.session.scalar(
        sa.select(OpportunityRow)
        .options(*_with_details())
        .where(OpportunityRow.id == opportunity_id, _visible())
    )
    if row is None:
        raise access.not_found("opportunity")
    return row


@bp.get("/opportunities/<id:opportunity_id>")
@operation(
    "opportunities:read",
    resp=Responses(HTTP_200=Opportunity, HTTP_304=None),
    tags=["opportunities"],
    refusals=("HTTP_404",),
)
def get_opportunity(opportunity_id: int):
    """One opportunity."""
    return answer(as_opportunity(_opportunity_or_404(opportunity_id)))


@bp.post("/opportunities")
@operation(
    "opportunities:write",
    json=NewOpportunity,
    resp=Responses(HTTP_201=Opportunity),
    tags=["opportunities"],
    refusals=("HTTP_409",),
)
def create_opportunity(json: NewOpportunity):
    """Save a new opportunity as a draft (publish it next)."""
    access.require_staff()
    if not clock.is_valid_timezone(json.timezone):
        raise ApiProblem(
            422,
            "The request has invalid fields.",
            slug="invalid",
            errors=[{"field": "timezone", "message": "not an IANA time zone"}],
        )
    data = posting.OpportunityData(
        type=json.type,
        title=json.title,
        summary=json.summary,
        description=json.description,
        starts_at=json.starts_at,
        ends_at=json.ends_at,
        timezone=json.timezone,
        is_online=json.is_online,
        location=json.location,
        seats=json.seats,
        application_deadline=json.application_deadline,
        points=json.points,
        approval_mode=json.approval_mode,
        min_tier_id=json.min_tier_id,
        industries=[industry.value for industry in json.industries],
        regions=[region.value for region in json.regions],
        product_ids=list(json.product_ids),
    )
    row = posting.create_opportunity(data, by=access.user())
    location = url_for("api.get_opportunity", opportunity_id=row.id)
    return answer(as_opportunity(row), 201, Location=location)


def _change_state(opportunity_id: int, service) -> OpportunityRow:
    access.require_staff()
    _opportunity_or_404(opportunity_id)
    row = seats.lock_opportunity(opportunity_id)
    service(row)
    db.session.flush()
    return row


@bp.post("/opportunities/<id:opportunity_id>/publish")
@operation(
    "opportunities:write",
    resp=Responses(HTTP_200=Opportunity),
    tags=["opportunities"],
    refusals=("HTTP_404", "HTTP_409"),
)
def do_publish(opportunity_id: int):
    """Publish a draft, or reopen a closed opportunity."""
    return answer(as_opportunity(_change_state(opportunity_id, posting.publish)))


@bp.post("/opportunities/<id:opportunity_id>/close")
@operation(
    "opportunities:write",
    resp=Responses(HTTP_200=Opportunity),
    tags=["opportunities"],
    refusals=("HTTP_404", "HTTP_409"),
)
def do_close(opportunity_id: int):
    """Stop taking applications; approved advocates keep their seats."""
    return answer(as_opportunity(_change_state(opportunity_id, posting.close)))


# --- participations --------------------------------------------------------------


def as_participation(row: ParticipationRow) -> Participation:
    return Participation(
        id=row.id,
        opportunity_id=row.opportunity_id,
        advocate_id=row.advocate_id,
        status=row.status.value,
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_at=row.decided_at,
        completed_at=row.completed_at,
    )


def _participations() -> sa.Select:
    select = sa.select(ParticipationRow)
    own = access.own_data_only()
    return select if own is None else select.where(ParticipationRow.advocate_id == own)


@bp.get("/participations")
@operation(
    "participations:read",
    query=ParticipationQuery,
    resp=Responses(HTTP_200=ParticipationList, HTTP_304=None),
    tags=["participations"],
)
def list_participations(query: ParticipationQuery):
    """Who takes part in what (an advocate's token: their own only)."""
    select = _participations()
    if query.opportunity_id is not None:
        select = select.where(ParticipationRow.opportunity_id == query.opportunity_id)
    if query.advocate_id is not None:
        select = select.where(ParticipationRow.advocate_id == query.advocate_id)
    if query.status is not None:
        select = select.where(ParticipationRow.status == query.status)
    if query.updated_since is not None:
        select = select.where(ParticipationRow.updated_at >= as_utc(query.updated_since))
    rows, cursor = page_of(select, ParticipationRow.id, cursor=query.cursor, limit=query.limit)
    return answer(
        ParticipationList(items=[as_participation(row) for row in rows], next=next_link(cursor))
    )


def _participation_or_404(participation_id: int) -> ParticipationRow:
    row = db.session.scalar(_participations().where(ParticipationRow.id == participation_id))
    if row is None:
        raise access.not_found("participation")
    return row


@bp.get("/participations/<id:participation_id>")
@operation(
    "participations:read",
    resp=Responses(HTTP_200=Participation, HTTP_304=None),
    tags=["participations"],
    refusals=("HTTP_404",),
)
def get_participation(participation_id: int):
    """One participation."""
    return answer(as_participation(_participation_or_404(participation_id)))


@bp.post("/participations/<id:participation_id>/complete")
@operation(
    "participations:write",
    resp=Responses(HTTP_200=Participation),
    tags=["participations"],
    refusals=("HTTP_404", "HTTP_409"),
)
def do_complete(participation_id: int):
    """Record that the advocate took part; the opportunity's points follow, once."""
    access.require_staff()
    row = _participation_or_404(participation_id)
    participations.mark_completed(row, by=access.user())
    db.session.flush()
    db.session.refresh(row)
    return answer(as_participation(row))


@bp.post("/participations/<id:participation_id>/decision")
@operation(
    "participations:write",
    json=NewDecision,
    resp=Responses(HTTP_200=Participation),
    tags=["participations"],
    refusals=("HTTP_404", "HTTP_409"),
)
def do_decide(participation_id: int, json: NewDecision):
    """Approve, waitlist or decline an application before the start (seats permitting)."""
    access.require_staff()
    row = _participation_or_404(participation_id)
    participations.decide(
        row, participations.Decision(json.decision), by=access.user(), message=json.message
    )
    db.session.flush()
    db.session.refresh(row)
    return answer(as_participation(row))


@bp.post("/participations/<id:participation_id>/no-show")
@operation(
    "participations:write",
    resp=Responses(HTTP_200=Participation),
    tags=["participations"],
    refusals=("HTTP_404", "HTTP_409"),
)
def do_no_show(participation_id: int):
    """Record that an approved advocate didn't take part (a mistaken completion is reversed)."""
    access.require_staff()
    row = _participation_or_404(participation_id)
    participations.mark_no_show(row, by=access.user())
    db.session.flush()
    db.session.refresh(row)
    return answer(as_participation(row))
