"""“Download my data”: everything the portal holds about one person, as JSON in a zip.

Each part of the archive is a function registered with `section`, so a
package that starts keeping something about people (reference requests,
referrals) adds its part here and the archive stays complete.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.advocates.models import (
    Account,
    AdvocateProfile,
    Ask,
    Employment,
    UsageConsent,
    UsageConsentChange,
)
from portal.advocates.notes import StaffNote
from portal.audit.models import AuditEvent
from portal.audit.trail import plain
from portal.auth.models import User, UserIdentity, UserSession
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import speaking_to
from portal.images import StoredImage
from portal.mail.models import MailPreference, OutboxMessage
from portal.notifications.models import Notification
from portal.opportunities.models import Opportunity, Participation
from portal.privacy.models import DeletionRequest
from portal.recognition.models import Badge, BadgeAward, PointsEntry, Standing, TierEvent
from portal.references.models import ReferenceAsk, ReferenceRequest
from portal.referrals.models import Referral, ReferralEvent
from portal.stories.models import Story

Section = Callable[[User], Any]
SECTIONS: dict[str, tuple[str, Section]] = {}


def section(name: str, description: str) -> Callable[[Section], Section]:
    """Register a part of the archive: `name.json`, described in the README."""

    def register(function: Section) -> Section:
        SECTIONS[name] = (description, function)
        return function

    return register


def _rows(statement: sa.Select) -> list[dict]:
    return [plain(dict(row._mapping)) for row in db.session.execute(statement)]


def _columns(model, *names: str) -> list:
    return [getattr(model, name) for name in names]


@section("profile", _l("Your account, profile, consent choices and mail preferences."))
def _profile(user: User) -> dict:
    profile = db.session.get(AdvocateProfile, user.id)
    account = {
        key: getattr(user, key)
        for key in (
            "id",
            "email",
            "name",
            "role",
            "active",
            "timezone",
            "created_at",
            "last_sign_in_at",
            "email_verified_at",
        )
    }
    consent = None
    if profile is not None:
        consent = {
            "bio": profile.bio,
            "products_used": sorted(product.name for product in profile.products),
            "open_to": sorted(profile.open_types),
            "max_asks_per_quarter": profile.max_asks_per_quarter,
            "quiet_until": profile.quiet_until,
            "show_on_leaderboard": profile.show_on_leaderboard,
            "quote": profile.quote,
            "linkedin_url": profile.linkedin_url,
            "joined_at": profile.onboarded_at,
            "current_tier": profile.current_tier.name if profile.current_tier else None,
        }
    preferences = _rows(
        sa.select(MailPreference.category, MailPreference.frequency).where(
            MailPreference.user_id == user.id
        )
    )
    return plain({"account": account, "profile_and_consent": consent, "mail": preferences})


@section("employment", _l("Your jobs, current and past."))
def _employment(user: User) -> list[dict]:
    return _rows(
        sa.select(
            Account.name.label("company"),
            Employment.title,
            Employment.started_on,
            Employment.ended_on,
        )
        .join(Account, Account.id == Employment.account_id)
        .where(Employment.user_id == user.id)
        .order_by(Employment.started_on)
    )


@section(
    "consent_history",
    _l(
        "Every change of your consent (what you are open to, how often, what is public), "
        "what staff changed about you (the audit trail's events about you) and your tier "
        "history (opted in, stepped down, invited)."
    ),
)
def _consent_history(user: User) -> dict:
    return {
        "tier_events": _rows(
            sa.select(TierEvent.at, TierEvent.kind, TierEvent.tier_id, TierEvent.by_id)
            .where(TierEvent.advocate_id == user.id)
            .order_by(TierEvent.at)
        ),
        "staff_actions": _rows(
            sa.select(*_columns(AuditEvent, "at", "actor_id", "action", "changes", "details"))
            .where(AuditEvent.target_type == "user", AuditEvent.target_id == user.id)
            .order_by(AuditEvent.at)
        ),
        "deletion_requests": _rows(
            sa.select(
                *_columns(
                    DeletionRequest, "requested_at", "requested_by_id", "due_at", "cancelled_at"
                )
            ).where(DeletionRequest.user_id == user.id)
        ),
    }


@section(
    "participations",
    _l(
        "Opportunities you applied to or were invited to, what was decided, and the notes "
        "(yours, and the messages staff wrote to you)."
    ),
)
def _participations(user: User) -> list[dict]:
    return _rows(
        sa.select(
            Opportunity.title.label("opportunity"),
            Opportunity.type,
            Participation.status,
            Participation.note.label("your_note"),
            Participation.manager_message.label("staff_note"),
            Participation.created_at,
            Participation.decided_at,
            Participation.completed_at,
        )
        .join(Opportunity, Opportunity.id == Participation.opportunity_id)
        .where(Participation.advocate_id == user.id)
        .order_by(Participation.created_at)
    )


@section(
    "staff_notes",
    _l("Notes the program team kept about you: when, by whom (their id), and the note."),
)
def _staff_notes(user: User) -> list[dict]:
    return _rows(
        sa.select(*_columns(StaffNote, "created_at", "author_id", "body"))
        .where(StaffNote.advocate_id == user.id)
        .order_by(StaffNote.created_at, StaffNote.id)
    )


@section("asks", _l("Every time staff asked you for something, and your answers."))
def _asks(user: User) -> list[dict]:
    return _rows(
        sa.select(*_columns(Ask, "asked_at", "kind", "topic", "subject", "answer", "answered_at"))
        .where(Ask.advocate_id == user.id)
        .order_by(Ask.asked_at)
    )


@section("points", _l("Your points ledger and your totals per period."))
def _points(user: User) -> dict:
    return {
        "ledger": _rows(
            sa.select(*_columns(PointsEntry, "created_at", "points", "source", "reason"))
            .where(PointsEntry.advocate_id == user.id)
            .order_by(PointsEntry.id)
        ),
        "totals": _rows(
            sa.select(Standing.period, Standing.points).where(Standing.advocate_id == user.id)
        ),
    }


@section("badges", _l("Badges you earned (and any revoked)."))
def _badges(user: User) -> list[dict]:
    return _rows(
        sa.select(
            Badge.name,
            BadgeAward.awarded_at,
            BadgeAward.evidence,
            BadgeAward.uid.label("assertion_id"),
            BadgeAward.revoked_at,
            BadgeAward.revoked_reason,
        )
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(BadgeAward.advocate_id == user.id)
    )


@section("stories", _l("Stories you wrote, and the notes staff left on them."))
def _stories(user: User) -> list[dict]:
    return _rows(
        sa.select(
            *_columns(Story, "title", "body", "status", "manager_note", "created_at", "decided_at")
        ).where(Story.advocate_id == user.id)
    )


@section(
    "reference_calls",
    _l("Reference calls you were asked for: the prospect's industry, when, and your answer."),
)
def _reference_calls(user: User) -> list[dict]:
    return _rows(
        sa.select(
            ReferenceRequest.kind,
            ReferenceRequest.industry.label("prospect_industry"),
            ReferenceAsk.status,
            ReferenceAsk.asked_at,
            ReferenceAsk.due_at,
            ReferenceAsk.answered_at,
            ReferenceAsk.decline_reason,
            ReferenceAsk.decline_note.label("your_note"),
        )
        .join(ReferenceRequest, ReferenceRequest.id == ReferenceAsk.request_id)
        .where(ReferenceAsk.advocate_id == user.id)
        .order_by(ReferenceAsk.asked_at)
    )


@section("referrals", _l("People you referred, and what became of each referral."))
def _referrals(user: User) -> dict:
    return {
        "referrals": _rows(
            sa.select(
                *_columns(
                    Referral,
                    "id",
                    "peer_name",
                    "peer_email",
                    "peer_role",
                    "company_name",
                    "why",
                    "peer_agreed",
                    "stage",
                    "created_at",
                    "closed_at",
                )
            ).where(Referral.advocate_id == user.id)
        ),
        "stages": _rows(
            sa.select(
                ReferralEvent.referral_id, ReferralEvent.stage, ReferralEvent.note, ReferralEvent.at
            )
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(Referral.advocate_id == user.id)
            .order_by(ReferralEvent.at)
        ),
    }


@section(
    "usage_consent",
    _l("Where the program may use your name, photo, logo and words, and each change."),
)
def _usage_consent(user: User) -> dict:
    return {
        "grid": _rows(
            sa.select(
                *_columns(UsageConsent, "asset", "channel", "granted", "expires_on", "changed_at")
            ).where(UsageConsent.user_id == user.id)
        ),
        "changes": _rows(
            sa.select(
                *_columns(
                    UsageConsentChange,
                    "asset",
                    "channel",
                    "was_granted",
                    "granted",
                    "expires_on",
                    "changed_by_id",
                    "changed_at",
                )
            )
            .where(UsageConsentChange.user_id == user.id)
            .order_by(UsageConsentChange.changed_at)
        ),
    }


@section("notifications", _l("Notifications shown to you in the portal."))
def _notifications(user: User) -> list[dict]:
    return _rows(
        sa.select(*_columns(Notification, "created_at", "kind", "message", "read_at"))
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at)
    )


@section("sign_ins", _l("Your sign-in sessions (browsers) and single sign-on identities."))
def _sign_ins(user: User) -> dict:
    return {
        "sessions": _rows(
            sa.select(
                *_columns(
                    UserSession,
                    "created_at",
                    "last_seen_at",
                    "expires_at",
                    "revoked_at",
                    "user_agent",
                )
            ).where(UserSession.user_id == user.id)
        ),
        "identities": _rows(
            sa.select(
                *_columns(UserIdentity, "provider", "issuer", "subject", "email", "created_at")
            ).where(UserIdentity.user_id == user.id)
        ),
    }


@section("mail", _l("Mail the portal sent (or is about to send) to you."))
def _mail(user: User) -> list[dict]:
    return _rows(
        sa.select(
            *_columns(
                OutboxMessage,
                "created_at",
                "sent_at",
                "status",
                "to_address",
                "subject",
                "text_body",
            )
        )
        .where(sa.or_(OutboxMessage.to_user_id == user.id, OutboxMessage.to_address == user.email))
        .order_by(OutboxMessage.created_at)
    )


def _readme(program: str, when: str, files: list[str]) -> str:
    title = _("Your data from %(program)s", program=program)
    paragraphs = [
        _(
            "This archive holds everything the portal keeps about you, as of %(when)s (UTC). "
            "Each file is JSON (UTF-8); times are ISO 8601 in UTC. People other than you are "
            "named by their id only.",
            when=when,
        ),
        "\n".join(files),
        _(
            "Staff notes about you are in staff_notes.json, participations.json (“staff_note”) "
            "and stories.json (“manager_note”). Your current consent choices are in "
            "profile.json; each change of them, and what staff changed about you, is in "
            "consent_history.json (“staff_actions”)."
        ),
        _(
            "To have your account deleted, use “%(button)s” on the same page.",
            button=_("Delete my account"),
        ),
    ]
    wrapped = [p if p.startswith("- ") else textwrap.fill(p, width=78) for p in paragraphs]
    return "\n\n".join([f"{title}\n{'=' * len(title)}", *wrapped]) + "\n"


def build(user: User, program: str) -> bytes:
    """The zip archive of `user`'s data: README.txt and one JSON file per section,
    the README in the person's own language."""
    when = utcnow().isoformat(timespec="seconds")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, speaking_to(user):
        files = []
        for name, (description, function) in SECTIONS.items():
            archive.writestr(
                f"{name}.json", json.dumps(plain(function(user)), indent=2, ensure_ascii=False)
            )
            files.append(f"- {name}.json: {description}")
        profile = db.session.get(AdvocateProfile, user.id)
        photo = (
            db.session.get(StoredImage, profile.photo_id) if profile and profile.photo_id else None
        )
        if photo is not None:
            extension = photo.content_type.split("/")[-1].split("+")[0]
            name = f"photo.{extension}"
            archive.writestr(name, photo.data)
            files.append("- " + _("%(file)s: your profile photo.", file=name))
        archive.writestr("README.txt", _readme(program, when, files))
    return buffer.getvalue()
