"""Who is shown where: the one meaning of "on the leaderboards" and "shown publicly".

Both need an active advocate who chose it; deactivated people vanish from
every list at once. Every public page and every board reads these.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import AdvocateProfile
from portal.auth.models import Role, User


def active_advocate() -> sa.ColumnElement[bool]:
    """SQL on User: an advocate whose account is active."""
    return sa.and_(User.active.is_(True), User.role == Role.ADVOCATE)


def shown_on_leaderboards() -> sa.ColumnElement[bool]:
    """SQL on User joined to AdvocateProfile: shown to others on leaderboards."""
    return sa.and_(active_advocate(), AdvocateProfile.show_on_leaderboard.is_(True))


def shown_publicly() -> sa.ColumnElement[bool]:
    """SQL on User joined to AdvocateProfile: shown on the public showcase."""
    return sa.and_(active_advocate(), AdvocateProfile.public_profile.is_(True))


def public_advocates() -> sa.Select:
    """The people of the public showcase, as a query to narrow and order."""
    return (
        sa.select(User)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(shown_publicly())
    )
