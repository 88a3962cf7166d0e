"""Asks: how often advocates are asked, who is at their cap, and what they decline.

An advocate's cap is per program quarter, so "at or over their cap" is read
for the quarter in which the period ends. Declines are grouped by what was
asked (kind and topic); reference asks also carry the advocate's reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.advocates import topics
from portal.advocates.models import AdvocateProfile, Ask, AskAnswer, AskKind
from portal.extensions import db
from portal.i18n import format_datetime
from portal.insight import summaries
from portal.insight.figures import (
    Chart,
    Figures,
    Stat,
    Table,
    between,
    figure,
    kept_trend,
    trend_counts,
)
from portal.insight.periods import Window
from portal.references.models import AskStatus, DeclineReason, ReferenceAsk

# Asks per advocate in the period, grouped: 1, 2, 3, 4, 5 or more.
DISTRIBUTION = (1, 2, 3, 4, 5)


def asks_summary(span: Window) -> dict[str, int]:
    """Asks made in the period: all, accepted, declined, not answered."""
    count_if = lambda condition: sa.func.coalesce(  # noqa: E731
        sa.func.sum(sa.case((condition, 1), else_=0)), 0
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            count_if(Ask.answer == AskAnswer.ACCEPTED),
            count_if(Ask.answer == AskAnswer.DECLINED),
            count_if(Ask.answer.is_(None)),
        ).where(between(Ask.asked_at, span.starts_at, span.ends_at))
    ).one()
    return dict(zip(("asked", "accepted", "declined", "unanswered"), map(int, row), strict=True))


def per_advocate(span: Window) -> dict[int, int]:
    """How many advocates were asked n times in the period (n = 1 … 5, 5 meaning 5 or more)."""
    per = (
        sa.select(sa.func.count().label("n"))
        .where(between(Ask.asked_at, span.starts_at, span.ends_at))
        .group_by(Ask.advocate_id)
    )
    n = per.subquery().c.n
    bucket = sa.case((n >= DISTRIBUTION[-1], DISTRIBUTION[-1]), else_=n)
    rows = db.session.execute(sa.select(bucket, sa.func.count()).group_by(bucket)).all()
    counts = dict.fromkeys(DISTRIBUTION, 0)
    counts.update({int(k): v for k, v in rows})
    return counts


def at_cap(quarter: str) -> int:
    """Advocates asked as many times as their cap allows (or more) in a program quarter."""
    asked = (
        sa.select(Ask.advocate_id, sa.func.count().label("n"))
        .where(Ask.quarter == quarter)
        .group_by(Ask.advocate_id)
        .subquery()
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(asked)
            .join(AdvocateProfile, AdvocateProfile.user_id == asked.c.advocate_id)
            .where(asked.c.n >= AdvocateProfile.max_asks_per_quarter)
        )
        or 0
    )


def declines(span: Window) -> list[tuple[str, str, int]]:
    """Declines in the period by what was asked: (kind, topic, count), most first."""
    rows = db.session.execute(
        sa.select(Ask.kind, Ask.topic, sa.func.count())
        .where(
            Ask.answer == AskAnswer.DECLINED,
            between(Ask.answered_at, span.starts_at, span.ends_at),
        )
        .group_by(Ask.kind, Ask.topic)
        .order_by(sa.func.count().desc(), Ask.kind, Ask.topic)
    ).all()
    return [(str(kind), topic, count) for kind, topic, count in rows]


@summaries.snapshotted("asks")
def asks_counts(span: Window) -> dict:
    """The period's asks and answers, advocates by times asked, and declines (JSON-able)."""
    return {
        "summary": asks_summary(span),
        "spread": {str(n): count for n, count in per_advocate(span).items()},
        "declines": [list(row) for row in declines(span)],
    }


