"""Champions who moved, by the calendar days of the period in Pacific/Auckland."""

from __future__ import annotations

from datetime import date

import pytest

from portal.advocates import employment
from portal.advocates.models import Account, AccountKind
from portal.extensions import db
from portal.insight import figures, periods

pytestmark = pytest.mark.usefixtures("ctx", "frozen")


def test_moves_and_the_prospect_accounts_they_opened(make):
    old = make.account(name="Old Co")
    prospect = make.account(name="Prospect Co")
    other = make.account(name="Other Co")
    db.session.get(Account, prospect.id).kind = AccountKind.PROSPECT
    ada = make.advocate(name="Ada", account=old)
    ben = make.advocate(name="Ben", account=old)
    cai = make.advocate(name="Cai", account=old)
    # 1 November (the month's first day there), 31 October (the previous period), and
    # Cai's second move on 10 November to another prospect.
    employment.record_move(ada, account=db.session.get(Account, prospect.id), title="CTO",
                           started_on=date(2026, 11, 1))  # fmt: skip
    employment.record_move(ben, account=db.session.get(Account, other.id), title="VP",
                           started_on=date(2026, 10, 31))  # fmt: skip
    employment.record_move(cai, account=db.session.get(Account, prospect.id), title="Head",
                           started_on=date(2026, 11, 10))  # fmt: skip
    db.session.commit()
    section = figures.section("moves", periods.window("month"))
    stats = {s.label: (s.value, s.previous) for s in section.figures.stats}
    assert stats == {"Champions who moved": (2, 1), "Prospect accounts they joined": (1, 0)}
    assert section.table("moves").rows == [
        ["Cai", "Old Co", "Prospect Co", "Prospect", date(2026, 11, 10)],
        ["Ada", "Old Co", "Prospect Co", "Prospect", date(2026, 11, 1)],
    ]
