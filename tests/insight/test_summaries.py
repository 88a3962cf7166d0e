"""The timed job's summaries give the page the same figures as counting live."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.insight import figures, periods, qualified, summaries
from portal.jobs.models import JobRun
from portal.jobs.runner import run_due
from tests.insight.conftest import NOW

pytestmark = pytest.mark.usefixtures("program")


def _everything(kind: str) -> dict:
    span = periods.window(kind)
    return {
        (s.key, t.key): t.rows
        for s in figures.sections(span)
        for t in s.figures.tables
        if s.key in ("advocates", "participation", "asks", "qualified", "recognition")
    }


@pytest.mark.parametrize("kind", ["month", "quarter", "year", "90d"])
def test_figures_from_summaries_equal_the_live_count(kind):
    live = _everything(kind)
    assert run_due(NOW)["insight summaries"] > 0
    assert _everything(kind) == live


def test_the_job_is_idempotent_and_says_as_of_when():
    first = summaries.take_summaries(NOW)
    assert first > 0
    taken = db.session.scalar(sa.select(sa.func.count()).select_from(JobRun))
    summaries.take_summaries(NOW)
    # A second run only reaches further back; today's snapshot stays as it was.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) > taken - 1
    note = figures.section("qualified", periods.window("month")).figures.note
    # As of 00:00 on 20 November in Auckland, the previous period at 00:00 on 1 November.
    assert (
        "As of Fri, Nov 20, 2026, 12:00\u202fAM (the previous period: Sun, Nov 1, 2026, 12:00\u202fAM)"
        in note
    )
    people = figures.section("advocates", periods.window("month")).figures.note
    assert people == "Active advocates and tier movement as of Fri, Nov 20, 2026, 12:00\u202fAM."
    funnel = figures.section("participation", periods.window("month")).figures.note
    assert funnel.endswith(
        "the funnel, and the completions before today, as of Fri, Nov 20, 2026, 12:00\u202fAM."
    )
    asks = figures.section("asks", periods.window("month")).figures.note
    assert asks.endswith(
        "Asks, their answers and declines as of Fri, Nov 20, 2026, 12:00\u202fAM; asks per "
        "week or month before today as of then, and today's as they come."
    )


def test_points_days_sum_whole_days_and_read_the_edges_from_the_ledger():
    summaries.take_summaries(NOW)
    start, end = datetime(2026, 10, 31, 10, 30, tzinfo=UTC), NOW
    assert summaries.is_summed(start, end)
    # 50 at the first moment of November, 100 on 5 November, 30 in the half hour before it.
    assert summaries.points_sums(start, end) == {"manual": (180, 3)}


def test_changing_the_rule_drops_the_snapshots(app):
    summaries.take_summaries(NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(summaries.QualifiedSnapshot))
    qualified.save_rule(30, ["participation"])
    assert not db.session.scalar(
        sa.select(sa.func.count()).select_from(summaries.QualifiedSnapshot)
    )
    view = figures.section("qualified", periods.window("month"))
    assert view.figures.stats[0].value == 1  # counted live again, with the new rule


def test_the_command_takes_the_summaries(runner, app):
    import time_machine

    with time_machine.travel(NOW, tick=False):
        result = runner.invoke(args=["insight", "summarise"])
    assert result.exit_code == 0 and "snapshots and sums taken" in result.output
    with app.app_context():
        assert db.session.get(JobRun, (summaries.SNAPSHOT_JOB, "2026-11-20")) is not None


def test_days_the_job_has_not_summed_yet_are_read_from_the_ledger(app):
    from portal.settings import set_setting

    summaries.take_summaries(NOW)
    # As if the job had stopped on 4 November: from then on, the ledger day by day.
    set_setting(summaries.POINTS_THROUGH, "2026-11-03")
    span = periods.window("month")
    assert summaries.is_summed(span.starts_at, span.ends_at)
    assert figures.section("recognition", span).table("points-trend").rows == [
        ["Nov 1", 50],
        ["Nov 2", 100],
        ["Nov 9", 0],
        ["Nov 16", 0],
    ]
