"""One advocate's whole history for staff, and what a customer account's people did.

The history merges, newest first, the advocate's asks and answers,
participations, points with their reasons, badges, tier events and stories;
reference requests and referrals add theirs with `@event_kind`.
Each kind is read newest first with a limit, so the page stays a handful of
bounded queries however long the advocate has been in the program.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_babel import pgettext
from sqlalchemy.orm import joinedload

from portal.advocates.employment import current_job_at, is_current_job
from portal.advocates.manage import account_section, advocate_section
from portal.advocates.models import Account, Ask, Employment
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import format_number
from portal.insight import summaries
from portal.opportunities.models import Participation, ParticipationStatus
from portal.recognition.models import BadgeAward, PointsEntry, TierEvent
from portal.stories.models import Story

SHORT = 30
FULL = 500


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: Any
    text: Any
    detail: Any = ""
    opportunity_id: int | None = None


def newest(statement: sa.Select, column, limit: int) -> list:
    return list(db.session.scalars(statement.order_by(column.desc()).limit(limit)).unique())


def _ask_events(advocate_id: int, limit: int) -> list[Event]:
    asks = newest(
        sa.select(Ask).where(Ask.advocate_id == advocate_id).options(joinedload(Ask.asked_by)),
        Ask.asked_at,
        limit,
    )
    events = []
    for ask in asks:
        events.append(
            Event(
                ask.asked_at,
                pgettext("an event in a history", "Ask"),
                _("%(kind)s: %(subject)s", kind=ask.kind.label, subject=ask.subject),
                _("by %(name)s", name=ask.asked_by.name),
            )
        )
        if ask.answered_at is not None and ask.answer is not None:
            events.append(
                Event(
                    ask.answered_at,
                    _("Answer"),
                    _("%(answer)s: %(subject)s", answer=ask.answer.label, subject=ask.subject),
                )
            )
    return events


def _participation_events(advocate_id: int, limit: int) -> list[Event]:
    rows = newest(
        sa.select(Participation)
        .where(Participation.advocate_id == advocate_id)
        .options(joinedload(Participation.opportunity)),
        Participation.created_at,
        limit,
    )
    events = []
    for p in rows:
        title, oid = p.opportunity.title, p.opportunity_id
        kind = _("Participation")
        began = (
            _("Invited to %(title)s", title=title)
            if p.ask_id
            else _("Applied to %(title)s", title=title)
        )
        events.append(Event(p.created_at, kind, began, "", oid))
        if p.decided_at is not None and p.status != ParticipationStatus.INVITED:
            events.append(Event(p.decided_at, kind, _("Decision on %(title)s", title=title),
                                _("now: %(status)s", status=p.status.label), oid))  # fmt: skip
        if p.completed_at is not None:
            events.append(
                Event(p.completed_at, kind, _("Completed %(title)s", title=title), "", oid)
            )
    return events


def _points_events(advocate_id: int, limit: int) -> list[Event]:
    entries = newest(
        sa.select(PointsEntry).where(PointsEntry.advocate_id == advocate_id),
        PointsEntry.created_at,
        limit,
    )
    return [
        Event(
            e.created_at,
            _("Points"),
            _n(
                "%(count)s point: %(reason)s",
                "%(count)s points: %(reason)s",
                abs(e.points),
                count=("+" if e.points > 0 else "") + format_number(e.points),
                reason=e.reason,
            ),
            e.source.label,
        )
        for e in entries
    ]


def _badge_events(advocate_id: int, limit: int) -> list[Event]:
    awards = newest(
        sa.select(BadgeAward)
        .where(BadgeAward.advocate_id == advocate_id)
        .options(joinedload(BadgeAward.badge)),
        BadgeAward.awarded_at,
        limit,
    )
    kind = _("Badge")
    events = [
        Event(a.awarded_at, kind, _("Badge: %(name)s", name=a.badge.name), a.evidence)
        for a in awards
    ]
    events += [
        Event(a.revoked_at, kind, _("Badge revoked: %(name)s", name=a.badge.name), a.revoked_reason)
        for a in awards
        if a.revoked_at is not None
    ]
    return events


def _tier_events(advocate_id: int, limit: int) -> list[Event]:
    rows = newest(
        sa.select(TierEvent)
        .where(TierEvent.advocate_id == advocate_id)
        .options(joinedload(TierEvent.tier)),
        TierEvent.at,
        limit,
    )
    return [
        Event(e.at, _("Tier"), _("%(stage)s: %(event)s", stage=e.tier.name, event=e.kind.label))
        for e in rows
    ]


def _story_events(advocate_id: int, limit: int) -> list[Event]:
    stories = newest(
        sa.select(Story).where(Story.advocate_id == advocate_id), Story.created_at, limit
    )
    return [
        Event(s.created_at, _("Story"), _("Story: %(title)s", title=s.title), s.status.label)
        for s in stories
    ]


Kind = Callable[[int, int], list[Event]]
KINDS: list[Kind] = [
    _ask_events,
    _participation_events,
    _points_events,
    _badge_events,
    _tier_events,
    _story_events,
]
# The kinds the staff advocate page shows (its other sections list points, tiers,
# badges and participations).
STAFF_PAGE_KINDS: list[Kind] = [_ask_events, _story_events]


def event_kind(on_staff_page: bool = False) -> Callable[[Kind], Kind]:
    """Register one more kind of event in the history (reference requests, referrals)."""

    def register(kind: Kind) -> Kind:
        KINDS.append(kind)
        if on_staff_page:
            STAFF_PAGE_KINDS.append(kind)
        return kind

    return register


def advocate_history(advocate_id: int, limit: int = SHORT, kinds=KINDS) -> list[Event]:
    """The advocate's newest `limit` events of every kind (or of `kinds`), newest first."""
    events = [event for kind in kinds for event in kind(advocate_id, limit)]
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]