def declines_by_reason(span: Window) -> list[list]:
    """Reference asks declined in this period and the previous one, per reason: one
    grouped statement."""
    answered = ReferenceAsk.answered_at
    rows = db.session.execute(
        sa.select(
            ReferenceAsk.decline_reason,
            sa.func.sum(sa.case((between(answered, span.starts_at, span.ends_at), 1), else_=0)),
            sa.func.sum(sa.case((answered < span.starts_at, 1), else_=0)),
        )
        .where(
            ReferenceAsk.status == AskStatus.DECLINED,
            between(answered, span.previous.starts_at, span.ends_at),
        )
        .group_by(ReferenceAsk.decline_reason)
    ).all()
    counts = {(reason.value if reason else ""): (int(n), int(b)) for reason, n, b in rows}
    result = [[r.label, *counts.get(r.value, (0, 0))] for r in DeclineReason]
    if "" in counts:
        result.append([_("No reason given"), *counts[""]])
    return result


@summaries.snapshotted("asks-trend")
def asks_per_bucket(span: Window) -> list[int]:
    """Asks made per week or month of the period (the trend line)."""
    return trend_counts(span, Ask.asked_at)


@figure(30, "asks", _l("Asks"))
def asks_figures(span: Window) -> Figures:
    counts, counts_before, as_of = summaries.this_and_previous("asks", span)
    asks_trend, trend_as_of = kept_trend("asks-trend", span, Ask.asked_at)
    now, before = counts["summary"], counts_before["summary"]
    quarter = clock.quarter_key(span.ends_at)
    spread = {int(n): count for n, count in counts["spread"].items()}
    spread_before = {int(n): count for n, count in counts_before["spread"].items()}
    label = lambda n: _("%(num)s or more", num=n) if n == DISTRIBUTION[-1] else str(n)  # noqa: E731
    return Figures(
        stats=[
            Stat(_("Asks"), now["asked"], before["asked"]),
            Stat(_("Declined"), now["declined"], before["declined"]),
            Stat(_("At or over their cap (%(quarter)s)", quarter=quarter), at_cap(quarter)),
        ],
        tables=[
            Table(
                "answers",
                _("Asks made in the period and their answers"),
                [_("Answer"), _("This period"), _("Previous period")],
                [
                    [_("Accepted"), now["accepted"], before["accepted"]],
                    [_("Declined"), now["declined"], before["declined"]],
                    [_("Not answered"), now["unanswered"], before["unanswered"]],
                ],
            ),
            Table(
                "per-advocate",
                _("Advocates by how many times they were asked in the period"),
                [_("Times asked"), _("Advocates"), _("Previous period")],
                [[label(n), spread[n], spread_before[n]] for n in DISTRIBUTION],
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "declines",
                _("Declines by what was asked"),
                [_("Kind"), _("Topic"), _("Declines")],
                [
                    [AskKind(kind).label, topics.label(topic), count]
                    for kind, topic, count in counts["declines"]
                ],
            ),
            Table(
                "declines-by-reason",
                _("Reference asks declined, by the advocate's reason"),
                [_("Reason"), _("This period"), _("Previous period")],
                declines_by_reason(span),
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "asks-trend",
                _("Asks per week or month"),
                [_("From"), _("Asks")],
                [list(row) for row in asks_trend],
                chart=Chart("line", (1,)),
            ),
        ],
        note=_(
            "Declines are grouped by what was asked; an advocate who declines a reference "
            "ask gives a reason. Asks, their answers and declines as of %(moment)s; asks per "
            "week or month before today as of then, and today's as they come.",
            moment=format_datetime(as_of, clock.program_tz(), with_zone=False),
        )
        if as_of and trend_as_of == as_of
        else _(
            "Declines are grouped by what was asked; an advocate who declines a reference "
            "ask gives a reason. Asks, their answers and declines as of %(moment)s.",
            moment=format_datetime(as_of, clock.program_tz(), with_zone=False),
        )
        if as_of
        else _(
            "Declines are grouped by what was asked; an advocate who declines a reference "
            "ask gives a reason."
        ),
    )
