"""Tiers: eligibility by all-time points, opt-in, step-down, and a grace period on lapse.

An advocate's relation to each tier is derived from their TierEvents. Reaching
a threshold makes them *eligible* (and tells them); they *opt in*, accepting
what the tier asks, and may *step down* at any time. "My tier" is the highest
tier they are opted into. When a correction takes their points below an
opted-in tier's threshold the tier starts *lapsing*: it stays for the grace
period (90 days by default) and only then *lapses*, so points that dip and
recover never make a tier flap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.advocates.models import AdvocateProfile
from portal.audit import trail
from portal.db import utcnow
from portal.errors import InvalidState, NotEligible
from portal.extensions import db
from portal.i18n import format_number
from portal.recognition import ledger, tier_notices
from portal.recognition.models import Tier, TierEvent, TierEventKind
from portal.settings import get_setting
from portal.signals import advocate_joined, points_changed, tier_changed

DEFAULT_GRACE_DAYS = 90


def reached(tier: Tier, points: int) -> bool:
    """The tier's threshold rule: all-time points at or above it make an advocate eligible."""
    return points >= tier.threshold


def is_entry_tier(tier: Tier) -> bool:
    """Where every advocate starts: no threshold and no invitation needed."""
    return tier.threshold == 0 and not tier.invitation_only


def all_tiers() -> list[Tier]:
    return list(db.session.scalars(sa.select(Tier).order_by(Tier.position)))


def grace_period() -> timedelta:
    return timedelta(days=int(get_setting("tier_grace_days", DEFAULT_GRACE_DAYS)))


@dataclass
class TierState:
    tier: Tier
    eligible_noticed: bool = False
    invited: bool = False
    opted_in: bool = False
    lapsing_since: datetime | None = None

    @property
    def is_entry(self) -> bool:
        return is_entry_tier(self.tier)

    def has_points(self, points: int) -> bool:
        return reached(self.tier, points)

    def can_opt_in(self, points: int) -> bool:
        return (
            not self.opted_in
            and reached(self.tier, points)
            and (self.invited or not self.tier.invitation_only)
        )

    def can_be_invited(self, points: int) -> bool:
        """Staff may invite into an invitation-only tier an advocate who has the points."""
        return (
            self.tier.invitation_only
            and not self.invited
            and not self.opted_in
            and reached(self.tier, points)
        )


def states_for(advocate_id: int, tiers: list[Tier] | None = None) -> dict[int, TierState]:
    """Each tier's state for one advocate, replayed from their events in order."""
    tiers = tiers if tiers is not None else all_tiers()
    states = {tier.id: TierState(tier) for tier in tiers}
    events = db.session.scalars(
        sa.select(TierEvent)
        .where(TierEvent.advocate_id == advocate_id)
        .order_by(TierEvent.at, TierEvent.id)
    )
    return _replay(states, events)


def _replay(states: dict[int, TierState], events) -> dict[int, TierState]:
    """Each event changes its own tier's state only: the order within a tier is what counts."""
    for event in events:
        state = states.get(event.tier_id)
        if state is None:
            continue
        match event.kind:
            case TierEventKind.ELIGIBLE:
                state.eligible_noticed = True
            case TierEventKind.INVITED:
                state.invited = True
            case TierEventKind.OPTED_IN:
                state.opted_in, state.lapsing_since = True, None
            case TierEventKind.STEPPED_DOWN:
                state.opted_in, state.lapsing_since = False, None
            case TierEventKind.LAPSING:
                state.lapsing_since = event.at
            case TierEventKind.RESTORED:
                state.lapsing_since = None
            case TierEventKind.LAPSED:
                state.opted_in, state.lapsing_since = False, None
                state.eligible_noticed = state.invited = False
    return states


