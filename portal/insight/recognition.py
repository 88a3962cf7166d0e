"""Recognition: points awarded by source, and badges awarded."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.insight import summaries
from portal.insight.figures import Chart, Figures, Stat, Table, between, figure, trend
from portal.insight.periods import Window, buckets
from portal.recognition.models import Badge, BadgeAward, PointsEntry, PointsSource


def points_by_source(span: Window) -> dict[str, tuple[int, int]]:
    """Source → (points, entries) written to the ledger in the period."""
    return summaries.points_sums(span.starts_at, span.ends_at)


def points_trend(span: Window) -> list[tuple[str, int]]:
    if not summaries.is_summed(span.starts_at, span.ends_at):
        return trend(span, PointsEntry.created_at, value=PointsEntry.points)
    parts = buckets(span)
    sums = summaries.points_sums(span.starts_at, span.ends_at, parts)
    return [(label, sums.get(label, (0, 0))[0]) for label, _start, _end in parts]


def badges_awarded(span: Window) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Badge.name, sa.func.count())
        .select_from(BadgeAward)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(between(BadgeAward.awarded_at, span.starts_at, span.ends_at))
        .group_by(Badge.name)
    ).all()
    return dict(rows)


@figure(60, "recognition", _l("Points and badges"))
def recognition_figures(span: Window) -> Figures:
    now, before = points_by_source(span), points_by_source(span.previous)
    badges, badges_before = badges_awarded(span), badges_awarded(span.previous)
    total = lambda sums: sum(points for points, _entries in sums.values())  # noqa: E731
    return Figures(
        stats=[
            Stat(_("Points awarded"), total(now), total(before)),
            Stat(_("Badges awarded"), sum(badges.values()), sum(badges_before.values())),
        ],
        tables=[
            Table(
                "points-by-source",
                _("Points by source"),
                [_("Source"), _("Points"), _("Entries"), _("Points, previous period")],
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
                _("Points per week or month"),
                [_("From"), _("Points")],
                [list(row) for row in points_trend(span)],
                chart=Chart("line", (1,)),
            ),
            Table(
                "badges",
                _("Badges awarded"),
                [_("Badge"), _("This period"), _("Previous period")],
                [
                    [name, badges.get(name, 0), badges_before.get(name, 0)]
                    for name in sorted(set(badges) | set(badges_before))
                ],
            ),
        ],
    )
