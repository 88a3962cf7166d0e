"""A small program with hand-placed events around the month boundary in Pacific/Auckland.

The clock is frozen at 2026-11-20 00:00 UTC (13:00 on 20 November in Auckland,
UTC+13). "This month" runs from 1 November 00:00 Auckland (31 October 11:00
UTC) to now; the previous period, of the same length, ends where it starts.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import Account, Ask, AskAnswer, AskKind, Industry, Region
from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition.models import Tier, TierEvent, TierEventKind
from portal.stories.models import Story

NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
MONTH_START = datetime(2026, 10, 31, 11, 0, tzinfo=UTC)  # 1 Nov 00:00 in Auckland
IN = datetime(2026, 11, 5, 0, 0, tzinfo=UTC)
EDGE_IN = MONTH_START  # the first moment of this month
EDGE_PREV = datetime(2026, 10, 31, 10, 59, tzinfo=UTC)  # the last minute of October there
PREV = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
OLD = datetime(2025, 10, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _set(model, row_id: int, **values) -> None:
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))


@pytest.fixture
def program(app, ctx, make, frozen):
    """Advocates A–F, three accounts, participations, asks, a story, points and tier events."""
    owner = make.manager(name="Olivia Owner")
    x = make.account(name="Xylo Health", industry=Industry.HEALTHCARE, region=Region.EUROPE)
    y = make.account(name="Yonder Tech", region=Region.NORTH_AMERICA)
    z = make.account(name="Zeta Works")
    db.session.execute(sa.update(Account).where(Account.id == x.id).values(owner_id=owner.id))
    with time_machine.travel(OLD, tick=False):
        a = make.advocate(name="Ada", account=z, max_asks=2)
        b = make.advocate(name="Ben", account=x)
        c = make.advocate(name="Cai", account=z)
        d = make.advocate(name="Dee", account=z)
        e = make.advocate(name="Eve", account=x)
        f = make.advocate(name="Fay", account=y)
        panel = make.opportunity(type=OpportunityType.SPEAKING_PANEL, seats=5)
        webinar = make.opportunity(type=OpportunityType.WEBINAR, seats=5)
        old = make.opportunity(type=OpportunityType.CASE_STUDY, seats=5)
    _set(User, a.id, created_at=IN)
    _set(User, b.id, created_at=EDGE_PREV)
    _set(User, d.id, last_sign_in_at=IN)

    def participation(opportunity, advocate, status, created, completed=None, ask=None):
        p = make.participation(opportunity, advocate, status)
        _set(Participation, p.id, created_at=created, completed_at=completed,
             ask_id=ask.id if ask else None)  # fmt: skip
        return p

    def ask(advocate, topic, kind, asked, answer=None, answered=None):
        row = Ask(advocate_id=advocate.id, kind=kind, topic=topic, subject=f"About {topic}",
                  asked_by_id=owner.id, asked_at=asked, quarter="2026-Q4", answer=answer,
                  answered_at=answered)  # fmt: skip
        db.session.add(row)
        db.session.flush()
        return row

    # This month: A applies, B completes (at the first moment), D doesn't show.
    participation(panel, a, S.APPLIED, IN)
    participation(panel, b, S.COMPLETED, EDGE_IN, completed=EDGE_IN)
    participation(webinar, d, S.NO_SHOW, IN)
    # The previous period: C declines an invitation (at its last minute), B applies.
    declined = ask(c, "webinar", AskKind.INVITATION, PREV, AskAnswer.DECLINED, EDGE_PREV)
    participation(webinar, c, S.WITHDRAWN, PREV, ask=declined)
    participation(webinar, b, S.APPLIED, PREV)
    # Long ago: E completed within a year of now, F only within a year of October.
    participation(old, e, S.COMPLETED, OLD, completed=datetime(2025, 12, 1, tzinfo=UTC))
    participation(old, f, S.COMPLETED, OLD, completed=datetime(2025, 11, 1, tzinfo=UTC))
    # Asks this month: A twice (her cap), D once (accepted).
    ask(a, "speaking_panel", AskKind.INVITATION, IN)
    ask(a, "speaking_panel", AskKind.INVITATION, IN)
    ask(d, "case_study", AskKind.INTERVIEW, IN, AskAnswer.ACCEPTED, IN)
    db.session.add(Story(advocate_id=d.id, title="How we won", body="…", created_at=IN))
    insider = db.session.scalar(sa.select(Tier).where(Tier.name == "Insider"))
    db.session.add(
        TierEvent(advocate_id=b.id, tier_id=insider.id, kind=TierEventKind.OPTED_IN, at=IN)
    )
    db.session.add(TierEvent(advocate_id=c.id, tier_id=insider.id,
                             kind=TierEventKind.STEPPED_DOWN, at=PREV))  # fmt: skip
    make.points(a, 50, at=EDGE_IN)
    make.points(b, 100, at=IN)
    make.points(c, 30, at=EDGE_PREV)
    db.session.commit()
    return {"owner": owner, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "x": x, "y": y, "z": z}