def _lock_profile(advocate_id: int) -> AdvocateProfile:
    # Serialises tier changes of one advocate (PostgreSQL row lock), so two
    # awards at once record one eligibility, not two.
    profile = db.session.scalar(
        sa.select(AdvocateProfile)
        .where(AdvocateProfile.user_id == advocate_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if profile is None:
        raise NotEligible(_("Only advocates have tiers."))
    return profile


def _record(
    advocate_id: int, tier: Tier, kind: TierEventKind, by_id: int | None = None
) -> TierEvent:
    event = TierEvent(advocate_id=advocate_id, tier=tier, kind=kind, at=utcnow(), by_id=by_id)
    db.session.add(event)
    db.session.flush()
    tier_changed.send(advocate_id, event=event)
    return event


def held_tier(states: dict[int, TierState]) -> Tier | None:
    """The tier an advocate holds: the highest opted into (lapsing counts until it lapses)."""
    opted = [state.tier for state in states.values() if state.opted_in]
    return max(opted, key=lambda tier: tier.position) if opted else None


def joining_tier(states: dict[int, TierState]) -> TierState | None:
    """The tier a new member joins: the lowest entry tier, unless they hold one already."""
    entry_tiers = [state for state in states.values() if is_entry_tier(state.tier)]
    if not entry_tiers or any(state.opted_in for state in states.values()):
        return None
    return min(entry_tiers, key=lambda state: state.tier.position)


def _refresh_current_tier(profile: AdvocateProfile, states: dict[int, TierState]) -> None:
    held = held_tier(states)
    profile.current_tier_id = held.id if held else None
    db.session.flush()


def changes_for(states: dict[int, TierState], points: int, now: datetime) -> list[TierEvent]:
    """The tier events a new all-time total calls for, applied to `states` (not saved).

    Reaching an open tier's threshold makes an advocate eligible (once); falling
    below the threshold of a tier they hold starts its grace period; coming
    back above it during the grace period restores it. The one place these
    rules live: the services and the bulk loader both replay points through it.
    """
    events = []
    for state in states.values():
        tier = state.tier
        is_reached = reached(tier, points)
        if is_reached and not state.eligible_noticed and not state.opted_in:
            if not tier.invitation_only:
                events.append(TierEvent(tier=tier, kind=TierEventKind.ELIGIBLE, at=now))
                state.eligible_noticed = True
        if state.opted_in and not is_reached and state.lapsing_since is None:
            events.append(TierEvent(tier=tier, kind=TierEventKind.LAPSING, at=now))
            state.lapsing_since = now
        elif state.lapsing_since is not None and is_reached:
            events.append(TierEvent(tier=tier, kind=TierEventKind.RESTORED, at=now))
            state.lapsing_since = None
    return events


def update_tier_states(advocate_id: int) -> None:
    """React to a change of points: eligibility notices, grace periods, restorations."""
    profile = _lock_profile(advocate_id)
    points = ledger.total_for(advocate_id)
    states = states_for(advocate_id)
    events = changes_for(states, points, utcnow())
    # Several thresholds passed at once: invite to the highest, not to each.
    eligible = [event for event in events if event.kind == TierEventKind.ELIGIBLE]
    highest = max(eligible, key=lambda event: event.tier.position) if eligible else None
    for event in events:
        event.advocate_id = advocate_id
        db.session.add(event)
        if event.kind != TierEventKind.ELIGIBLE or event is highest:
            tier_notices.tell(advocate_id, event, points, grace_period())
    db.session.flush()
    _refresh_current_tier(profile, states)


@points_changed.connect
def _on_points_changed(advocate_id: int, **_: object) -> None:
    update_tier_states(advocate_id)


@advocate_joined.connect
def join_program(advocate_id: int, **_: object) -> None:
    """Opt a new advocate into the entry tier (no threshold, no invitation)."""
    profile = _lock_profile(advocate_id)
    states = states_for(advocate_id)
    entry = joining_tier(states)
    if entry is not None:
        _record(advocate_id, entry.tier, TierEventKind.OPTED_IN)
        entry.opted_in = True
    _refresh_current_tier(profile, states)


def opt_in(advocate_id: int, tier: Tier, *, accepted: bool) -> None:
    """Join a tier. Raises NotEligible without the points, invitation or acceptance."""
    profile = _lock_profile(advocate_id)
    states = states_for(advocate_id)
    state = states[tier.id]
    if state.opted_in:
        raise InvalidState(_("You are already in the %(tier)s tier.", tier=tier.name))
    points = ledger.total_for(advocate_id)
    if not reached(tier, points):
        raise NotEligible(
            _(
                "%(tier)s needs %(threshold)s points; you have %(points)s.",
                tier=tier.name,
                threshold=format_number(tier.threshold),
                points=format_number(points),
            )
        )
    if tier.invitation_only and not state.invited:
        raise NotEligible(_("%(tier)s is by invitation from the program team.", tier=tier.name))
    if not accepted:
        raise NotEligible(
            _("Please accept what the %(tier)s tier expects of you to join it.", tier=tier.name)
        )
    _record(advocate_id, tier, TierEventKind.OPTED_IN)
    state.opted_in = True
    _refresh_current_tier(profile, states)


def step_down(advocate_id: int, tier: Tier) -> None:
    profile = _lock_profile(advocate_id)
    states = states_for(advocate_id)
    state = states[tier.id]
    if not state.opted_in:
        raise InvalidState(_("You are not in the %(tier)s tier.", tier=tier.name))
    _record(advocate_id, tier, TierEventKind.STEPPED_DOWN)
    state.opted_in = False
    _refresh_current_tier(profile, states)


def invite_to_tier(advocate_id: int, tier: Tier, *, by_id: int) -> None:
    """Invite an advocate into an invitation-only tier they have the points for."""
    _lock_profile(advocate_id)
    state = states_for(advocate_id)[tier.id]
    if not tier.invitation_only:
        raise InvalidState(_("%(tier)s is open to everyone with the points.", tier=tier.name))
    if state.invited or state.opted_in:
        raise InvalidState(_("This advocate was already invited to %(tier)s.", tier=tier.name))
    points = ledger.total_for(advocate_id)
    if not reached(tier, points):
        raise NotEligible(
            _(
                "%(tier)s needs %(threshold)s points; they have %(points)s.",
                tier=tier.name,
                threshold=format_number(tier.threshold),
                points=format_number(points),
            )
        )
    _record(advocate_id, tier, TierEventKind.INVITED, by_id=by_id)
    trail.record("tier.invited", "user", advocate_id, by_id=by_id, details={"tier_id": tier.id})
    tier_notices.invited(advocate_id, tier)


def expire_grace_periods(now: datetime | None = None) -> int:
    """Lapse tiers whose grace period ended with points still short; returns how many."""
    now = now or utcnow()
    cutoff = now - grace_period()
    candidates = db.session.scalars(
        sa.select(TierEvent.advocate_id)
        .where(TierEvent.kind == TierEventKind.LAPSING, TierEvent.at <= cutoff)
        .distinct()
    ).all()
    lapsed = 0
    for advocate_id in candidates:
        profile = _lock_profile(advocate_id)
        states = states_for(advocate_id)
        points = ledger.total_for(advocate_id)
        for state in states.values():
            if (
                state.lapsing_since is not None
                and state.lapsing_since <= cutoff
                and not reached(state.tier, points)
            ):
                _record(advocate_id, state.tier, TierEventKind.LAPSED)
                state.opted_in, state.lapsing_since = False, None
                lapsed += 1
                tier_notices.lapsed(advocate_id, state.tier)
        _refresh_current_tier(profile, states)
    return lapsed


def history_of(advocate_id: int, limit: int = 50) -> list[TierEvent]:
    return list(
        db.session.scalars(
            sa.select(TierEvent)
            .where(TierEvent.advocate_id == advocate_id)
            .order_by(TierEvent.at.desc(), TierEvent.id.desc())
            .options(joinedload(TierEvent.tier))
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Progress:
    current: Tier | None
    next: Tier | None
    points: int
    can_opt_in: list[Tier]

    @property
    def percent(self) -> int:
        if self.next is None or self.next.threshold == 0:
            return 100
        return min(100, int(100 * max(self.points, 0) / self.next.threshold))

    @property
    def points_to_next(self) -> int:
        return 0 if self.next is None else max(self.next.threshold - self.points, 0)


def offered_tiers(states: dict[int, TierState], points: int) -> list[Tier]:
    """The tiers an advocate may join now (what their Tiers page offers), lowest first:
    above the one they hold, with the points and, where needed, the invitation."""
    current = held_tier(states)
    return [
        state.tier
        for state in sorted(states.values(), key=lambda state: state.tier.position)
        if state.can_opt_in(points) and (current is None or state.tier.position > current.position)
    ]


def progress_for(advocate_id: int, points: int) -> Progress:
    # Every tier with this advocate's events on it, in one query.
    mine = sa.and_(TierEvent.tier_id == Tier.id, TierEvent.advocate_id == advocate_id)
    query = sa.select(Tier, TierEvent).outerjoin(TierEvent, mine)
    rows = db.session.execute(query.order_by(Tier.position, TierEvent.at, TierEvent.id)).all()
    tiers = list({tier.id: tier for tier, _ in rows}.values())
    return progress_from(tiers, [e for _, e in rows if e is not None], points)


def event_rows(advocate_id: int) -> sa.Select:
    """The advocate's tier events (tier, kind, when) in order, for `progress_from`."""
    return (
        sa.select(TierEvent.tier_id, TierEvent.kind, TierEvent.at)
        .where(TierEvent.advocate_id == advocate_id)
        .order_by(TierEvent.at, TierEvent.id)
    )


def progress_from(tiers, events, points: int) -> Progress:
    """Where the advocate stands among `tiers` (any order) after `events` (in order)."""
    tiers = sorted(tiers, key=lambda tier: tier.position)
    states = _replay({t.id: TierState(t) for t in tiers}, events)
    opted = [t for t in tiers if states[t.id].opted_in]
    current = opted[-1] if opted else None
    above = [t for t in tiers if current is None or t.position > current.position]
    return Progress(
        current=current,
        next=above[0] if above else None,
        points=points,
        can_opt_in=offered_tiers(states, points),
    )


def names_by_advocate(advocate_ids: list[int]) -> dict[int, str]:
    """The name of the tier each advocate holds, in one query."""
    if not advocate_ids:
        return {}
    rows = db.session.execute(
        sa.select(AdvocateProfile.user_id, Tier.name)
        .join(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .where(AdvocateProfile.user_id.in_(advocate_ids))
    )
    return dict(rows.all())


def held_or_passed(advocate_id: int) -> dict[int, str]:
    """The tiers at or below the one the advocate holds, each with the held tier's name
    (an invitation to one of them is spent: the advocate is there already)."""
    held = db.session.execute(
        sa.select(Tier.position, Tier.name)
        .join(AdvocateProfile, AdvocateProfile.current_tier_id == Tier.id)
        .where(AdvocateProfile.user_id == advocate_id)
    ).first()
    if held is None:
        return {}
    position, name = held
    below = db.session.scalars(sa.select(Tier.id).where(Tier.position <= position))
    return dict.fromkeys(below, name)
