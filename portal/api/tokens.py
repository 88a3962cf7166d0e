"""API tokens: made, checked on every call, revoked.

A token is `apt_` + 43 random URL-safe characters (256 bits). Only its
SHA-256 is stored: the secret is shown once, and a stolen database holds
nothing that calls the API. A token acts as the person who made it, with
their role as it is at each call, and only within its scopes; it stops
working when it expires, is revoked, or its maker is deactivated.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.api.models import ApiToken
from portal.api.problems import ApiProblem
from portal.audit import trail
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import InvalidState, NotAllowed
from portal.extensions import db

TOKEN_PREFIX = "apt_"
# last_used_at is written at most this often per token: a busy integration
# would otherwise write a row on every call.
LAST_USED_PRECISION = timedelta(minutes=1)

# Resources a scope can name (`<name>:read`, and `<name>:write` for those in
# WRITABLE); another package adds its own with `register_resource`
# (reference requests, referrals...).
RESOURCES: dict[str, str | LazyString] = {
    "advocates": _l("Advocates: profile fields they share, tier, points and badges"),
    "accounts": _l("Customer companies and employment history"),
    "opportunities": _l("Opportunities: create, publish, close"),
    "participations": _l("Participations: who takes part, completions"),
    "ledger": _l("Points ledger: entries, manual awards, reversals"),
    "badges": _l("Badges and badge awards"),
}
WRITABLE = {"opportunities", "participations", "ledger"}
# What an advocate's own tokens may read (their own data only).
ADVOCATE_RESOURCES = ["advocates", "participations", "ledger", "badges"]
# What a requester's tokens may read (their own requests only).
REQUESTER_RESOURCES: list[str] = []


def register_resource(
    name: str,
    description: str | LazyString,
    *,
    writable: bool = False,
    for_advocates: bool = False,
    for_requesters: bool = False,
) -> None:
    """Let tokens carry scopes for another package's resource."""
    RESOURCES[name] = description
    if writable:
        WRITABLE.add(name)
    if for_advocates and name not in ADVOCATE_RESOURCES:
        ADVOCATE_RESOURCES.append(name)
    if for_requesters and name not in REQUESTER_RESOURCES:
        REQUESTER_RESOURCES.append(name)


def describe_scope(scope: str) -> str:
    """A scope as a person reads it: its name and what its resource holds."""
    return _("%(code)s — %(description)s", code=scope, description=RESOURCES[scope.split(":")[0]])


def all_scopes() -> list[str]:
    return [
        f"{name}:{access}"
        for name in RESOURCES
        for access in ("read", "write")
        if access == "read" or name in WRITABLE
    ]


def scopes_for(user: User) -> list[str]:
    """The scopes this person may put on a token."""
    if user.role == Role.ADVOCATE:
        return [f"{name}:read" for name in ADVOCATE_RESOURCES]
    if user.role == Role.REQUESTER:
        return [f"{name}:read" for name in REQUESTER_RESOURCES]
    if user.role == Role.ADMIN:
        return all_scopes()
    return []


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_networks(text: str) -> list[str]:
    """Addresses or networks (CIDR), one per line or comma-separated; raises InvalidState."""
    networks = []
    for part in text.replace(",", "\n").split():
        try:
            networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
        except ValueError:
            raise InvalidState(
                _("“%(text)s” is not an address or network (CIDR).", text=part[:60])
            ) from None
    return networks


@dataclass
class TokenRequest:
    name: str
    scopes: list[str]
    expires_at: datetime | None
    allowed_networks: list[str] = field(default_factory=list)
    rate_limit: int = 120


def create_token(user: User, wanted: TokenRequest) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and the secret, which is never shown again.

    Raises NotAllowed for scopes beyond what the person may give, InvalidState
    for an expiry in the past or no scope.
    """
    allowed = set(scopes_for(user))
    if not allowed:
        raise NotAllowed(_("Only admins, advocates and requesters can make API tokens."))
    extra = sorted(set(wanted.scopes) - allowed)
    if extra:
        raise NotAllowed(_("Scopes you can't give: %(scopes)s.", scopes=", ".join(extra)))
    if not wanted.scopes:
        raise InvalidState(_("Choose at least one scope."))
    if wanted.expires_at is not None and wanted.expires_at <= utcnow():
        raise InvalidState(_("The expiry must be in the future."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=wanted.name.strip()[:80],
        prefix=secret[:12],
        secret_hash=hash_secret(secret),
        scopes=sorted(set(wanted.scopes)),
        allowed_networks=list(wanted.allowed_networks),
        rate_limit=wanted.rate_limit,
        expires_at=wanted.expires_at,
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    audited = ("user_id", "name", "scopes", "allowed_networks", "rate_limit", "expires_at")
    after = {name: getattr(token, name) for name in audited}  # never the secret
    trail.record("api_token.created", "api_token", token.id, by_id=user.id, after=after)
    return token, secret


def revoke(token: ApiToken, *, by_id: int | None = None) -> None:
    """End a token; the next call with it is refused (a second revoke changes nothing).
    `by_id` names who did, for the audit trail."""
    now = utcnow()
    ended = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if ended.rowcount:
        before, after = {"revoked_at": None}, {"revoked_at": now}
        trail.record(
            "api_token.revoked", "api_token", token.id, by_id=by_id, before=before, after=after
        )


def tokens_of(user_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def all_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .options(sa.orm.contains_eager(ApiToken.user))
            .where(User.role != Role.ADVOCATE)
            .order_by(ApiToken.id.desc())
        )
    )


def _refuse(detail: str, slug: str) -> ApiProblem:
    return ApiProblem(401, detail, slug=slug, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def authenticate(header: str | None, address: str | None) -> ApiToken:
    """The token named by an `Authorization: Bearer …` header, checked; raises ApiProblem."""
    scheme, _sep, secret = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _refuse("Send a token: Authorization: Bearer <token>.", "token-missing")
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret.strip()))
    )
    now = utcnow()
    if token is None:
        raise _refuse("This token is not known.", "token-invalid")
    if token.is_revoked:
        raise _refuse("This token was revoked.", "token-revoked")
    if token.is_expired(now):
        raise _refuse("This token has expired.", "token-expired")
    if not token.user.active:
        raise _refuse("The person who made this token is deactivated.", "token-owner-inactive")
    if token.allowed_networks and not _address_allowed(address, token.allowed_networks):
        raise ApiProblem(403, "This token can't be used from your address.", slug="address")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        )
        db.session.commit()
    return token


def _address_allowed(address: str | None, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in networks)


def has_scope(token: ApiToken, scope: str) -> bool:
    """Write access includes read access to the same resource."""
    resource, _sep, access = scope.partition(":")
    granted = set(token.scopes)
    if scope in granted:
        return True
    return access == "read" and f"{resource}:write" in granted
