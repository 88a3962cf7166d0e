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
    at_cap: bool
    near_cap: bool
    flagged: bool


@dataclass(frozen=True)
class Waiting:
    request: ReferenceRequest
    waited: timedelta


@dataclass(frozen=True)
class Burnout:
    advocates: list[AdvocateLoad]  # the LIMIT most asked
    at_or_near_cap: int  # of everyone, as `flagged` and `requests_waiting`
    flagged: int
    waiting: list[Waiting]  # the LIMIT longest waiting
    requests_waiting: int
    requests_total: int
    accepted_within_48h: int

    @property
    def share_accepted_within_48h(self) -> float | None:
        return self.accepted_within_48h / self.requests_total if self.requests_total else None


def _asks(now: datetime) -> sa.Subquery:
    """Per active advocate asked in the last four months: the counts and the flags."""
    quarter = clock.current_period("quarter", now)
    since = now - FOUR_MONTHS

    def counted(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    counts = (
        sa.select(
            Ask.advocate_id,
            counted(Ask.quarter == quarter.key).label("in_quarter"),
            counted(Ask.asked_at >= now - timedelta(days=30)).label("last_30"),
            counted(Ask.asked_at >= now - timedelta(days=90)).label("last_90"),
            counted(Ask.asked_at >= since).label("last_120"),
        )
        .where(Ask.asked_at >= min(since, quarter.starts_at))
        .group_by(Ask.advocate_id)
        .subquery()
    )
    cap = AdvocateProfile.max_asks_per_quarter
    at_cap = counts.c.in_quarter >= cap
    return (
        sa.select(
            User.id.label("advocate_id"),
            User.name,
            counts.c.in_quarter,
            cap.label("cap"),
            counts.c.last_30,
            counts.c.last_90,
            counts.c.last_120,
            at_cap.label("at_cap"),
            sa.and_(~at_cap, counts.c.in_quarter >= cap - 1).label("near_cap"),
            sa.and_(counts.c.in_quarter > QUARTER_FLAG, counts.c.last_120 >= FOUR_MONTH_FLAG).label(
                "flagged"
            ),
            (counts.c.in_quarter - cap).label("over"),
        )
        .join(counts, counts.c.advocate_id == User.id)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(User.active.is_(True))
        .subquery("loads")
    )


def _loads(loads: sa.Subquery) -> list[AdvocateLoad]:
    rows = db.session.execute(
        sa.select(*(loads.c[name] for name in AdvocateLoad.__dataclass_fields__))
        .order_by(loads.c.over.desc(), loads.c.last_120.desc(), loads.c.advocate_id)
        .limit(LIMIT)
    ).all()
    return [AdvocateLoad(*row) for row in rows]


def burnout() -> Burnout:
    """Asks per advocate against their cap, flags, waiting requests, the 48-hour share."""
    now = utcnow()
    loads = _asks(now)
    near_or_at, flagged = db.session.execute(
        sa.select(
            sa.func.count().filter(sa.or_(loads.c.at_cap, loads.c.near_cap)),
            sa.func.count().filter(loads.c.flagged),
        )
    ).one()
    searching = ReferenceRequest.state.in_(SEARCHING)
    waiting = [
        Waiting(request, now - request.created_at)
        for request in db.session.scalars(
            sa.select(ReferenceRequest)
            .where(searching)
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
        advocates=_loads(loads),
        at_or_near_cap=int(near_or_at),
        flagged=int(flagged),
        waiting=waiting,
        requests_waiting=db.session.scalar(
            sa.select(sa.func.count()).select_from(ReferenceRequest).where(searching)
        ),
        requests_total=int(total),
        accepted_within_48h=int(fast),
    )
