"""API tokens and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db


class ApiToken(db.Model):
    """A secret that lets a program call /api/v1 as the person who made it.

    Only a SHA-256 hash of the secret is kept (the secret is shown once); the
    token acts with its maker's role as it is at each call, so it never does
    more than they may, and stops when they are deactivated.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    # The first characters of the secret, to recognise it in lists and logs.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Networks (CIDR) the token may be used from; empty: anywhere.
    allowed_networks: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Requests per minute.
    rate_limit: Mapped[int] = mapped_column(default=120)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class IdempotentRequest(db.Model):
    """The first answer to a POST sent with an Idempotency-Key, per token and key.

    Written in the same transaction as the request's effect, so a key has
    either an effect and its answer, or neither.
    """

    __tablename__ = "api_idempotent_request"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
