"""Account flows that work through mailed one-time links.

Invitations (set a password), registration and address verification,
password reset and change of address. Each link is a signed, expiring token
with a fingerprint of the state it changes: once the password, the
verification or the address changes, the link is spent.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from portal.auth.models import Role, User
from portal.auth.passwords import hash_password, password_problems
from portal.auth.services import (
    WeakPassword,
    normalize_email,
    set_password,
    user_by_email,
)
from portal.branding import branding
from portal.clock import today
from portal.db import utcnow
from portal.errors import InvalidState, InvalidToken, NotAllowed
from portal.extensions import db
from portal.mail.outbox import enqueue
from portal.settings import get_setting
from portal.urls import absolute_url

# --- one-time links -------------------------------------------------------
#
# Signed, expiring tokens with a fingerprint of the state they change: once
# the password, the verification or the address changes, the link is spent.

_PURPOSES = {
    # purpose: (salt, lifetime config key or fixed lifetime)
    "set-password": "SET_PASSWORD_LINK_MAX_AGE",
    "reset": timedelta(hours=1),
    "verify-email": timedelta(days=3),
    "change-email": timedelta(days=1),
    # Shown on the sign-in page to the person who just typed the right
    # password, so they can ask for the verification mail again.
    "resend-verification": timedelta(minutes=15),
}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _max_age(purpose: str) -> int:
    lifetime = _PURPOSES[purpose]
    if isinstance(lifetime, str):
        lifetime = current_app.config[lifetime]
    return int(lifetime.total_seconds())


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _state_of(user: User, purpose: str) -> str:
    if purpose in ("set-password", "reset"):
        return _fingerprint(user.id, user.email, user.password_hash or "", user.active)
    if purpose in ("verify-email", "resend-verification"):
        return _fingerprint(user.id, user.email, user.email_verified_at)
    return _fingerprint(user.id, user.email)


def make_token(user: User, purpose: str, **extra: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _state_of(user, purpose), **extra})


def read_token(token: str, purpose: str) -> tuple[User, dict]:
    """The user a link is for, and its data. Raises InvalidToken with a reason to show."""
    try:
        data = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except SignatureExpired as error:
        raise InvalidToken(_("This link has expired. Request a new one.")) from error
    except BadSignature as error:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it.")) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    if data.get("f") != _state_of(user, purpose):
        raise InvalidToken(_("This link has already been used. Sign in, or request a new link."))
    return user, data


def make_set_password_token(user: User) -> str:
    """Raises InvalidState for someone who has a password: such a link, shown to
    staff, would let them open the account."""
    if user.has_password:
        raise InvalidState(_("%(name)s already has a password.", name=user.name))
    return make_token(user, "set-password")


def set_password_link(user: User) -> str:
    """The one-time link to give someone who has no password yet (invitations)."""
    return absolute_url("auth.set_password", token=make_set_password_token(user))


def user_for_set_password_token(token: str) -> User:
    user = read_token(token, "set-password")[0]
    if user.has_password:
        raise InvalidToken(_("This link has already been used. Sign in, or request a new link."))
    return user


def help_sign_in(user: User) -> str | None:
    """What staff may do for someone who can't sign in.

    Someone who never set a password gets a new set-password link, returned for
    staff to hand over. Everyone else gets a reset link mailed to their own
    address (None is returned): staff never hold a link that opens an account
    with a password. Raises InvalidState for a deactivated account.
    """
    if not user.active:
        raise InvalidState(_("Reactivate this person first."))
    if user.has_password:
        send_password_reset(user)
        return None
    return set_password_link(user)


def set_password_from_link(user: User, password: str) -> None:
    """The person read our mail to get here: their address is verified too."""
    set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()


# --- registration, verification, reset, change of address ------------------


class RegistrationMode:
    INVITE = "invite"
    OPEN = "open"
    DOMAINS = "domains"


def registration_mode() -> str:
    return get_setting("registration_mode", RegistrationMode.INVITE)


def _account_for_domain(email: str):
    from portal.advocates.models import AccountDomain

    domain = email.rsplit("@", 1)[-1].lower()
    return db.session.scalar(sa.select(AccountDomain).where(AccountDomain.domain == domain))


def register(name: str, email: str, password: str) -> None:
    """Open registration: create an unverified advocate and mail a verification link.

    Answers the same whether or not the address exists (someone who already
    has an account gets a mail saying so, once a day at most). Raises NotAllowed when registration
    is closed or the domain is not a customer's, WeakPassword for a weak one.
    """
    from portal.advocates.models import Employment
    from portal.advocates.profiles import ensure_profile

    mode = registration_mode()
    email = normalize_email(email)
    domain_account = _account_for_domain(email)
    if mode == RegistrationMode.INVITE:
        raise NotAllowed(_("Joining is by invitation: your program manager can send you one."))
    if mode == RegistrationMode.DOMAINS and domain_account is None:
        raise NotAllowed(
            _(
                "Registration is open to work addresses of our customers' companies. "
                "Use your work email, or request an invitation from your program manager."
            )
        )
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise WeakPassword(problems)
    existing = user_by_email(email)
    if existing is not None:
        # One notice a day at most, however often someone tries.
        enqueue(
            kind="registration_attempt",
            to_address=existing.email,
            to_name=existing.name,
            user_id=existing.id,
            subject=_l("Someone tried to register with your address"),
            template="registration_attempt",
            context={
                "name": existing.first_name,
                "sign_in_url": absolute_url("auth.sign_in"),
                "reset_url": absolute_url("auth.reset_request"),
            },
            dedupe_key=f"registration_attempt:{existing.id}:{today().isoformat()}",
        )
        return
    user = User(email=email, name=name.strip(), role=Role.ADVOCATE)
    user.password_hash = hash_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Registered a moment ago by a request at the same time: answer as for
        # an address that exists.
        db.session.rollback()
        return register(name, email, password)
    ensure_profile(user)
    if domain_account is not None:
        db.session.add(
            Employment(
                user=user, account_id=domain_account.account_id, title="", started_on=today()
            )
        )
    send_verification(user)


def send_verification(user: User) -> None:
    enqueue(
        kind="verify_email",
        to_address=user.email,
        to_name=user.name,
        user_id=user.id,
        subject=_l("Confirm your email address"),
        template="verify_email",
        context={
            "name": user.first_name,
            "link": absolute_url("auth.verify_email", token=make_token(user, "verify-email")),
        },
    )


def user_to_verify(token: str) -> User:
    """Whose address a verification link confirms; changes nothing. Raises InvalidToken."""
    return read_token(token, "verify-email")[0]


def verify_email(token: str) -> User:
    """Mark the address verified. Raises InvalidToken (expired, used, tampered, foreign)."""
    user = user_to_verify(token)
    user.email_verified_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active account; silent otherwise."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    send_password_reset(user)


def send_password_reset(user: User) -> None:
    """Mail a one-hour reset link to the person's own address."""
    enqueue(
        kind="password_reset",
        to_address=user.email,
        to_name=user.name,
        user_id=user.id,
        subject=_l("Reset your password"),
        template="password_reset",
        context={
            "name": user.first_name,
            "link": absolute_url("auth.reset_password", token=make_token(user, "reset")),
        },
    )


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link; every session of the account ends."""
    set_password(user, password)
    user.email_verified_at = user.email_verified_at or utcnow()


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address and a notice to the current one.

    When the new address belongs to another account, that address gets a
    notice instead of a link, and the answer is the same (no enumeration).
    """
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise InvalidState(_("That is already your address."))
    if user_by_email(new_email) is None:
        enqueue(
            kind="email_change",
            to_address=new_email,
            to_name=user.name,
            user_id=user.id,
            subject=_l("Confirm your new email address"),
            template="email_change",
            context={
                "name": user.first_name,
                "link": absolute_url(
                    "auth.confirm_email_change",
                    token=make_token(user, "change-email", e=new_email),
                ),
            },
        )
    enqueue(
        kind="email_changed",
        to_address=user.email,
        to_name=user.name,
        user_id=user.id,
        subject=_l("A change of your email address was requested"),
        template="email_changed",
        context={
            "name": user.first_name,
            "new_email": new_email,
            "done": False,
            "reset_url": absolute_url("auth.reset_request"),
        },
    )