@advocate_section(80, "insight/manage/_advocate_history.html")
def _history_section(user: User) -> dict:
    return {"events": advocate_history(user.id, kinds=STAFF_PAGE_KINDS)}


# --- the staff account page -------------------------------------------------


def account_people(account_id: int) -> tuple[list[Employment], list[Employment]]:
    """The account's current and former advocates' jobs there (bounded)."""
    jobs = list(
        db.session.scalars(
            sa.select(Employment)
            .where(Employment.account_id == account_id)
            .options(joinedload(Employment.user))
            .order_by(is_current_job().desc(), Employment.started_on.desc())
            .limit(FULL)
        )
    )
    return [j for j in jobs if j.is_current], [j for j in jobs if not j.is_current]


def account_activity(account_id: int, limit: int = SHORT) -> list[Participation]:
    """The newest participations of people while they worked at the account (current ones:
    participations of anyone employed there now)."""
    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Employment, Employment.user_id == Participation.advocate_id)
            .where(current_job_at(account_id))
            .options(joinedload(Participation.opportunity), joinedload(Participation.advocate))
            .order_by(Participation.created_at.desc())
            .limit(limit)
        )
    )


@account_section(10, "insight/manage/_account_insight.html")
def _account_section(account: Account) -> dict:
    current, former = account_people(account.id)
    per_account, _as_of = summaries.qualified_at(utcnow(), account.id)
    completed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Participation)
        .join(Employment, Employment.user_id == Participation.advocate_id)
        .where(
            current_job_at(account.id),
            Participation.status == ParticipationStatus.COMPLETED,
        )
    )
    return {
        "current": current,
        "former": former,
        "activity": account_activity(account.id),
        "stats": [
            (_("Owner"), account.owner.name if account.owner else _("No owner")),
            (_("Current advocates"), len(current)),
            (_("Former advocates"), len(former)),
            (_("Qualified advocates now"), per_account.get(account.id, 0)),
            (_("Completed participations"), completed or 0),
        ],
    }
