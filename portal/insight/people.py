"""Advocates: who was active, who joined, and how they stand in the tiers.

An advocate is active in a period when they signed in, applied, completed a
participation, answered an ask or submitted a story in it; other packages
(referrals) add their kind of activity with `@activity(label)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.advocates.models import AdvocateProfile, Ask
from portal.auth.models import Role, User, UserSession
from portal.extensions import db
from portal.i18n import format_datetime
from portal.insight import summaries
from portal.insight.figures import Chart, Figures, Stat, Table, between, figure
from portal.insight.periods import Window
from portal.opportunities.models import Participation, ParticipationStatus
from portal.recognition.models import Tier, TierEvent, TierEventKind
from portal.stories.models import Story

Activity = Callable[[datetime, datetime], sa.Select]
ACTIVITIES: dict[str, list[Activity]] = {}
# How the page names each kind (the keys above are stored in snapshots: they stay as they are).
ACTIVITY_LABELS: dict[str, Any] = {}


def activity(key: str, label: Any) -> Callable[[Activity], Activity]:
    """Register a kind of activity that makes an advocate active: a select of advocate ids
    (several selects may share a key; an advocate in any of them counts once), and how the
    page names it (a lazy string)."""

    def register(select: Activity) -> Activity:
        ACTIVITIES.setdefault(key, []).append(select)
        ACTIVITY_LABELS[key] = label
        return select

    return register


@activity("Signed in", _l("Signed in"))
def _signed_in(start: datetime, end: datetime) -> sa.Select:
    return (
        sa.select(UserSession.user_id)
        .join(User, User.id == UserSession.user_id)
        .where(User.role == Role.ADVOCATE, between(UserSession.created_at, start, end))
    )


@activity("Signed in", _l("Signed in"))
def _last_signed_in(start: datetime, end: datetime) -> sa.Select:
    # Old sessions are purged; the last sign-in stays on the person.
    return sa.select(User.id).where(
        User.role == Role.ADVOCATE, between(User.last_sign_in_at, start, end)
    )


@activity("Applied", _l("Applied"))
def _applied(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Participation.advocate_id).where(
        Participation.ask_id.is_(None), between(Participation.created_at, start, end)
    )


@activity("Completed a participation", _l("Completed a participation"))
def _completed(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Participation.advocate_id).where(
        Participation.status == ParticipationStatus.COMPLETED,
        between(Participation.completed_at, start, end),
    )


@activity("Answered an ask", _l("Answered an ask"))
def _answered(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Ask.advocate_id).where(between(Ask.answered_at, start, end))


@activity("Submitted a story", _l("Submitted a story"))
def _story(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Story.advocate_id).where(between(Story.created_at, start, end))


@summaries.snapshotted("active")
def active_by_activity(span: Window) -> tuple[int, dict[str, int]]:
    """How many advocates did at least one registered activity in the period, and how
    many did each (one statement: the activities are read once)."""
    labels = list(ACTIVITIES)
    parts = [
        make(span.starts_at, span.ends_at).add_columns(sa.literal(index).label("activity"))
        for index, label in enumerate(labels)
        for make in ACTIVITIES[label]
    ]
    acts = sa.union_all(*parts).cte("acts")
    advocate, kind = acts.c[0], acts.c.activity
    each = sa.select(kind, sa.func.count(sa.distinct(advocate))).group_by(kind)
    anyone = sa.select(sa.literal(-1), sa.func.count(sa.distinct(advocate)))
    counts = dict(db.session.execute(sa.union_all(each, anyone)).all())
    return counts.get(-1, 0), {label: counts.get(i, 0) for i, label in enumerate(labels)}


def new_advocates(span: Window) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                User.role == Role.ADVOCATE, between(User.created_at, span.starts_at, span.ends_at)
            )
        )
        or 0
    )


def advocates_by_tier() -> list[tuple[str, int]]:
    """Active advocates per current tier (now), in tier order, "No tier" last."""
    # The few people who don't count, from a partial index, rather than a join of everyone.
    not_counted = sa.select(User.id).where(sa.or_(~User.active, User.role != Role.ADVOCATE))
    rows = db.session.execute(
        sa.select(AdvocateProfile.current_tier_id, sa.func.count())
        .where(AdvocateProfile.user_id.not_in(not_counted))
        .group_by(AdvocateProfile.current_tier_id)
    ).all()
    counts = dict(rows)
    tiers = db.session.scalars(sa.select(Tier).order_by(Tier.position)).all()
    return [(tier.name, counts.get(tier.id, 0)) for tier in tiers] + [
        (_("No tier"), counts.get(None, 0))
    ]


MOVEMENT = (TierEventKind.OPTED_IN, TierEventKind.STEPPED_DOWN, TierEventKind.LAPSED)


@summaries.snapshotted("tier-movement")
def tier_movement(span: Window) -> dict[str, int]:
    """ "<tier id>:<event kind>" → how many such tier events happened in the period."""
    rows = db.session.execute(
        sa.select(TierEvent.tier_id, TierEvent.kind, sa.func.count())
        .where(TierEvent.kind.in_(MOVEMENT), between(TierEvent.at, span.starts_at, span.ends_at))
        .group_by(TierEvent.tier_id, TierEvent.kind)
    ).all()
    return {f"{tier_id}:{kind}": count for tier_id, kind, count in rows}


@figure(10, "advocates", _l("Advocates"))
def advocates_figures(span: Window) -> Figures:
    before = span.previous
    (active, active_now), (active_earlier, active_before), as_of = summaries.this_and_previous(
        "active", span
    )
    tiers = db.session.scalars(sa.select(Tier).order_by(Tier.position)).all()
    moved, moved_before, _as_of = summaries.this_and_previous("tier-movement", span)
    movement_rows = []
    for tier in tiers:
        row: list = [tier.name]
        for kind in MOVEMENT:
            key = f"{tier.id}:{kind.value}"
            row += [moved.get(key, 0), moved_before.get(key, 0)]
        movement_rows.append(row)
    return Figures(
        stats=[
            Stat(_("Active advocates"), active, active_earlier),
            Stat(_("New advocates"), new_advocates(span), new_advocates(before)),
        ],
        tables=[
            Table(
                "activity",
                _("Active advocates by what they did (one advocate may count in several rows)"),
                [_("Activity"), _("This period"), _("Previous period")],
                [
                    [ACTIVITY_LABELS[key], active_now.get(key, 0), active_before.get(key, 0)]
                    for key in ACTIVITIES
                ],
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "tiers",
                _("Active advocates by tier, now"),
                [_("Tier"), _("Advocates")],
                [list(row) for row in advocates_by_tier()],
                chart=Chart("bar", (1,)),
            ),
            Table(
                "tier-movement",
                _("Tier movement"),
                [_("Tier")]
                + [
                    column
                    for kind in MOVEMENT
                    for column in (str(kind.label), _("%(label)s (previous)", label=kind.label))
                ],
                movement_rows,
            ),
        ],
        note=_(
            "Active advocates and tier movement as of %(moment)s.",
            moment=format_datetime(as_of, clock.program_tz(), with_zone=False),
        )
        if as_of
        else "",
    )
