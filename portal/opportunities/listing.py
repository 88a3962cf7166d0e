"""What advocates see: the list of open opportunities and their own participations."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from portal.auth.models import Role, User
from portal.db import contains_text, utcnow
from portal.extensions import db
from portal.opportunities import eligibility
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition.models import Tier


class ListingPage(Pagination):
    """A page of the advocate's list in one statement: the opportunities with their
    eligibility rows, the advocate's participation in each (`mine`, by opportunity id)
    and the number of all matches (a window count, read before the LIMIT)."""

    mine: dict[int, Participation]

    def _query_items(self) -> list[Opportunity]:
        ids: sa.Select = self._query_args["ids"]
        page = (
            ids.add_columns(sa.func.count().over().label("total"))
            .limit(self.per_page)
            .offset((self.page - 1) * self.per_page)
            .subquery()
        )
        mine = sa.and_(
            Participation.opportunity_id == Opportunity.id,
            Participation.advocate_id == self._query_args["advocate_id"],
        )
        rows = db.session.execute(
            sa.select(Opportunity, page.c.total, Participation)
            .join(page, page.c.id == Opportunity.id)
            .outerjoin(Participation, mine)
            # The page's eligibility rows (a few per opportunity) in the same query.
            .options(
                joinedload(Opportunity.products),
                joinedload(Opportunity.industry_rows),
                joinedload(Opportunity.region_rows),
            )
            .order_by(Opportunity.starts_at, Opportunity.id)
        ).unique()
        items, self.mine, self._total = [], {}, None
        for opportunity, total, participation in rows:
            items.append(opportunity)
            self._total = total
            if participation is not None:
                self.mine[opportunity.id] = participation
        return items

    def _query_count(self) -> int:
        if self._total is not None or self.page == 1:
            return self._total or 0
        # Past the last page: no row carried the count.
        ids = self._query_args["ids"].order_by(None).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(ids))


def advocate_listing(
    advocate_id: int,
    context: eligibility.AdvocateContext,
    tiers: dict[int, Tier],
    *,
    type: OpportunityType | None = None,
    text: str = "",
    eligible_only: bool = False,
    page: int = 1,
    per_page: int = 12,
) -> ListingPage:
    """Published opportunities that haven't ended, soonest first, with the advocate's
    participation in each (a Flask-SQLAlchemy page, one statement)."""
    ids = (
        sa.select(Opportunity.id)
        .where(Opportunity.state == OpportunityState.PUBLISHED, Opportunity.ends_at > utcnow())
        .order_by(Opportunity.starts_at, Opportunity.id)
    )
    if type is not None:
        ids = ids.where(Opportunity.type == type)
    if text.strip():
        ids = ids.where(
            sa.or_(contains_text(Opportunity.title, text), contains_text(Opportunity.summary, text))
        )
    if eligible_only:
        ids = ids.where(eligibility.eligible_clause(context, tiers))
    return ListingPage(
        page=page,
        per_page=per_page,
        max_per_page=50,
        error_out=False,
        ids=ids,
        advocate_id=advocate_id,
    )


def participations_of(advocate_id: int, opportunity_ids: list[int]) -> dict[int, Participation]:
    """The advocate's participation in each of these opportunities, by opportunity id."""
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


def participation_rows(advocate_id: int, *, completed_only: bool = False, limit: int = 50):
    """`my_participations` (or `completed_by`) as rows with what lists show of the
    opportunity (`opportunity.title`, `.type`, `.starts_at`), for a page's single statement."""
    query = (
        sa.select(
            Participation.opportunity_id,
            Participation.status,
            Participation.manager_message,
            Opportunity.title.label("opportunity.title"),
            Opportunity.type.label("opportunity.type"),
            Opportunity.starts_at.label("opportunity.starts_at"),
        )
        .join(Opportunity, Opportunity.id == Participation.opportunity_id)
        .where(Participation.advocate_id == advocate_id)
        .order_by(Opportunity.starts_at.desc(), Participation.id.desc())
        .limit(limit)
    )
    if completed_only:
        query = query.where(Participation.status == ParticipationStatus.COMPLETED)
    return query


def completed_by(advocate_id: int, limit: int = 50) -> list[Participation]:
    """What a person took part in, newest first: completed participations only."""
    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Participation.opportunity)
            .where(
                Participation.advocate_id == advocate_id,
                Participation.status == ParticipationStatus.COMPLETED,
            )
            .options(with_opportunity_summary())
            .order_by(Opportunity.starts_at.desc())
            .limit(limit)
        )
    )
