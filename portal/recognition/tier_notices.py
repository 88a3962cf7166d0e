"""What advocates are told about their tiers, in their own language (see `notify`)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.i18n import format_long_date, format_number
from portal.notifications.services import notify
from portal.recognition.models import Tier, TierEvent, TierEventKind


def tell(advocate_id: int, event: TierEvent, points: int, grace: timedelta) -> None:
    """A tier reached (eligible), or starting to lapse with the last day of its grace."""
    tier = event.tier
    if event.kind == TierEventKind.ELIGIBLE:
        notify(
            advocate_id,
            "tier_eligible",
            _l(
                "You reached %(points)s points: you can now join the %(tier)s tier.",
                points=LazyString(format_number, tier.threshold),
                tier=tier.name,
            ),
            "recognition.tiers",
            subject=_l("You can join the %(tier)s tier", tier=tier.name),
            tier=tier.id,
        )
    elif event.kind == TierEventKind.LAPSING:
        # The last day in the advocate's time zone, written when the message is.
        notify(
            advocate_id,
            "tier_lapsing",
            _l(
                "Your points are below the %(tier)s threshold. You keep the tier until "
                "%(date)s; earn %(points)s points to keep it.",
                tier=tier.name,
                date=LazyString(format_long_date, event.at + grace),
                points=LazyString(format_number, tier.threshold - points),
            ),
            "recognition.tiers",
        )


def invited(advocate_id: int, tier: Tier) -> None:
    notify(
        advocate_id,
        "tier_invited",
        _l("You are invited to join the %(tier)s tier.", tier=tier.name),
        "recognition.tiers",
        tier=tier.id,
    )


def lapsed(advocate_id: int, tier: Tier) -> None:
    notify(
        advocate_id,
        "tier_lapsed",
        _l("Your %(tier)s tier has lapsed after the grace period.", tier=tier.name),
        "recognition.tiers",
    )
