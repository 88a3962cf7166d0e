"""Consent for every use: one switch per asset kind and channel, with expiry and history.

An advocate says, for their name and title, photo, company logo, quotes,
stories, video and speaking recordings, whether the program may use each on
the public showcase, the company website, sales material and in the press.
No row means refused; a grant may end on a date. Every change is kept
(`UsageConsentChange`: who, when, before and after). The showcase column is
enforced by `advocates.visibility`; the other channels are records staff
read beside each asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import clock
from portal.advocates.models import (
    AdvocateProfile,
    ConsentAsset,
    ConsentChannel,
    UsageConsent,
    UsageConsentChange,
)
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState, NotAllowed
from portal.extensions import db

Pair = tuple[ConsentAsset, ConsentChannel]
GRID: tuple[Pair, ...] = tuple(
    (asset, channel) for asset in ConsentAsset for channel in ConsentChannel
)
# What the former single "public profile" switch stood for on the showcase.
PUBLIC_PROFILE_ASSETS = (ConsentAsset.NAME_TITLE, ConsentAsset.PHOTO, ConsentAsset.STORIES)
SOON = timedelta(days=30)


@dataclass(frozen=True)
class Switch:
    granted: bool = False
    expires_on: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.granted and (self.expires_on is None or self.expires_on >= day)


def grid_of(user_id: int) -> dict[Pair, Switch]:
    """Every switch of one advocate (refused where nothing was ever chosen)."""
    grid = dict.fromkeys(GRID, Switch())
    for row in db.session.scalars(sa.select(UsageConsent).where(UsageConsent.user_id == user_id)):
        grid[(row.asset, row.channel)] = Switch(row.granted, row.expires_on)
    return grid


def holding(grid: dict[Pair, Switch]) -> dict[Pair, bool]:
    """Which switches hold today (granted and not expired)."""
    today = clock.today()
    return {pair: switch.holds_on(today) for pair, switch in grid.items()}


def change_grid(advocate: User, wanted: dict[Pair, Switch], *, by: User) -> int:
    """Set the advocate's switches; each change joins the history. Returns how many changed.

    Only the advocate changes their own grid. Raises NotAllowed for anyone
    else, InvalidState for an expiry before today. A refusal has no expiry.
    Two saves at once apply one after the other (the profile row is locked).
    """
    if by.id != advocate.id:
        raise NotAllowed(_("Only the advocate decides how their name and work are used."))
    today = clock.today()
    for (asset, channel), switch in wanted.items():
        if switch.granted and switch.expires_on is not None and switch.expires_on < today:
            raise InvalidState(
                _(
                    "%(asset)s on %(channel)s: the end date has passed; choose a later date "
                    "or none.",
                    asset=asset.label,
                    channel=channel.in_sentence,
                )
            )
    db.session.execute(
        sa.select(AdvocateProfile.user_id)
        .where(AdvocateProfile.user_id == advocate.id)
        .with_for_update()
    )
    rows = {
        (row.asset, row.channel): row
        for row in db.session.scalars(
            sa.select(UsageConsent)
            .where(UsageConsent.user_id == advocate.id)
            .execution_options(populate_existing=True)
        )
    }
    changed = 0
    now = utcnow()
    for pair, switch in wanted.items():
        after = Switch(switch.granted, switch.expires_on if switch.granted else None)
        row = rows.get(pair)
        before = Switch(row.granted, row.expires_on) if row is not None else Switch()
        if before == after:
            continue
        if row is None:
            row = UsageConsent(user_id=advocate.id, asset=pair[0], channel=pair[1])
            db.session.add(row)
        row.granted, row.expires_on, row.changed_at = after.granted, after.expires_on, now
        db.session.add(
            UsageConsentChange(
                user_id=advocate.id,
                asset=pair[0],
                channel=pair[1],
                was_granted=before.granted,
                was_expires_on=before.expires_on,
                granted=after.granted,
                expires_on=after.expires_on,
                changed_by_id=by.id,
                changed_at=now,
            )
        )
        changed += 1
    db.session.flush()
    return changed


def set_public_profile(advocate: User, public: bool, *, by: User) -> int:
    """The welcome step's one switch: name and title, photo and stories on the showcase."""
    wanted = {(asset, ConsentChannel.SHOWCASE): Switch(public) for asset in PUBLIC_PROFILE_ASSETS}
    return change_grid(advocate, wanted, by=by)


def channels_for(advocate_ids: list[int], asset: ConsentAsset) -> dict[int, list[ConsentChannel]]:
    """Where each advocate lets the program use this asset today (one query), for staff
    reading beside an asset (a story, a quote)."""
    found: dict[int, list[ConsentChannel]] = {advocate_id: [] for advocate_id in advocate_ids}
    if advocate_ids:
        today = clock.today()
        rows = db.session.scalars(
            sa.select(UsageConsent).where(
                UsageConsent.user_id.in_(advocate_ids), UsageConsent.asset == asset
            )
        )
        for row in rows:
            if Switch(row.granted, row.expires_on).holds_on(today):
                found[row.user_id].append(row.channel)
    order = list(ConsentChannel)
    return {key: sorted(value, key=order.index) for key, value in found.items()}


def history_of(user_id: int, limit: int = 100) -> list[UsageConsentChange]:
    """The advocate's changes, newest first."""
    return list(
        db.session.scalars(
            sa.select(UsageConsentChange)
            .where(UsageConsentChange.user_id == user_id)
            .options(joinedload(UsageConsentChange.changed_by))
            .order_by(UsageConsentChange.changed_at.desc(), UsageConsentChange.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Watch:
    """A consent staff should know about: withdrawn lately, or ending soon (or just ended)."""

    advocate: User
    asset: ConsentAsset
    channel: ConsentChannel
    what: str  # "withdrawn", "expires" or "expired"
    on: date


def withdrawn_or_expiring(limit: int = 200) -> list[Watch]:
    """Consents withdrawn in the last 30 days, and grants ending within 30 days either side
    of today, soonest first."""
    today = clock.today()
    since = utcnow() - SOON
    withdrawn = db.session.execute(
        sa.select(UsageConsentChange, User)
        .join(User, User.id == UsageConsentChange.user_id)
        .where(
            UsageConsentChange.changed_at >= since,
            UsageConsentChange.was_granted.is_(True),
            UsageConsentChange.granted.is_(False),
        )
        .order_by(UsageConsentChange.changed_at.desc())
        .limit(limit)
    ).all()
    ending = db.session.execute(
        sa.select(UsageConsent, User)
        .join(User, User.id == UsageConsent.user_id)
        .where(
            UsageConsent.granted.is_(True),
            UsageConsent.expires_on.between(today - SOON, today + SOON),
        )
        .order_by(UsageConsent.expires_on)
        .limit(limit)
    ).all()
    watches = [
        Watch(
            user, change.asset, change.channel, "withdrawn", clock.local(change.changed_at).date()
        )
        for change, user in withdrawn
    ] + [
        Watch(
            user,
            row.asset,
            row.channel,
            "expired" if row.expires_on < today else "expires",
            row.expires_on,
        )
        for row, user in ending
    ]
    return sorted(watches, key=lambda watch: (watch.on, watch.advocate.name))