def email_change_of(token: str, signed_in: User | None) -> tuple[User, str]:
    """The account and new address a change link is for; changes nothing.

    Raises InvalidToken for bad links, someone else's, or an address taken since.
    """
    user, data = read_token(token, "change-email")
    if signed_in is not None and signed_in.id != user.id:
        raise InvalidToken(_("This link is for another account. Sign out and open it again."))
    new_email = normalize_email(str(data.get("e", "")))
    if not new_email or user_by_email(new_email) is not None:
        raise InvalidToken(_("That address is now used by another account."))
    return user, new_email


def confirm_email_change(token: str, signed_in: User | None) -> User:
    """Switch to the new address. Raises InvalidToken for bad links or someone else's."""
    user, new_email = email_change_of(token, signed_in)
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    enqueue(
        kind="email_changed",
        to_address=old_email,
        to_name=user.name,
        user_id=user.id,
        subject=_l("Your email address was changed"),
        template="email_changed",
        context={
            "name": user.first_name,
            "new_email": new_email,
            "done": True,
            "reset_url": absolute_url("auth.reset_request"),
        },
    )
    return user


def send_invitation(user: User, invited_by: User) -> None:
    """Mail a new person their set-password link (the invitation)."""
    enqueue(
        kind="account_invitation",
        to_address=user.email,
        to_name=user.name,
        user_id=user.id,
        subject=_l(
            "%(inviter)s invites you to the %(program)s",
            inviter=invited_by.name,
            program=branding().program_name,
        ),
        template="account_invitation",
        context={
            "name": user.first_name,
            "inviter": invited_by.name,
            "link": set_password_link(user),
            "days": current_app.config["SET_PASSWORD_LINK_MAX_AGE"].days,
        },
    )
