"""What the portal sends, grouped into the categories people choose frequencies for."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.mail.models import Frequency


@dataclass(frozen=True)
class Category:
    key: str
    label: str | LazyString
    description: str | LazyString
    default: Frequency
    choices: tuple[Frequency, ...]
    roles: frozenset[str]  # the role values (`auth.models.Role`) offered this category


ADVOCATES = frozenset({"advocate"})
STAFF = frozenset({"manager", "admin"})
ASKING_FOR_REFERENCES = frozenset({"requester", "manager", "admin"})


_ALL = (Frequency.IMMEDIATELY, Frequency.DIGEST, Frequency.NEVER)

CATEGORIES: dict[str, Category] = {
    category.key: category
    for category in (
        Category(
            "applications",
            _l("My applications"),
            _l(
                "Received, approved, waitlisted or declined; a seat that opened; a cancellation; "
                "messages from the program team about an opportunity."
            ),
            Frequency.IMMEDIATELY,
            _ALL,
            ADVOCATES,
        ),
        Category(
            "invitations",
            _l("Invitations"),
            _l("When the program team invites you to an opportunity."),
            Frequency.IMMEDIATELY,
            _ALL,
            ADVOCATES,
        ),
        Category(
            "reminders",
            _l("Reminders"),
            _l("A day before an opportunity you are confirmed for."),
            Frequency.IMMEDIATELY,
            (Frequency.IMMEDIATELY, Frequency.NEVER),
            ADVOCATES,
        ),
        Category(
            "recognition",
            _l("Points and tiers"),
            _l(
                "Points you earn, tiers you can join, changes to your tier, and how your "
                "referrals move on."
            ),
            Frequency.IMMEDIATELY,
            _ALL,
            ADVOCATES,
        ),
        Category(
            "new_opportunities",
            _l("New opportunities for me"),
            _l("A weekly list of new opportunities that match what you're open to."),
            Frequency.DIGEST,
            (Frequency.DIGEST, Frequency.NEVER),
            ADVOCATES,
        ),
        Category(
            "team",
            _l("What waits for the program team"),
            _l(
                "A new application or story to review, a freed seat to offer, participants "
                "to mark, mail that could not be sent. Always shown in the portal."
            ),
            Frequency.NEVER,
            _ALL,
            STAFF,
        ),
        Category(
            "accounts",
            _l("My accounts and referrals"),
            _l("An advocate who moved to a company you own, a referral given to you."),
            Frequency.IMMEDIATELY,
            _ALL,
            STAFF,
        ),
        Category(
            "reference_requests",
            _l("My reference requests"),
            _l("An advocate accepted your request, or nobody you asked is available."),
            Frequency.IMMEDIATELY,
            _ALL,
            ASKING_FOR_REFERENCES,
        ),
        Category(
            "manager_digest",
            _l("New applications"),
            _l("A daily summary of new applications waiting for a decision."),
            Frequency.DIGEST,
            (Frequency.DIGEST, Frequency.NEVER),
            STAFF,
        ),
    )
}

# The weekly digest mixes categories; unsubscribing from it stops every
# category the person gets as a digest.
DIGEST = "digest"

# Each notification kind belongs to one category.
KIND_CATEGORY = {
    "application_received": "applications",
    "application_approved": "applications",
    "application_waitlisted": "applications",
    "application_declined": "applications",
    "opportunity_cancelled": "applications",
    "opportunity_message": "applications",
    "invitation": "invitations",
    "reminder": "reminders",
    "participation_completed": "recognition",
    "tier_eligible": "recognition",
    "tier_invited": "recognition",
    "tier_lapsing": "recognition",
    "tier_lapsed": "recognition",
    "badge_awarded": "recognition",
    "reference_points": "recognition",
    "story_published": "recognition",
    "story_returned": "recognition",
    "referral_progress": "recognition",
    "team_application": "team",
    "team_story": "team",
    "team_seat_freed": "team",
    "team_to_mark": "team",
    "team_mail_failed": "team",
    "team_referral": "team",
    "champion_moved": "accounts",
    "referral_assigned": "accounts",
    "team_webhook_paused": "team",
    "reference_accepted": "reference_requests",
    "reference_back": "reference_requests",
}

# Messages that concern the account itself: always sent, no unsubscribe link.
ESSENTIAL_KINDS = frozenset(
    {
        "account_invitation",
        "verify_email",
        "password_reset",
        "email_change",
        "email_changed",
        "registration_attempt",
    }
)


def categories_for(role: str) -> list[Category]:
    """The categories a person of `role` (a `Role` value) may choose frequencies for."""
    return [category for category in CATEGORIES.values() if role in category.roles]
