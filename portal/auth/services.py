"""Accounts: creating users, signing in and out, server-side sessions, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal.audit import trail
from portal.auth.models import Role, User, UserIdentity, UserSession
from portal.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from portal.db import utcnow
from portal.errors import AlreadyExists, PortalError
from portal.extensions import db
from portal.signals import advocate_changed

# last_seen_at is refreshed at most this often, so a page view is not a write.
_TOUCH_INTERVAL = timedelta(minutes=5)


class WeakPassword(PortalError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        return list(self.problems)


def normalize_email(email: str) -> str:
    """Trim and lower-case an address so that comparisons ignore case."""
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    email: str, name: str, role: Role = Role.ADVOCATE, password: str | None = None
) -> User:
    """Add a user; raises AlreadyExists for a taken address, WeakPassword for a weak one."""
    email = normalize_email(email)
    taken = AlreadyExists(_("A user with the email %(email)s already exists.", email=email))
    if user_by_email(email) is not None:
        raise taken
    user = User(email=email, name=name.strip(), role=role)
    if password is not None:
        _set_password_hash(user, password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address, added a moment ago
        db.session.rollback()
        raise taken from None
    return user


def _set_password_hash(user: User, password: str) -> None:
    problems = password_problems(password, email=user.email, name=user.name)
    if problems:
        raise WeakPassword(problems)
    user.password_hash = hash_password(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (never says which was wrong)."""
    user = user_by_email(email)
    if user is None:
        verify_password(None, password)  # same cost as a real check
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def start_session(user: User, *, remember: bool = False, user_agent: str = "") -> UserSession:
    """Record a new signed-in session; its raw token goes into the cookie only."""
    now = utcnow()
    lifetime = (
        current_app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else current_app.config["SESSION_LIFETIME"]
    )
    raw_token = secrets.token_urlsafe(32)
    session_row = UserSession(
        user=user,
        token_hash=_token_hash(raw_token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        remember=remember,
        user_agent=user_agent[:255],
    )
    session_row.raw_token = raw_token
    db.session.add(session_row)
    user.last_sign_in_at = now
    user.current_session = session_row
    db.session.flush()
    return session_row


def user_for_session_token(raw_token: str) -> User | None:
    """The user of a live session (not revoked, not expired, user active), or None."""
    now = utcnow()
    session_row = db.session.scalar(
        sa.select(UserSession)
        .join(UserSession.user)
        .where(
            UserSession.token_hash == _token_hash(raw_token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.active.is_(True),
        )
        .options(contains_eager(UserSession.user).joinedload(User.profile))
    )
    if session_row is None:
        return None
    if now - session_row.last_seen_at > _TOUCH_INTERVAL:
        # Its own short transaction: a GET request never commits the session.
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(UserSession)
                .where(UserSession.id == session_row.id)
                .values(last_seen_at=now)
            )
    session_row.raw_token = raw_token
    user = session_row.user
    user.current_session = session_row
    return user


def live_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def identities_of(user: User) -> list[UserIdentity]:
    return list(
        db.session.scalars(
            sa.select(UserIdentity)
            .where(UserIdentity.user_id == user.id)
            .order_by(UserIdentity.created_at)
        )
    )


def end_session(session_row: UserSession) -> None:
    """Revoke one session: its cookie and remember-me cookie stop working."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == session_row.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """Revoke every session of a user (but `keep`); returns how many were live."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def set_password(user: User, password: str, *, keep: UserSession | None = None) -> None:
    """Set a new password and end the user's other sessions. Raises WeakPassword."""
    _set_password_hash(user, password)
    end_all_sessions(user, keep=keep)


def set_language(user_id: int, locale: str | None) -> User:
    """The language the person reads the portal and their mail in (None: their browser's)."""
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    user.locale = locale or None
    return user


def deactivate(user: User, *, by_id: int | None = None) -> None:
    """Stop a user from signing in, end their sessions, hide them everywhere.

    `by_id` names the staff member who did it, for the audit trail.
    """
    if by_id is not None:
        trail.record_change("user.deactivated", user, by_id=by_id, active=False)
    user.active = False
    user.deactivated_at = utcnow()
    end_all_sessions(user)
    advocate_changed.send(user.id)


def reactivate(user: User, *, by_id: int | None = None) -> None:
    if by_id is not None:
        trail.record_change("user.reactivated", user, by_id=by_id, active=True)
    user.active = True
    user.deactivated_at = None
    advocate_changed.send(user.id)


def change_role(user: User, role: Role, *, by_id: int | None = None) -> None:
    """Give a user another role; their sessions end so pages reflect it at once."""
    if user.role == role:
        return
    trail.record_change("user.role_changed", user, by_id=by_id, role=role)
    user.role = role
    end_all_sessions(user)
