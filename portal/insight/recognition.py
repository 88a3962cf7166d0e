"""Recognition: points awarded by source, and badges awarded."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.insight.figures import Chart, Figures, Stat, Table, between, figure, trend
from portal.insight.periods import Window
from portal.recognition.models import Badge, BadgeAward, PointsEntry, PointsSource


def points_by_source(span: Window) -> dict[str, tuple[int, int]]:
    """Source → (points, entries) written to the ledger in the period."""
    rows = db.session.execute(
        sa.select(PointsEntry.source, sa.func.sum(PointsEntry.points), sa.func.count())
        .where(between(PointsEntry.created_at, span.starts_at, span.ends_at))
        .group_by(PointsEntry.source)
    ).all()
    return {str(source): (int(points or 0), count) for source, points, count in rows}


def badges_awarded(span: Window) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Badge.name, sa.func.count())
        .select_from(BadgeAward)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(between(BadgeAward.awarded_at, span.starts_at, span.ends_at))
        .group_by(Badge.name)
    ).all()
    return dict(rows)


@figure(60, "recognition", "Points and badges")
def recognition_figures(span: Window) -> Figures:
    now, before = points_by_source(span), points_by_source(span.previous)
    badges, badges_before = badges_awarded(span), badges_awarded(span.previous)
    total = lambda sums: sum(points for points, _ in sums.values())  # noqa: E731
    return Figures(
        stats=[
            Stat("Points awarded", total(now), total(before)),
            Stat("Badges awarded", sum(badges.values()), sum(badges_before.values())),
        ],
        tables=[
            Table(
                "points-by-source",
                "Points by source",
                ["Source", "Points", "Entries", "Points, previous period"],
                [
                    [
                        source.label,
                        *now.get(source.value, (0, 0)),
                        before.get(source.value, (0, 0))[0],
                    ]
                    for source in PointsSource
                ],
                chart=Chart("bar", (1, 3)),
            ),
            Table(
                "points-trend",
                "Points per week or month",
                ["From", "Points"],
                [
                    list(row)
                    for row in trend(span, PointsEntry.created_at, value=PointsEntry.points)
                ],
                chart=Chart("line", (1,)),
            ),
            Table(
                "badges",
                "Badges awarded",
                ["Badge", "This period", "Previous period"],
                [
                    [name, badges.get(name, 0), badges_before.get(name, 0)]
                    for name in sorted(set(badges) | set(badges_before))
                ],
            ),
        ],
    )
