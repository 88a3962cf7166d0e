"""Delivering the outbox: claim due messages, send them over SMTP, retry with backoff.

Delivery is at least once: a message is claimed (`sending`, with a lease and
the claim's token) by a conditional UPDATE so two workers never take the
same row; it is marked `sent` after the SMTP server accepted it. While a
worker lives its leases do not run out, however slow the server: a thread
renews them, and before each message the worker renews and checks its
claim, so it never sends a message another worker has taken over. A worker
that dies leaves its leases to expire, and the message is sent again with
the same Message-ID. A message that keeps failing is marked `failed` and
shown to admins.

Messages are composed with the standard library's `email` package under its
SMTP policy, so that standards-following clients read them as meant:
display names are quoted or encoded (a comma in a name never makes another
address), `List-Unsubscribe` is the plain `<https://…>` value of RFC 2369 and
RFC 8058, and bodies are quoted-printable, so no line exceeds SMTP's 998
octets whatever a template puts on one line. The transport is our own, with
timeouts and TLS that verifies the server's certificate.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from portal.auth.models import Role
from portal.db import LeaseKeeper, claim_rows, utcnow
from portal.extensions import db
from portal.mail.models import MessageStatus, OutboxMessage
from portal.notifications.services import notify_staff

MAX_ATTEMPTS = 8
# How long a claim holds a message for its worker, and how often a live
# worker renews it (also before each message of a batch).
LEASE = timedelta(minutes=5)
RENEW_EVERY = timedelta(minutes=1)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


class DeliveryError(Exception):
    pass


# Headers the portal writes itself (Message-ID, List-Unsubscribe) are sent
# exactly as given: refolding would turn a long URL into RFC 2047 encoded
# words, which mail programs do not decode there.
_POLICY = SMTP.clone(refold_source="none")


def _raw_header(value: str) -> str:
    if not value.isascii() or any(char in value for char in "\r\n") or len(value) > 900:
        raise DeliveryError("a header is not one line of ASCII")
    return value


def compose(message: OutboxMessage) -> EmailMessage:
    """The MIME message: plain text and HTML parts, our Message-ID and list headers."""
    composed = EmailMessage(policy=_POLICY)
    composed["Subject"] = message.subject
    composed["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    # An Address object: the display name is quoted or encoded as a whole.
    composed["To"] = Address(display_name=message.to_name or "", addr_spec=message.to_address)
    composed["Date"] = format_datetime(utcnow())
    # Our own one-token values, sent unfolded (folding a long Message-ID puts
    # a space before it that some parsers keep).
    composed.set_raw("Message-ID", _raw_header(message.message_id))
    composed.set_content(message.text_body, cte="quoted-printable")
    composed.add_alternative(message.html_body, subtype="html", cte="quoted-printable")
    # After the content: setting it clears the Content-* headers (Content-Language).
    for name, value in (message.headers or {}).items():
        composed.set_raw(name, _raw_header(value))
    return composed


def message_bytes(message: OutboxMessage) -> bytes:
    """The message as sent. Raises DeliveryError when it cannot be composed
    (a line break in a header, an address the standards do not allow)."""
    try:
        return compose(message).as_bytes()
    except (ValueError, UnicodeError) as error:
        raise DeliveryError(f"cannot compose the message: {error}") from error


class SMTPTransport:
    """One SMTP session with timeouts and TLS that verifies the server's certificate."""

    def __init__(self, config) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.get("MAIL_CA_FILE") or None)
        if not self.config.get("MAIL_TLS_VERIFY", True):
            # Only when an operator explicitly turned verification off.
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def open(self) -> None:
        config = self.config
        host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        timeout = config.get("MAIL_TIMEOUT", 10)
        if config.get("MAIL_USE_SSL"):
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._tls_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                # Raises if the server does not offer STARTTLS: never fall back to plain text.
                connection.starttls(context=self._tls_context())
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        self.connection = connection

    def send(self, message: OutboxMessage) -> None:
        data = message_bytes(message)
        if self.connection is None:
            self.open()
        self.connection.sendmail(
            current_app.config["MAIL_DEFAULT_SENDER"], [message.to_address], data
        )

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class FileTransport:
    """Development: each message becomes an .eml file in instance/mail."""

    def __init__(self, config) -> None:
        self.folder = Path(current_app.instance_path) / "mail"

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: OutboxMessage) -> None:
        self.open()
        name = f"{message.created_at:%Y%m%d-%H%M%S}-{message.id}-{message.kind}.eml"
        (self.folder / name).write_bytes(message_bytes(message))

    def close(self) -> None:
        pass


def transport():
    config = current_app.config
    return FileTransport(config) if config.get("MAIL_BACKEND") == "file" else SMTPTransport(config)


def _due(now: datetime):
    return sa.or_(
        sa.and_(
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now
        ),
        # A worker died while sending: its lease ran out.
        sa.and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.locked_until < now),
    )


@dataclass(frozen=True)
class Claim:
    """Messages one worker took for one round; `token` tells its rows from another's."""

    token: str
    ids: list[int]


