"""Staff changes to the tiers themselves: names, thresholds, what each asks and gives.

Thresholds must rise with the tiers' order and names stay unique (in any
case); which tier an advocate reaches is `tiers.reached`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.audit import trail
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.recognition.models import Tier
from portal.recognition.tiers import all_tiers


def update_tier(
    tier: Tier,
    *,
    name: str,
    threshold: int,
    benefits: str,
    commitment: str,
    invitation_only: bool,
    featured: bool = False,
    by_id: int | None = None,
) -> None:
    """Change a tier. Thresholds must rise with the tiers' order; names stay unique."""
    others = [t for t in all_tiers() if t.id != tier.id]
    if any(t.name.lower() == name.strip().lower() for t in others):
        raise InvalidState(_("Another tier is called %(name)s.", name=name.strip()))
    below = [t for t in others if t.position < tier.position]
    above = [t for t in others if t.position > tier.position]
    if below and threshold <= max(t.threshold for t in below):
        raise InvalidState(_("The threshold must be higher than the tier below."))
    if above and threshold >= min(t.threshold for t in above):
        raise InvalidState(_("The threshold must be lower than the tier above."))
    values = {
        "name": name.strip(),
        "threshold": threshold,
        "benefits": benefits.strip(),
        "commitment": commitment.strip(),
        "invitation_only": invitation_only,
        "featured": featured,
    }
    trail.record_change("tier.updated", tier, by_id=by_id, **values)
    for key, value in values.items():
        setattr(tier, key, value)
    try:
        db.session.flush()
    except IntegrityError:  # another tier took the name a moment ago
        db.session.rollback()
        raise AlreadyExists(_("Another tier is called %(name)s.", name=name.strip())) from None
