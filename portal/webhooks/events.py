"""Events for webhooks, written in the transaction of the change that caused them.

A lower package announces what happened through `portal.signals`; the
receivers here write one WebhookEvent, a delivery per subscribed endpoint
and a background job per delivery, all in the caller's transaction: an
event exists exactly when its change was committed. Another package adds
its own kind of event with `register_event_type` and sends it with `emit`.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue
from portal.signals import (
    advocate_moved,
    badge_awarded,
    consent_withdrawn,
    participation_completed,
    points_changed,
    reference_answered,
    reference_fulfilled,
    referral_stage_changed,
    tier_changed,
)
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

EVENT_TYPES: dict[str, str | LazyString] = {
    "participation.completed": _l("An advocate took part in an opportunity"),
    "points.awarded": _l("Points were added to (or, corrected, taken from) an advocate"),
    "tier.changed": _l("An advocate became eligible for, joined, left or lapsed from a tier"),
    "badge.awarded": _l("An advocate earned a badge"),
    "advocate.moved": _l("An advocate changed company"),
    "consent.withdrawn": _l("An advocate closed a kind of ask, lowered their cap or went quiet"),
}

DELIVER_JOB = "webhooks.deliver"


def register_event_type(name: str, description: str | LazyString) -> None:
    """Offer another kind of event to endpoints (reference requests, referrals...)."""
    EVENT_TYPES[name] = description


def emit(event_type: str, data: dict) -> WebhookEvent | None:
    """Write an event for every active endpoint that wants it; None when none does."""
    if event_type not in EVENT_TYPES:
        raise LookupError(f"unknown webhook event type {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint).where(
                WebhookEndpoint.paused_at.is_(None), WebhookEndpoint.disabled_at.is_(None)
            )
        )
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return None
    now = utcnow()
    event = WebhookEvent(
        uid="msg_" + secrets.token_urlsafe(18),
        type=event_type,
        payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, created_at=now)
        db.session.add(delivery)
        db.session.flush()
        schedule(delivery, attempt=1)
    return event


def schedule(delivery: WebhookDelivery, *, attempt: int, run_after=None, label: str = "") -> None:
    """A background job for one try of a delivery (one job per try: the dedupe key)."""
    delivery.next_attempt_at = run_after or utcnow()
    queue.enqueue(
        DELIVER_JOB,
        {"delivery_id": delivery.id},
        run_after=run_after,
        dedupe_key=f"webhook:{delivery.id}:{label or attempt}",
        max_attempts=1,
    )


# --- what the lower packages announce --------------------------------------------


@participation_completed.connect
def _completed(advocate_id: int, participation, **_ignored: object) -> None:
    emit(
        "participation.completed",
        {
            "participation_id": participation.id,
            "opportunity_id": participation.opportunity_id,
            "advocate_id": advocate_id,
        },
    )


@points_changed.connect
def _points(advocate_id: int, entry, **_ignored: object) -> None:
    emit(
        "points.awarded",
        {
            "entry_id": entry.id,
            "advocate_id": advocate_id,
            "points": entry.points,
            "source": entry.source.value,
            "reason": entry.reason,
        },
    )


@tier_changed.connect
def _tier(advocate_id: int, event, **_ignored: object) -> None:
    emit(
        "tier.changed",
        {
            "advocate_id": advocate_id,
            "tier_id": event.tier_id,
            "tier": event.tier.name,
            "change": event.kind.value,
        },
    )


@badge_awarded.connect
def _badge(advocate_id: int, award, **_ignored: object) -> None:
    emit(
        "badge.awarded",
        {
            "award_id": award.id,
            "advocate_id": advocate_id,
            "badge_id": award.badge_id,
            "badge": award.badge.slug,
        },
    )


@advocate_moved.connect
def _moved(advocate_id: int, employment, previous, **_ignored: object) -> None:
    emit(
        "advocate.moved",
        {
            "advocate_id": advocate_id,
            "from_account_id": previous.account_id,
            "to_account_id": employment.account_id,
            "title": employment.title,
            "started_on": employment.started_on.isoformat(),
        },
    )


@consent_withdrawn.connect
def _consent(advocate_id: int, closed_types, fewer_asks, quiet_until, **_ignored: object) -> None:
    emit(
        "consent.withdrawn",
        {
            "advocate_id": advocate_id,
            "closed_types": list(closed_types),
            "fewer_asks": bool(fewer_asks),
            "quiet_until": quiet_until.isoformat() if quiet_until else None,
        },
    )


register_event_type(
    "reference_request.answered", "An advocate accepted or declined a reference request's ask"
)
register_event_type(
    "reference_request.fulfilled", "The outcome of a reference request was recorded"
)
register_event_type("referral.stage_changed", "A referral moved to another stage")


@reference_answered.connect
def _reference_answered(request_id: int, ask, **_ignored: object) -> None:
    emit(
        "reference_request.answered",
        {
            "request_id": request_id,
            "ask_id": ask.id,
            "advocate_id": ask.advocate_id,
            "answer": ask.status.value,
            "decline_reason": ask.decline_reason.value if ask.decline_reason else None,
        },
    )


@reference_fulfilled.connect
def _reference_fulfilled(request_id: int, request, **_ignored: object) -> None:
    emit(
        "reference_request.fulfilled",
        {
            "request_id": request_id,
            "advocate_id": request.accepted_advocate_id,
            "kind": request.kind.value,
            "call_held": request.call_held,
            "deal_outcome": request.deal_outcome.value if request.deal_outcome else None,
            "revenue_influenced": request.revenue_influenced,
        },
    )


@referral_stage_changed.connect
def _referral_stage(referral_id: int, referral, previous, **_ignored: object) -> None:
    emit(
        "referral.stage_changed",
        {
            "referral_id": referral_id,
            "advocate_id": referral.advocate_id,
            "from_stage": previous.value,
            "to_stage": referral.stage.value,
        },
    )
