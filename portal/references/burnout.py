"""The burnout view: who is asked how often, who waits, how fast requests find someone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal import clock
from portal.advocates.models import AdvocateProfile, Ask
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.references.models import SEARCHING, ReferenceRequest

# Flagged: more than this many asks in a quarter...
QUARTER_FLAG = 2
# ...and at least this many in four months.
FOUR_MONTHS = timedelta(days=120)
FOUR_MONTH_FLAG = 5
ACCEPTED_WITHIN = timedelta(hours=48)
LIMIT = 100


@dataclass(frozen=True)
class AdvocateLoad:
    advocate_id: int
    name: str
    in_quarter: int
    cap: int
    last_30: int
    last_90: int
    last_120: int

    @property
    def at_cap(self) -> bool:
        return self.in_quarter >= self.cap

    @property
    def near_cap(self) -> bool:
        return not self.at_cap and self.in_quarter >= self.cap - 1

    @property
    def flagged(self) -> bool:
        return self.in_quarter > QUARTER_FLAG and self.last_120 >= FOUR_MONTH_FLAG


@dataclass(frozen=True)
class Waiting:
    request: ReferenceRequest
    waited: timedelta


@dataclass(frozen=True)
class Burnout:
    advocates: list[AdvocateLoad]
    at_or_near_cap: int
    flagged: int
    waiting: list[Waiting]
    requests_total: int
    accepted_within_48h: int

    @property
    def share_accepted_within_48h(self) -> float | None:
        return self.accepted_within_48h / self.requests_total if self.requests_total else None


def _loads(now: datetime) -> list[AdvocateLoad]:
    quarter = clock.current_period("quarter", now).key
    since = now - FOUR_MONTHS

    def counted(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    asks = (
        sa.select(
            Ask.advocate_id,
            counted(Ask.quarter == quarter).label("in_quarter"),
            counted(Ask.asked_at >= now - timedelta(days=30)).label("last_30"),
            counted(Ask.asked_at >= now - timedelta(days=90)).label("last_90"),
            sa.func.count().label("last_120"),
        )
        .where(Ask.asked_at >= min(since, clock.current_period("quarter", now).starts_at))
        .group_by(Ask.advocate_id)
        .subquery()
    )
    in_quarter = sa.func.coalesce(asks.c.in_quarter, 0)
    rows = db.session.execute(
        sa.select(
            User.id,
            User.name,
            in_quarter,
            AdvocateProfile.max_asks_per_quarter,
            asks.c.last_30,
            asks.c.last_90,
            asks.c.last_120,
        )
        .join(asks, asks.c.advocate_id == User.id)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(User.active.is_(True))
        .order_by(
            (in_quarter - AdvocateProfile.max_asks_per_quarter).desc(),
            asks.c.last_120.desc(),
            User.id,
        )
        .limit(LIMIT)
    ).all()
    return [AdvocateLoad(*(int(v) if isinstance(v, int) else v for v in row)) for row in rows]


def burnout() -> Burnout:
    """Asks per advocate against their cap, flags, waiting requests, the 48-hour share."""
    now = utcnow()
    loads = _loads(now)
    waiting = [
        Waiting(request, now - request.created_at)
        for request in db.session.scalars(
            sa.select(ReferenceRequest)
            .where(ReferenceRequest.state.in_(SEARCHING))
            .order_by(ReferenceRequest.created_at, ReferenceRequest.id)
            .limit(LIMIT)
        )
    ]
    total, fast = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case(
                        (
                            ReferenceRequest.seconds_to_acceptance
                            <= ACCEPTED_WITHIN.total_seconds(),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(ReferenceRequest.created_at <= now - ACCEPTED_WITHIN)
    ).one()
    return Burnout(
        advocates=loads,
        at_or_near_cap=sum(1 for load in loads if load.at_cap or load.near_cap),
        flagged=sum(1 for load in loads if load.flagged),
        waiting=waiting,
        requests_total=int(total),
        accepted_within_48h=int(fast),
    )