def claim(now: datetime, limit: int) -> Claim:
    """Take up to `limit` due messages for this worker; each row goes to one worker only."""
    token = secrets.token_hex(16)
    claimed = claim_rows(
        OutboxMessage,
        _due(now),
        (OutboxMessage.next_attempt_at, OutboxMessage.id),
        limit,
        status=MessageStatus.SENDING,
        locked_until=now + LEASE,
        claim_token=token,
    )
    return Claim(token, claimed)


def _held_by(token: str):
    return sa.and_(
        OutboxMessage.claim_token == token, OutboxMessage.status == MessageStatus.SENDING
    )


def renew(token: str) -> set[int]:
    """Extend the lease of every message the claim still holds; returns their ids.

    A message another worker took over (after this one's lease ran out) is
    no longer held, whatever this worker believes.
    """
    return set(
        db.session.scalars(
            sa.update(OutboxMessage)
            .where(_held_by(token))
            .values(locked_until=utcnow() + LEASE)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


def lease_keeper(app: Flask, token: str) -> LeaseKeeper:
    """Renews a claim's leases every RENEW_EVERY while the worker waits on SMTP."""

    def renewal() -> sa.Update:
        return sa.update(OutboxMessage).where(_held_by(token)).values(locked_until=utcnow() + LEASE)

    return LeaseKeeper(app, renewal, RENEW_EVERY, "mail-lease")


@dataclass
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # Claimed, then taken over by another worker (this one was too slow): not sent here.
    lost: int = 0

    def add(self, other: Outcome) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.lost += other.lost

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.lost


def _finish(token: str, message_id: int, **values) -> bool:
    """Record what happened to a message, if this claim still holds it."""
    return bool(
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _held_by(token))
            .values(claim_token=None, locked_until=None, **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _record_sent(token: str, message: OutboxMessage, outcome: Outcome) -> None:
    outcome.sent += 1
    recorded = _finish(
        token,
        message.id,
        status=MessageStatus.SENT,
        attempts=message.attempts + 1,
        sent_at=utcnow(),
        last_error="",
    )
    if not recorded:
        current_app.logger.warning(
            "mail %s was sent after another worker took it over: it may arrive twice "
            "(with the same Message-ID)",
            message.id,
        )


def _record_failure(
    token: str, message: OutboxMessage, error: Exception, now: datetime, outcome: Outcome
) -> None:
    attempts = message.attempts + 1
    last_error = f"{type(error).__name__}: {error}"[:500]
    if attempts >= MAX_ATTEMPTS:
        values = {"status": MessageStatus.FAILED}
    else:
        values = {"status": MessageStatus.PENDING, "next_attempt_at": now + backoff(attempts)}
    if not _finish(token, message.id, attempts=attempts, last_error=last_error, **values):
        outcome.lost += 1
        current_app.logger.info("mail %s: another worker has taken it over", message.id)
    elif attempts >= MAX_ATTEMPTS:
        outcome.failed += 1
        current_app.logger.error("mail %s failed for good: %s", message.id, last_error)
        _tell_admins(message)
    else:
        outcome.retrying += 1
        current_app.logger.warning("mail %s will be retried: %s", message.id, last_error)


def _tell_admins(message: OutboxMessage) -> None:
    """A message that won't go: admins see it under Admin → Mail (never about itself)."""
    if message.kind == "team_mail_failed":
        return
    notify_staff(
        "team_mail_failed",
        _l(
            "Mail to %(address)s could not be sent: “%(subject)s”.",
            address=message.to_address,
            subject=message.subject,
        ),
        "admin.mail",
        roles=(Role.ADMIN,),
        status="failed",
    )
    db.session.commit()


def send_due(limit: int = 50, now: datetime | None = None) -> Outcome:
    """Deliver what is due now, in one SMTP session; returns what happened.

    Before each message the claim is renewed and checked: a message whose
    lease ran out and that another worker took over is left to that worker.
    """
    now = now or utcnow()
    outcome = Outcome()
    held = claim(now, limit)
    if not held.ids:
        return outcome
    sender = transport()
    try:
        with lease_keeper(current_app._get_current_object(), held.token):
            for message_id in held.ids:
                still_held = renew(held.token)
                db.session.commit()
                if message_id not in still_held:
                    outcome.lost += 1
                    current_app.logger.info("mail %s: another worker has taken it over", message_id)
                    continue
                message = db.session.get(OutboxMessage, message_id)
                try:
                    sender.send(message)
                except (OSError, DeliveryError) as error:  # SMTP, TLS and socket errors
                    _record_failure(held.token, message, error, now, outcome)
                    sender.close()  # start a fresh session for the next message
                else:
                    _record_sent(held.token, message, outcome)
                db.session.commit()
    finally:
        sender.close()
    return outcome


def send_waiting_now(now: datetime | None = None) -> int:
    """Make every message that waits for its next attempt due now; returns how many.

    For after an outage is fixed: the worker sends them on its next round
    instead of after their backoff (up to 6 hours).
    """
    now = now or utcnow()
    return db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.next_attempt_at > now,
            # Held on purpose (a decline that may still be undone) is not waiting.
            OutboxMessage.attempts > 0,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def retry(message: OutboxMessage) -> None:
    """An admin asks for another try of a failed message."""
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.last_error = ""
