"""Who and what is shown where: the one meaning of "on the leaderboards" and "shown publicly".

Both need an active advocate who chose it; deactivated people vanish from
every list at once. What the public showcase may show of an advocate is the
public-showcase column of their consent grid (`advocates.permissions`): their
name and title make them appear at all; their photo, company, quotes and
stories each need their own switch, granted and not expired. Every public
page and every board reads these.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import clock
from portal.advocates.models import (
    AdvocateProfile,
    ConsentAsset,
    ConsentChannel,
    UsageConsent,
)
from portal.auth.models import Role, User
from portal.extensions import db


def active_advocate() -> sa.ColumnElement[bool]:
    """SQL on User: an advocate whose account is active."""
    return sa.and_(User.active.is_(True), User.role == Role.ADVOCATE)


def shown_on_leaderboards() -> sa.ColumnElement[bool]:
    """SQL on User joined to AdvocateProfile: shown to others on leaderboards."""
    return sa.and_(active_advocate(), AdvocateProfile.show_on_leaderboard.is_(True))


def consent_holds() -> sa.ColumnElement[bool]:
    """SQL on UsageConsent: granted, and not past its expiry (the program's today)."""
    return sa.and_(
        UsageConsent.granted.is_(True),
        sa.or_(UsageConsent.expires_on.is_(None), UsageConsent.expires_on >= clock.today()),
    )


def consents_to(
    asset: ConsentAsset,
    channel: ConsentChannel = ConsentChannel.SHOWCASE,
    user_id: sa.ColumnElement | None = None,
) -> sa.ColumnElement[bool]:
    """SQL: the advocate whose id is `user_id` (User.id by default) lets the program
    use `asset` in `channel` today."""
    return (
        sa.exists()
        .where(
            UsageConsent.user_id == (User.id if user_id is None else user_id),
            UsageConsent.asset == asset,
            UsageConsent.channel == channel,
            consent_holds(),
        )
        .correlate_except(UsageConsent)
    )


def shown_publicly() -> sa.ColumnElement[bool]:
    """SQL on User: shown on the public showcase (name and title granted for it)."""
    return sa.and_(active_advocate(), consents_to(ConsentAsset.NAME_TITLE))


def public_advocates() -> sa.Select:
    """The people of the public showcase, as a query to narrow and order."""
    return (
        sa.select(User)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(shown_publicly())
    )


def public_uses(advocate_ids: list[int]) -> dict[int, set[ConsentAsset]]:
    """What the showcase may show of each advocate today, in one query.

    An advocate who is not shown publicly at all gets an empty set.
    """
    if not advocate_ids:
        return {}
    uses: dict[int, set[ConsentAsset]] = {advocate_id: set() for advocate_id in advocate_ids}
    rows = db.session.execute(
        sa.select(UsageConsent.user_id, UsageConsent.asset)
        .join(User, User.id == UsageConsent.user_id)
        .where(
            UsageConsent.user_id.in_(advocate_ids),
            UsageConsent.channel == ConsentChannel.SHOWCASE,
            consent_holds(),
            active_advocate(),
        )
    )
    for advocate_id, asset in rows:
        uses[advocate_id].add(asset)
    for assets in uses.values():
        _only_if_named(assets)
    return uses


def public_use_rows(advocate_id: int) -> sa.Select:
    """SQL: the assets (`asset`) the showcase may use of this advocate today, before
    `uses_from`; for a page whose own query already requires an active advocate."""
    return (
        sa.select(UsageConsent.asset)
        .where(
            UsageConsent.user_id == advocate_id,
            UsageConsent.channel == ConsentChannel.SHOWCASE,
            consent_holds(),
        )
        .order_by(UsageConsent.asset)
    )


def uses_from(rows) -> set[ConsentAsset]:
    """`public_uses` of one advocate from the rows of `public_use_rows`."""
    return _only_if_named({row.asset for row in rows})


def _only_if_named(assets: set[ConsentAsset]) -> set[ConsentAsset]:
    """Nothing is used of someone who does not allow their name and title."""
    if ConsentAsset.NAME_TITLE not in assets:
        assets.clear()
    return assets


def shows_publicly(advocate_id: int, asset: ConsentAsset) -> bool:
    """May the showcase show this asset of this advocate today?"""
    return asset in public_uses([advocate_id])[advocate_id]
