"""Recording staff actions in the audit trail, and searching it.

Services call `record` in the transaction of the change they make, so an
event exists exactly when its change does. Only this module writes
`AuditEvent`; nothing updates or deletes one (PostgreSQL refuses it too).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.settings import all_settings

# A person's fields recorded as "changed", never with their values.
PERSONAL_FIELDS = frozenset({"name", "email", "bio", "photo", "title"})

# Every kind of event (stored by its name), with how the trail's page words it.
ACTIONS: dict[str, Any] = {
    "opportunity.created": _l("Posted an opportunity (draft)"),
    "opportunity.updated": _l("Changed an opportunity"),
    "opportunity.state_changed": _l("Published, closed or cancelled an opportunity"),
    "participation.invited": _l("Invited to an opportunity"),
    "participation.decided": _l("Decided an application"),
    "participation.reopened": _l("Reopened a declined application"),
    "participation.completed": _l("Marked completed"),
    "participation.no_show": _l("Marked no-show"),
    "points.awarded": _l("Awarded or deducted points"),
    "points.reversed": _l("Reversed a ledger entry"),
    "consent.changed": _l("Changed their consent (the person)"),
    "user.created": _l("Added a person"),
    "user.deactivated": _l("Deactivated a person"),
    "user.reactivated": _l("Reactivated a person"),
    "user.role_changed": _l("Changed a role"),
    "user.moved": _l("Recorded a move to another company"),
    "tier.invited": _l("Invited to a tier"),
    "tier.updated": _l("Changed a tier"),
    "settings.changed": _l("Changed the settings"),
    "badge.created": _l("Created a badge"),
    "badge.updated": _l("Changed a badge"),
    "badge.revoked": _l("Revoked a badge"),
    "story.decided": _l("Decided a story"),
    "account.created": _l("Added a company"),
    "account.updated": _l("Changed a company"),
    "import.applied": _l("Imported a file"),
    "export.downloaded": _l("Exported data"),
    "deletion.requested": _l("Asked to delete an account"),
    "deletion.cancelled": _l("Cancelled an account deletion"),
    "deletion.done": _l("Deleted an account"),
    "referral.moved": _l("Moved a referral to another stage"),
    "referral.owner_changed": _l("Changed a referral's owner"),
    "reference_request.asked": _l("Asked advocates for a reference"),
    "reference_request.closed": _l("Cancelled or closed a reference request"),
    "reference_request.outcome": _l("Recorded a reference's outcome"),
    "note.created": _l("Wrote a staff note"),
    "product.created": _l("Added a product"),
    "product.updated": _l("Retired or restored a product"),
    "topic.created": _l("Added a topic"),
    "topic.updated": _l("Retired or restored a topic"),
    "webhook.created": _l("Added a webhook endpoint"),
    "webhook.updated": _l("Changed a webhook endpoint"),
    "webhook.secret_rotated": _l("Made a new webhook secret"),
    "webhook.resumed": _l("Resumed a paused webhook endpoint"),
    "api_token.created": _l("Made an API token"),
    "api_token.revoked": _l("Revoked an API token"),
    "import.invited": _l("Invited the people of an import"),
}


def plain(value: Any) -> Any:
    """A value as JSON keeps it: enums by value, dates in ISO format."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def changes(before: Mapping[str, Any], after: Mapping[str, Any], *, person: bool) -> dict:
    """The fields whose value differs, before → after; a person's personal fields
    only as changed."""
    diff = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = plain(before.get(key)), plain(after.get(key))
        if old == new:
            continue
        masked = person and key in PERSONAL_FIELDS
        diff[key] = {"changed": True} if masked else {"before": old, "after": new}
    return diff


def record(
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    by_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the caller's transaction (before → after for the fields that changed)."""
    if action not in ACTIONS or target_type not in TARGET_TYPES:
        raise ValueError(f"unknown audit action or target {action!r}, {target_type!r}")
    event = AuditEvent(
        at=utcnow(),
        actor_id=by_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        changes=changes(before or {}, after or {}, person=target_type == "user"),
        details=plain(dict(details or {})),
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_change(
    action: str, row: Any, *, by_id: int | None, details: Mapping[str, Any] | None = None, **after
) -> AuditEvent:
    """Record a change of `row`'s fields to `after`, called before they are assigned.

    The target is the row, its type the action's prefix ("participation.decided").
    """
    before = {name: getattr(row, name) for name in after}
    target_type = action.split(".")[0]
    return record(
        action, target_type, row.id, by_id=by_id, before=before, after=after, details=details
    )


@contextmanager
def settings_changes(*, by_id: int | None) -> Iterator[None]:
    """Record what the settings saved inside the block changed: one event, or none
    when nothing did (the same values saved again)."""
    before = all_settings()
    yield
    db.session.flush()
    after = all_settings()
    if after != before:
        record("settings.changed", "settings", None, by_id=by_id, before=before, after=after)


@dataclass(frozen=True)
class Filters:
    """What the trail's page (and its export) narrow it to; every part optional."""

    action: str = ""
    actor_id: int | None = None
    target_type: str = ""
    target_id: int | None = None
    since: date | None = None
    until: date | None = None


# What an event's target_id names.
TARGET_TYPES = (
    "account",
    "api_token",
    "badge",
    "badge_award",
    "export",
    "import",
    "note",
    "opportunity",
    "participation",
    "points_entry",
    "product",
    "reference_request",
    "referral",
    "settings",
    "story",
    "tier",
    "topic",
    "user",
    "webhook",
)
# How the trail's page names each kind of record.
TARGET_LABELS: dict[str, Any] = {
    "account": _l("Company"),
    "api_token": _l("API token"),
    "badge": _l("Badge"),
    "badge_award": _l("Badge award"),
    "export": _l("Export"),
    "import": _l("Import"),
    "note": _l("Staff note"),
    "opportunity": _l("Opportunity"),
    "participation": _l("Participation"),
    "points_entry": _l("Points entry"),
    "product": _l("Product"),
    "reference_request": _l("Reference request"),
    "referral": _l("Referral"),
    "settings": _l("Settings"),
    "story": _l("Story"),
    "tier": _l("Tier"),
    "topic": _l("Topic"),
    "user": _l("Person"),
    "webhook": _l("Webhook endpoint"),
}


def search(filters: Filters) -> sa.Select:
    """The events matching the filters, newest first."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.action in ACTIONS:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.target_type:
        query = query.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEvent.target_id == filters.target_id)
    if filters.since is not None:
        query = query.where(AuditEvent.at > clock.end_of_day(filters.since - timedelta(days=1)))
    if filters.until is not None:
        query = query.where(AuditEvent.at <= clock.end_of_day(filters.until))
    return query
