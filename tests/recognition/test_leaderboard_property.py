"""Leaderboards against a brute-force computation on random data (Hypothesis, fixed seed)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.advocates.models import Account, Industry, Region, SizeBand
from portal.extensions import db
from portal.recognition import boards, ledger
from portal.recognition.models import PointsEntry, PointsSource
from tests.conftest import wipe_database

MOMENTS = [
    datetime(2026, 2, 10, tzinfo=UTC),
    datetime(2026, 8, 20, tzinfo=UTC),
    datetime(2026, 11, 3, tzinfo=UTC),
    datetime(2026, 11, 20, tzinfo=UTC),
]

people = st.lists(
    st.tuples(st.booleans(), st.integers(0, 2)),  # (shown, company index)
    min_size=1,
    max_size=14,
)
entries = st.lists(
    st.tuples(st.integers(0, 13), st.integers(-40, 120), st.integers(0, len(MOMENTS) - 1)),
    max_size=40,
)


def brute_force(board_people, all_entries, period, keep):
    totals = defaultdict(int)
    for advocate_id, points, moment in all_entries:
        if period in clock.period_keys(moment):
            totals[advocate_id] += points
    rows = sorted(
        ((points, advocate_id) for advocate_id, points in totals.items() if keep(advocate_id)),
        key=lambda row: (-row[0], row[1]),
    )
    distinct = sorted({points for points, _ in rows}, reverse=True)
    return [
        (distinct.index(points) + 1, advocate_id, points) for points, advocate_id in rows
    ], totals


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(board_people=people, raw_entries=entries, page_size=st.integers(1, 6))
def test_boards_match_a_brute_force_computation(app, make, board_people, raw_entries, page_size):
    wipe_database(app)
    with app.app_context():
        companies = []
        for index, (industry, region) in enumerate(
            [
                (Industry.RETAIL, Region.EUROPE),
                (Industry.HEALTHCARE, Region.EUROPE),
                (Industry.RETAIL, Region.ASIA_PACIFIC),
            ]
        ):
            account = Account(
                name=f"Co {index}", industry=industry, region=region, size_band=SizeBand.LARGE
            )
            db.session.add(account)
            companies.append(account)
        db.session.commit()
        company_of, shown_ids = {}, set()
        ids = []
        for shown, company in board_people:
            advocate = make.advocate(shown=shown, account=companies[company])
            ids.append(advocate.id)
            company_of[advocate.id] = companies[company]
            if shown:
                shown_ids.add(advocate.id)
        all_entries = []
        for number, (who, points, moment) in enumerate(raw_entries):
            advocate_id = ids[who % len(ids)]
            ledger.award(
                advocate_id,
                points,
                reason="r",
                key=f"p{number}",
                source=PointsSource.MANUAL,
                at=MOMENTS[moment],
            )
            all_entries.append((advocate_id, points, MOMENTS[moment]))
        db.session.commit()

        filters = [
            (None, lambda a: True),
            (
                boards.BoardFilter("industry", "retail"),
                lambda a: company_of[a].industry == Industry.RETAIL,
            ),
            (
                boards.BoardFilter("region", "europe"),
                lambda a: company_of[a].region == Region.EUROPE,
            ),
            (
                boards.BoardFilter("account", companies[2].id),
                lambda a: company_of[a].id == companies[2].id,
            ),
        ]
        for period in ("all", "2026-Q4", "2026-11", "2026-Q1"):
            for board_filter, matches in filters:
                expected, totals = brute_force(
                    board_people, all_entries, period, lambda a, m=matches: a in shown_ids and m(a)
                )
                got, offset = [], 0
                while True:
                    rows, has_more = boards.leaderboard(
                        period, board_filter=board_filter, offset=offset, limit=page_size
                    )
                    got += [(row.rank, row.advocate_id, row.points) for row in rows]
                    offset += page_size
                    if not has_more:
                        break
                assert got == expected, (period, board_filter)
                # Anyone, shown or hidden, learns the rank they would have.
                for advocate_id in ids:
                    points, rank = boards.standing_of(advocate_id, period, board_filter)
                    has_points = any(
                        a == advocate_id and period in clock.period_keys(moment)
                        for a, _points, moment in all_entries
                    )
                    if not (has_points and matches(advocate_id)):
                        assert rank is None
                        continue
                    visible_scores = {p for _, a, p in expected}
                    assert points == totals[advocate_id]
                    assert rank == 1 + len({s for s in visible_scores if s > points})
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == len(
            raw_entries
        )
        assert list(ledger.mismatches()) == []
        assert ledger.score_mismatches() == []
