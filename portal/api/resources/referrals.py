"""Referrals (read): every referral for staff, an advocate's own for their token.

Who sees a referral is `referrals.services.visible_to`; the points each one
earned are `referrals.services.points_by_referral`, as on the pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from spectree import Response as Responses

from portal.api import access, bp, tokens
from portal.api.conventions import answer, as_utc, next_link, page_of
from portal.api.core import operation
from portal.api.schemas import Id, SinceQuery
from portal.extensions import db
from portal.referrals import services
from portal.referrals.models import Referral as ReferralRow

tokens.register_resource(
    "referrals",
    "Referrals: the peer, the stage in the pipeline, points earned",
    for_advocates=True,
)


class Referral(BaseModel):
    id: int
    advocate_id: int
    peer_name: str
    peer_email: str
    peer_role: str
    company_name: str
    account_id: int | None
    why: str
    stage: str
    lost_reason: str
    revenue: int | None
    owner_id: int | None
    points: int = Field(description="Points the referral earned its advocate (reversals counted)")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class ReferralList(BaseModel):
    items: list[Referral]
    next: str | None


class ReferralQuery(SinceQuery):
    stage: Literal["new", "contacted", "qualified", "won", "lost"] | None = None
    advocate_id: Id | None = None


def as_referral(row: ReferralRow, points: dict[int, int]) -> Referral:
    return Referral(
        id=row.id,
        advocate_id=row.advocate_id,
        peer_name=row.peer_name,
        peer_email=row.peer_email,
        peer_role=row.peer_role,
        company_name=row.company_name,
        account_id=row.account_id,
        why=row.why,
        stage=row.stage.value,
        lost_reason=row.lost_reason,
        revenue=row.revenue,
        owner_id=row.owner_id,
        points=points.get(row.id, 0),
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


@bp.get("/referrals")
@operation(
    "referrals:read",
    query=ReferralQuery,
    resp=Responses(HTTP_200=ReferralList, HTTP_304=None),
    tags=["referrals"],
)
def list_referrals(query: ReferralQuery):
    """Referrals (an advocate's token: their own), oldest first."""
    select = services.visible_to(access.user())
    if query.stage is not None:
        select = select.where(ReferralRow.stage == query.stage)
    if query.advocate_id is not None:
        select = select.where(ReferralRow.advocate_id == query.advocate_id)
    if query.updated_since is not None:
        select = select.where(ReferralRow.updated_at >= as_utc(query.updated_since))
    rows, cursor = page_of(select, ReferralRow.id, cursor=query.cursor, limit=query.limit)
    points = services.points_by_referral([row.id for row in rows])
    return answer(
        ReferralList(items=[as_referral(row, points) for row in rows], next=next_link(cursor))
    )


@bp.get("/referrals/<id:referral_id>")
@operation(
    "referrals:read",
    resp=Responses(HTTP_200=Referral, HTTP_304=None),
    tags=["referrals"],
    refusals=("HTTP_404",),
)
def get_referral(referral_id: int):
    """One referral."""
    row = db.session.scalar(services.visible_to(access.user()).where(ReferralRow.id == referral_id))
    if row is None:
        raise access.not_found("referral")
    return answer(as_referral(row, services.points_by_referral([row.id])))
