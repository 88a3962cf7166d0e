"""An advocate's profile: what they share, what they consent to, and the welcome step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal import images
from portal.advocates import permissions, topics
from portal.advocates.employment import current_employment
from portal.advocates.models import AdvocateProfile, OpenType, Product
from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.signals import advocate_changed, advocate_joined, consent_withdrawn


def ensure_profile(user: User) -> AdvocateProfile:
    if user.profile is None:
        user.profile = AdvocateProfile(user_id=user.id)
        # Open to everything until they say otherwise in the welcome step.
        user.profile.open_type_rows = [OpenType(type=t) for t in sorted(topics.values())]
        db.session.flush()
    return user.profile


@dataclass
class ProfileChoices:
    name: str
    title: str
    bio: str
    product_ids: list[int]
    open_types: list[str]
    max_asks_per_quarter: int
    quiet_until: date | None
    show_on_leaderboard: bool
    # None leaves the consent grid as it is; True or False grants or refuses
    # what "public profile" stood for (`permissions.set_public_profile`).
    public_profile: bool | None = None
    timezone: str | None = None
    # None leaves them as they are.
    quote: str | None = None
    linkedin_url: str | None = None


def locked_profile(user: User) -> AdvocateProfile:
    """The advocate's profile, locked and read again with its choices: two saves at
    once (a double click) apply one after the other instead of adding the same rows."""
    ensure_profile(user)
    db.session.flush()
    profile = db.session.scalar(
        sa.select(AdvocateProfile)
        .where(AdvocateProfile.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    db.session.expire(profile, ["open_type_rows", "products"])
    return profile


def _consent(profile: AdvocateProfile) -> dict:
    return {
        "open_to": sorted(profile.open_types),
        "max_asks_per_quarter": profile.max_asks_per_quarter,
        "quiet_until": profile.quiet_until,
        "show_on_leaderboard": profile.show_on_leaderboard,
    }


def update_profile(user: User, choices: ProfileChoices) -> None:
    """Save what an advocate shares and consents to; leaderboards follow at once.

    A change of consent joins the audit trail (the person's consent history).
    """
    profile = locked_profile(user)
    before = _consent(profile)
    user.name = choices.name.strip()
    user.timezone = choices.timezone or None
    job = current_employment(user.id)
    if job is not None and choices.title.strip():
        job.title = choices.title.strip()
    profile.bio = choices.bio.strip()
    profile.products = list(
        db.session.scalars(
            sa.select(Product).where(Product.id.in_(choices.product_ids), Product.active)
        )
    )
    wanted = set(choices.open_types) & topics.values()
    withdrawn = {
        "closed_types": sorted(profile.open_types - wanted),
        "fewer_asks": choices.max_asks_per_quarter < profile.max_asks_per_quarter,
        "quiet_until": choices.quiet_until
        if choices.quiet_until and choices.quiet_until != profile.quiet_until
        else None,
    }
    profile.open_type_rows = [row for row in profile.open_type_rows if row.type in wanted] + [
        OpenType(type=t) for t in sorted(wanted - profile.open_types)
    ]
    profile.max_asks_per_quarter = choices.max_asks_per_quarter
    profile.quiet_until = choices.quiet_until
    profile.show_on_leaderboard = choices.show_on_leaderboard
    if choices.quote is not None:
        profile.quote = choices.quote.strip()
    if choices.linkedin_url is not None:
        profile.linkedin_url = choices.linkedin_url.strip()
    if choices.public_profile is not None:
        permissions.set_public_profile(user, choices.public_profile, by=user)
    db.session.flush()
    if _consent(profile) != before:
        trail.record(
            "consent.changed",
            "user",
            user.id,
            by_id=user.id,
            before=before,
            after=_consent(profile),
        )
    advocate_changed.send(user.id)
    if any(withdrawn.values()):
        consent_withdrawn.send(user.id, **withdrawn)


def complete_onboarding(user: User, choices: ProfileChoices) -> None:
    """The welcome step: profile and consent, then membership of the program."""
    update_profile(user, choices)
    if user.profile.onboarded_at is None:
        user.profile.onboarded_at = utcnow()
        # The welcome form lists every kind of ask, the reference kinds too.
        user.profile.reference_kinds_answered_at = utcnow()
        advocate_joined.send(user.id)


PHOTO_SIDE = 512


def set_photo(user: User, data: bytes | None) -> None:
    """Replace the advocate's profile photo with an upload, or remove it (`data` None).

    The old image is deleted. Raises images.UploadRefused for a file that is
    not a usable PNG or JPEG.
    """
    profile = locked_profile(user)
    old_id = profile.photo_id
    profile.photo_id = images.store(data, max_side=PHOTO_SIDE).id if data else None
    db.session.flush()
    if old_id is not None and old_id != profile.photo_id:
        images.discard(old_id)
