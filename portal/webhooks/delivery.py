"""Delivering webhook events: signed (Standard Webhooks), retried, logged, paused.

Each try is a background job (`jobs.queue`), claimed with a lease by the
worker. The delivery's row is locked while it is sent, so a second job for
the same delivery (a "send again", a retry) waits and then finds it sent:
no event goes twice to an endpoint while the workers live. Only a worker
that dies between sending and recording leaves the job to another, which
sends it again with the same `webhook-id`, so receivers can drop the copy.

Signatures follow the Standard Webhooks specification: `webhook-id`,
`webhook-timestamp` and `webhook-signature` = `v1,` + base64 of
HMAC-SHA256(key, "{id}.{timestamp}.{body}"); during a secret's rotation
the previous secret signs too (space-separated), until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

import sqlalchemy as sa
import urllib3
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.errors import InvalidState
from portal.extensions import db
from portal.jobs.queue import JobContext, handler
from portal.notifications.services import notify
from portal.webhooks.addresses import check_url
from portal.webhooks.events import DELIVER_JOB, schedule
from portal.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

# After the first try: 1 minute, 5 minutes, 30 minutes, 2 hours, 5 hours, then every
# 10 hours, until the endpoint has failed for PAUSE_AFTER.
RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 30, 120, 300)]
LATER_RETRY = timedelta(hours=10)
PAUSE_AFTER = timedelta(days=3)
# What is kept of a receiver's answer.
MAX_ANSWER_BYTES = 2048


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else LATER_RETRY


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until:
        if endpoint.previous_secret_until > utcnow():
            keys.append(endpoint.previous_secret)
    return keys


def _lock(delivery_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _send(endpoint: WebhookEndpoint, message_id: str, body: bytes) -> tuple[int | None, str]:
    """POST the body to the endpoint's checked address; (status, error)."""
    try:
        target = check_url(endpoint.url)
    except InvalidState as refused:
        return None, refused.message
    timestamp = int(time.time())
    signatures = " ".join(
        sign(key, message_id, timestamp, body) for key in signing_secrets(endpoint)
    )
    headers = {
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": "AdvocatePortal-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }
    timeout = current_app.config["WEBHOOKS_TIMEOUT"]
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        with pool:
            answer = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                preload_content=False,
            )
            answer.read(MAX_ANSWER_BYTES, decode_content=False)
            answer.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if 200 <= answer.status < 300:
        return answer.status, ""
    return answer.status, f"answered {answer.status}"


@handler(DELIVER_JOB)
def deliver(context: JobContext) -> dict:
    """One try of one delivery; records it, and schedules the next try or pauses."""
    delivery = _lock(int(context.payload["delivery_id"]))
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return {"skipped": "not waiting"}
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status = DeliveryStatus.PAUSED
        return {"skipped": "endpoint paused"}
    event = delivery.event
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    started = time.monotonic()
    try:
        status, error = _send(endpoint, event.uid, body)
    except Exception as failure:  # recorded and retried like any failed try
        current_app.logger.exception("webhook delivery %s failed", delivery.id)
        status, error = None, f"{type(failure).__name__}: {failure}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    now = utcnow()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_duration_ms, delivery.last_error = (
        status,
        duration_ms,
        error,
    )
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=status,
            duration_ms=duration_ms,
            error=error,
        )
    )
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
        endpoint.failing_since = None
        return {"status": status}
    endpoint.failing_since = endpoint.failing_since or now
    if now - endpoint.failing_since >= PAUSE_AFTER:
        pause(endpoint, reason=error)
        return {"paused": True}
    schedule(
        delivery, attempt=delivery.attempts + 1, run_after=now + retry_delay(delivery.attempts)
    )
    return {"status": status, "error": error}


def pause(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Stop sending to an endpoint that keeps failing, and tell whoever registered it."""
    if endpoint.paused_at is not None:
        return
    endpoint.paused_at = utcnow()
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.PAUSED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    notify(
        endpoint.created_by_id,
        "team_webhook_paused",
        _l(
            "Webhooks to %(url)s are paused: it has failed for three days (last: %(reason)s). "
            "Fix the receiver, then resume it.",
            url=endpoint.url,
            reason=reason,
        ),
        "webhooks.endpoint",
        subject=_l("A webhook endpoint was paused"),
        endpoint_id=endpoint.id,
    )


def send_again(delivery: WebhookDelivery) -> None:
    """Queue one more try of a delivery now (after a fix, or to replay a delivered one)."""
    delivery = _lock(delivery.id)
    if not delivery.endpoint.is_active:
        raise InvalidState(_("The endpoint is paused: resume it first."))
    delivery.status = DeliveryStatus.PENDING
    schedule(delivery, attempt=delivery.attempts + 1, label=f"again-{secrets.token_hex(4)}")
