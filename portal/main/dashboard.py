"""The advocate's home ("My program") read in one statement.

Points and ranks, tier events, recent points, badges, participations and
reference asks waiting for an answer are independent short lists of one
advocate: each is a JSON column of a single SELECT (`portal.bundle`), with
the tiers' version, so the page costs the session check, this statement and,
once per process and tiers' version, the tiers themselves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from portal import cache, clock
from portal.bundle import json_rows, rows_of
from portal.extensions import db
from portal.opportunities import eligibility, listing
from portal.recognition import badges, boards, tiers
from portal.recognition.models import PointsEntry
from portal.references import asks as reference_asks


@dataclass
class MyProgram:
    totals: dict[str, int]
    rank_all: int | None
    rank_quarter: int | None
    progress: tiers.Progress
    participations: list[SimpleNamespace]
    entries: list[SimpleNamespace]
    awards: list[SimpleNamespace]
    reference_asks: list[SimpleNamespace]


def recent_entry_rows(advocate_id: int, limit: int) -> sa.Select:
    """The advocate's newest ledger entries (as `ledger.recent_entries` orders them)."""
    return (
        sa.select(PointsEntry.points, PointsEntry.reason, PointsEntry.created_at)
        .where(PointsEntry.advocate_id == advocate_id)
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
        .limit(limit)
    )


@functools.cache
def _statement(dialect: str) -> tuple[sa.Select, dict[str, sa.Select]]:
    """The page's statement and its lists' queries, built once per process (and
    dialect) with the advocate and the periods as parameters: building it costs
    more Python than running it."""
    advocate_id: Any = sa.bindparam("advocate_id", type_=sa.Integer)
    periods: Any = sa.bindparam("periods", type_=sa.String, expanding=True)
    queries = {
        "standings": boards.standing_rows(advocate_id, periods),
        "events": tiers.event_rows(advocate_id),
        "participations": listing.participation_rows(advocate_id),
        "entries": recent_entry_rows(advocate_id, limit=8),
        "awards": badges.award_rows(advocate_id),
        "asks": reference_asks.waiting_rows(advocate_id),
    }
    statement = sa.select(
        *(json_rows(query).label(name) for name, query in queries.items()),
        cache.version_column(cache.TIERS).label("tiers_version"),
    )
    return statement, queries


def my_program(advocate_id: int, quarter_key: str) -> MyProgram:
    periods = [clock.ALL_TIME, quarter_key]
    statement, queries = _statement(db.session.get_bind().dialect.name)
    row = db.session.execute(statement, {"advocate_id": advocate_id, "periods": periods}).one()
    lists = {name: rows_of(getattr(row, name), query) for name, query in queries.items()}
    mine = boards.standings_from(lists["standings"], periods)
    totals = {period: standing.points for period, standing in mine.items()}
    all_tiers = eligibility.tiers_by_id(row.tiers_version).values()
    return MyProgram(
        totals=totals,
        rank_all=mine[clock.ALL_TIME].rank,
        rank_quarter=mine[quarter_key].rank,
        progress=tiers.progress_from(all_tiers, lists["events"], totals[clock.ALL_TIME]),
        participations=lists["participations"],
        entries=lists["entries"],
        awards=lists["awards"],
        reference_asks=lists["asks"],
    )
