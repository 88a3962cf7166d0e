"""Users, roles and server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class Role(LabeledEnum):
    ADVOCATE = "advocate", _l("Advocate")
    MANAGER = "manager", _l("Program manager")
    REQUESTER = "requester", _l("Requester")
    ADMIN = "admin", _l("Admin")


STAFF_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class AccountStatus(LabeledEnum):
    """Where a person's account stands, worded the same on every page."""

    ACTIVE = "active", _l("Active")
    INVITED = "invited", _l("Invited, hasn't signed in yet")
    UNCONFIRMED = "unconfirmed", _l("Email not confirmed")
    JOINING = "joining", _l("Hasn't finished joining")
    DEACTIVATED = "deactivated", _l("Deactivated")


class User(UserMixin, db.Model):
    __table_args__ = (
        # Program insight: who joined and who signed in during a period.
        sa.Index("ix_user_role_created", "role", "created_at"),
        sa.Index("ix_user_last_sign_in", "last_sign_in_at"),
        sa.Index(
            "ix_user_not_counted",
            "id",
            postgresql_where=sa.text("NOT active OR role <> 'advocate'"),
            sqlite_where=sa.text("NOT active OR role <> 'advocate'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see auth.services.normalize_email), so the unique
    # constraint compares addresses case-insensitively.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(default=Role.ADVOCATE, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    # The language the person reads the portal and their mail in (None: the browser's).
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]
    # When the person proved they read mail at this address (a link we sent,
    # or an identity provider that vouches for it).
    email_verified_at: Mapped[datetime | None]
    # Kept by notifications.services (+1 per notification, 0 when read), so
    # the header's count costs no query.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    profile = relationship("AdvocateProfile", back_populates="user", uselist=False)

    # Set by the user loader: the server-side session this request runs in.
    # Flask-Login keeps get_id() in the cookie, so the cookie names the
    # session, not the user, and ending the session ends the cookie.
    current_session = None  # UserSession | None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login
        if self.current_session is None or self.current_session.raw_token is None:
            raise RuntimeError("a user is signed in only through auth.services.sign_in")
        return self.current_session.raw_token

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_advocate(self) -> bool:
        return self.role == Role.ADVOCATE

    @property
    def status(self) -> AccountStatus:
        """Deactivated; else invited (never signed in); else not confirmed; else, for
        an advocate, still in the welcome step; else active."""
        if not self.active:
            return AccountStatus.DEACTIVATED
        if self.last_sign_in_at is None and self.password_hash is None:
            return AccountStatus.INVITED
        if self.email_verified_at is None:
            return AccountStatus.UNCONFIRMED
        if self.role == Role.ADVOCATE and (
            self.profile is None or self.profile.onboarded_at is None
        ):
            return AccountStatus.JOINING
        return AccountStatus.ACTIVE

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser. Revoking it ends that browser's session and remember-me."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")

    user: Mapped[User] = relationship()

    # Only known in the request that created the session (never stored).
    raw_token = None  # str | None


class UserIdentity(db.Model):
    """A sign-in through an OpenID Connect provider, keyed by issuer and subject.

    Never by email alone: an address can change hands at a provider, the
    subject cannot.
    """

    __tablename__ = "user_identity"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(40))
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
