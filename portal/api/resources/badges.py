"""Badges and who holds them."""

import sqlalchemy as sa
from spectree import Response as Responses

from portal.api import access, bp
from portal.api.conventions import answer, as_utc, next_link, page_of
from portal.api.core import operation
from portal.api.schemas import (
    Badge,
    BadgeAward,
    BadgeAwardList,
    BadgeAwardQuery,
    BadgeList,
    PageQuery,
)
from portal.recognition.models import Badge as BadgeRow
from portal.recognition.models import BadgeAward as BadgeAwardRow


@bp.get("/badges")
@operation(
    "badges:read",
    query=PageQuery,
    resp=Responses(HTTP_200=BadgeList, HTTP_304=None),
    tags=["badges"],
)
def list_badges(query: PageQuery):
    """Every badge and its rule."""
    select = sa.select(BadgeRow)
    if not access.is_staff():
        select = select.where(BadgeRow.active.is_(True))
    rows, cursor = page_of(select, BadgeRow.id, cursor=query.cursor, limit=query.limit)
    items = [
        Badge(
            id=row.id,
            slug=row.slug,
            name=row.name,
            description=row.description,
            rule_kind=row.rule_kind,
            active=row.active,
        )
        for row in rows
    ]
    return answer(BadgeList(items=items, next=next_link(cursor)))


@bp.get("/badge-awards")
@operation(
    "badges:read",
    query=BadgeAwardQuery,
    resp=Responses(HTTP_200=BadgeAwardList, HTTP_304=None),
    tags=["badges"],
)
def list_badge_awards(query: BadgeAwardQuery):
    """Badge awards (an advocate's token: their own only), revoked ones included."""
    select = sa.select(BadgeAwardRow).options(sa.orm.joinedload(BadgeAwardRow.badge))
    own = access.own_data_only()
    if own is not None:
        select = select.where(BadgeAwardRow.advocate_id == own)
    if query.advocate_id is not None:
        select = select.where(BadgeAwardRow.advocate_id == query.advocate_id)
    if query.badge_id is not None:
        select = select.where(BadgeAwardRow.badge_id == query.badge_id)
    if query.updated_since is not None:
        since = as_utc(query.updated_since)
        select = select.where(
            sa.or_(BadgeAwardRow.awarded_at >= since, BadgeAwardRow.revoked_at >= since)
        )
    rows, cursor = page_of(select, BadgeAwardRow.id, cursor=query.cursor, limit=query.limit)
    items = [
        BadgeAward(
            id=row.id,
            badge_id=row.badge_id,
            badge_slug=row.badge.slug,
            advocate_id=row.advocate_id,
            awarded_at=row.awarded_at,
            evidence=row.evidence,
            revoked_at=row.revoked_at,
        )
        for row in rows
    ]
    return answer(BadgeAwardList(items=items, next=next_link(cursor)))
