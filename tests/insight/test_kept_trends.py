"""Trend lines the timed job keeps: weeks or months up to 00:00 (Pacific/Auckland) from
the snapshot, the rows since then counted live, the same figures as counting it all live."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import Ask, AskKind
from portal.extensions import db
from portal.insight import figures, periods, summaries
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from tests.insight.conftest import NOW

pytestmark = pytest.mark.usefixtures("program")

# Today in Auckland began at 19 November 11:00 UTC (20 November 00:00 there).
TODAY = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)  # 01:00 today there
YESTERDAY = datetime(2026, 11, 19, 10, 59, tzinfo=UTC)  # 23:59 yesterday there
KEPT = [("completions", "participation", "completions"), ("asks-trend", "asks", "asks-trend")]


def _complete_at(make, advocate, moment: datetime) -> None:
    opportunity = make.opportunity(type=OpportunityType.WEBINAR, seats=5)
    done = make.participation(opportunity, advocate, S.COMPLETED)
    db.session.execute(
        sa.update(Participation)
        .where(Participation.id == done.id)
        .values(created_at=moment, completed_at=moment)
    )


def _ask_at(program, moment: datetime) -> None:
    db.session.add(
        Ask(
            advocate_id=program["e"].id,
            kind=AskKind.INTERVIEW,
            topic="case_study",
            subject="About us",
            asked_by_id=program["owner"].id,
            asked_at=moment,
            quarter="2026-Q4",
        )  # fmt: skip
    )


def _trends(kind: str) -> dict[str, list]:
    span = periods.window(kind)
    return {table: figures.section(section, span).table(table).rows for _n, section, table in KEPT}


@pytest.fixture
def today_and_yesterday(program, make):
    _complete_at(make, program["c"], YESTERDAY)
    _complete_at(make, program["e"], TODAY)
    _ask_at(program, YESTERDAY)
    _ask_at(program, TODAY)
    db.session.commit()


@pytest.mark.usefixtures("today_and_yesterday")
@pytest.mark.parametrize("kind", ["month", "quarter", "year", "90d"])
def test_kept_trends_equal_the_live_count(kind):
    live = _trends(kind)
    summaries.take_summaries(NOW)
    for name, _section, _table in KEPT:
        kept, as_of = summaries.this_only(name, periods.window(kind))
        assert kept is not None and as_of == datetime(2026, 11, 19, 11, 0, tzinfo=UTC)
    assert _trends(kind) == live


@pytest.mark.usefixtures("today_and_yesterday")
def test_whole_days_come_from_the_snapshot_and_today_from_the_rows(program, make):
    summaries.take_summaries(NOW)
    answers = figures.section("asks", periods.window("month")).table("answers").rows
    assert answers[2] == ["Not answered", 3, 0]  # two on 5 November, one yesterday
    # Rows changed behind the job's back: the days before today stay as kept …
    db.session.execute(sa.delete(Ask).where(Ask.asked_at == YESTERDAY))
    db.session.execute(
        sa.update(Participation)
        .where(Participation.completed_at == YESTERDAY)
        .values(status=S.NO_SHOW)
    )
    # … and what happens today counts at once.
    _complete_at(make, program["f"], TODAY)
    _ask_at(program, TODAY)
    db.session.commit()
    trends = _trends("month")
    # The asks and their answers stay as they were at 00:00 (the note says so).
    assert figures.section("asks", periods.window("month")).table("answers").rows == answers
    # B completed at the month's first moment (1 November, a Sunday, its own week there);
    # the week of 16 November holds yesterday's completion (kept) and two of today.
    assert trends["completions"] == [["Nov 1", 1], ["Nov 2", 0], ["Nov 9", 0], ["Nov 16", 3]]
    # Three asks on 5 November; yesterday's (kept) and two today.
    assert trends["asks-trend"] == [["Nov 1", 0], ["Nov 2", 3], ["Nov 9", 0], ["Nov 16", 3]]


def test_a_week_that_began_today_is_counted_from_the_rows(program, make):
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 13:00 on Monday 23 November there
    with time_machine.travel(monday, tick=False):
        _complete_at(make, program["c"], datetime(2026, 11, 22, 10, 59, tzinfo=UTC))  # Sun 23:59
        _complete_at(make, program["e"], datetime(2026, 11, 22, 11, 0, tzinfo=UTC))  # Mon 00:00
        db.session.commit()
        live = _trends("month")
        summaries.take_summaries(monday)
        kept, _as_of = summaries.this_only("completions", periods.window("month"))
        assert kept == [1, 0, 0, 1]  # up to Monday 00:00 there: four weeks
        assert _trends("month") == live
        assert live["completions"][-2:] == [["Nov 16", 1], ["Nov 23", 1]]


def test_a_custom_range_is_counted_live():
    summaries.take_summaries(NOW)
    span = periods.window("custom", first=datetime(2026, 11, 1).date(), last=NOW.date())
    assert summaries.this_only("completions", span) == (None, None)
    section = figures.section("participation", span)
    assert section.table("completions").rows[0] == ["Nov 1", 1]
