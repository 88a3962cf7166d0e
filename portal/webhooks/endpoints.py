"""Registering webhook endpoints, rotating their secrets, pausing and resuming them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState
from portal.extensions import db
from portal.webhooks.addresses import check_url
from portal.webhooks.delivery import new_secret
from portal.webhooks.events import EVENT_TYPES, schedule
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

# How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass
class EndpointDetails:
    url: str
    description: str
    event_types: list[str]


def _check(details: EndpointDetails) -> None:
    unknown = sorted(set(details.event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidState(_("Unknown events: %(events)s.", events=", ".join(unknown)))
    if not details.event_types:
        raise InvalidState(_("Choose at least one event."))
    check_url(details.url)


def register(details: EndpointDetails, *, by: User) -> WebhookEndpoint:
    """Add an endpoint with a new secret. Raises InvalidState for a refused address."""
    _check(details)
    endpoint = WebhookEndpoint(
        url=details.url.strip(),
        description=details.description.strip(),
        event_types=sorted(set(details.event_types)),
        secret=new_secret(),
        created_by_id=by.id,
        created_at=utcnow(),
    )
    db.session.add(endpoint)
    db.session.flush()
    trail.record("webhook.created", "webhook", endpoint.id, by_id=by.id, after=_audited(endpoint))
    return endpoint


def _audited(endpoint: WebhookEndpoint) -> dict:
    """An endpoint as the audit trail records it: never its secrets."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
    }


def lock(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.scalar(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def update(endpoint: WebhookEndpoint, details: EndpointDetails, *, by_id: int | None = None):
    """Change an endpoint's address, description and events (`by_id`: who, for the
    audit trail; an unchanged form records nothing)."""
    _check(details)
    endpoint = lock(endpoint.id)
    before = _audited(endpoint)
    endpoint.url = details.url.strip()
    endpoint.description = details.description.strip()
    endpoint.event_types = sorted(set(details.event_types))
    if _audited(endpoint) != before:
        trail.record(
            "webhook.updated",
            "webhook",
            endpoint.id,
            by_id=by_id,
            before=before,
            after=_audited(endpoint),
        )


def rotate_secret(endpoint: WebhookEndpoint, *, by_id: int | None = None) -> str:
    """A new secret; the old one keeps signing (beside it) for ROTATION_OVERLAP."""
    endpoint = lock(endpoint.id)
    until = utcnow() + ROTATION_OVERLAP
    # The trail says that the secret changed and until when the old one signs; never either.
    trail.record_change(
        "webhook.secret_rotated", endpoint, by_id=by_id, previous_secret_until=until
    )
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = until
    endpoint.secret = new_secret()
    return endpoint.secret


def resume(endpoint: WebhookEndpoint, *, by_id: int | None = None) -> int:
    """Send to a paused endpoint again, starting with what waited; returns how many."""
    endpoint = lock(endpoint.id)
    if endpoint.paused_at is None:
        raise InvalidState(_("This endpoint isn't paused."))
    trail.record_change("webhook.resumed", endpoint, by_id=by_id, paused_at=None)
    endpoint.paused_at, endpoint.failing_since = None, None
    waiting = list(
        db.session.scalars(
            sa.select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.status == DeliveryStatus.PAUSED,
            )
        )
    )
    for delivery in waiting:
        delivery.status = DeliveryStatus.PENDING
        schedule(delivery, attempt=delivery.attempts + 1, label=f"resume-{secrets.token_hex(4)}")
    return len(waiting)


def all_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def deliveries_page(endpoint_id: int, *, page: int, per_page: int = 25):
    return db.paginate(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .options(sa.orm.joinedload(WebhookDelivery.event))
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
