"""Reference requests (read): a requester's own, or every request for the program team.

Who sees a request is `references.requests.visible_to`, and whose contact
details it shows is `references.requests.contact_of` (only once an advocate
accepted), the same rules as the request's page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from spectree import Response as Responses

from portal.api import access, bp, tokens
from portal.api.conventions import answer, as_utc, next_link, page_of
from portal.api.core import operation
from portal.api.schemas import SinceQuery
from portal.extensions import db
from portal.references import requests
from portal.references.models import ReferenceRequest as RequestRow

tokens.register_resource(
    "references",
    "Reference requests: the prospect, the state, the advocate who accepted, the outcome",
    for_requesters=True,
)


class AdvocateContact(BaseModel):
    id: int
    name: str
    email: str


class ReferenceRequest(BaseModel):
    id: int
    requester_id: int
    prospect_name: str
    prospect_account_id: int | None
    industry: str
    region: str
    size_band: str
    kind: str
    deal_size: int
    currency: str
    urgency: str
    needed_by: date
    note: str
    state: str
    created_at: datetime
    updated_at: datetime
    first_accepted_at: datetime | None
    advocate: AdvocateContact | None = Field(
        description="The advocate who accepted, with their contact details; "
        "null until one accepted (and for a request cancelled or unfulfilled)"
    )
    call_held: bool | None
    deal_outcome: str | None
    revenue_influenced: int | None
    outcome_at: datetime | None
    closed_at: datetime | None


class ReferenceRequestList(BaseModel):
    items: list[ReferenceRequest]
    next: str | None


class ReferenceRequestQuery(SinceQuery):
    state: Literal["open", "asked", "scheduled", "done", "cancelled", "unfulfilled"] | None = None
    kind: (
        Literal["reference_call", "site_visit", "email_exchange", "case_study", "media_interview"]
        | None
    ) = None


def as_request(row: RequestRow) -> ReferenceRequest:
    contact = requests.contact_of(row)
    return ReferenceRequest(
        id=row.id,
        requester_id=row.requester_id,
        prospect_name=row.prospect_name,
        prospect_account_id=row.prospect_account_id,
        industry=row.industry.value,
        region=row.region.value,
        size_band=row.size_band.value,
        kind=row.kind.value,
        deal_size=row.deal_size,
        currency=row.currency,
        urgency=row.urgency.value,
        needed_by=row.needed_by,
        note=row.note,
        state=row.state.value,
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_accepted_at=row.first_accepted_at,
        advocate=(
            None
            if contact is None
            else AdvocateContact(id=contact.id, name=contact.name, email=contact.email)
        ),
        call_held=row.call_held,
        deal_outcome=row.deal_outcome.value if row.deal_outcome else None,
        revenue_influenced=row.revenue_influenced,
        outcome_at=row.outcome_at,
        closed_at=row.closed_at,
    )


def _visible():
    return requests.visible_to(access.user()).options(
        sa.orm.joinedload(RequestRow.accepted_advocate)
    )


@bp.get("/reference-requests")
@operation(
    "references:read",
    query=ReferenceRequestQuery,
    resp=Responses(HTTP_200=ReferenceRequestList, HTTP_304=None),
    tags=["references"],
)
def list_reference_requests(query: ReferenceRequestQuery):
    """Reference requests (a requester's token: their own), oldest first."""
    select = _visible()
    if query.state is not None:
        select = select.where(RequestRow.state == query.state)
    if query.kind is not None:
        select = select.where(RequestRow.kind == query.kind)
    if query.updated_since is not None:
        select = select.where(RequestRow.updated_at >= as_utc(query.updated_since))
    rows, cursor = page_of(select, RequestRow.id, cursor=query.cursor, limit=query.limit)
    return answer(
        ReferenceRequestList(items=[as_request(row) for row in rows], next=next_link(cursor))
    )


@bp.get("/reference-requests/<id:request_id>")
@operation(
    "references:read",
    resp=Responses(HTTP_200=ReferenceRequest, HTTP_304=None),
    tags=["references"],
    refusals=("HTTP_404",),
)
def get_reference_request(request_id: int):
    """One reference request."""
    row = db.session.scalar(_visible().where(RequestRow.id == request_id))
    if row is None:
        raise access.not_found("reference request")
    return answer(as_request(row))
