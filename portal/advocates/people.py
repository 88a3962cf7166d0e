"""Advocates as staff find and add them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal import clock
from portal.advocates.employment import current_job
from portal.advocates.models import Account, Employment
from portal.advocates.profiles import ensure_profile
from portal.auth import services as auth_services
from portal.auth.models import STAFF_ROLES, Role, User
from portal.db import contains_text
from portal.extensions import db


def add_advocate(*, name: str, email: str, account: Account, title: str) -> User:
    """Create an advocate (no password yet) with a profile and a current job.

    Raises AlreadyExists when the email is taken.
    """
    user = auth_services.create_user(email, name, Role.ADVOCATE)
    ensure_profile(user)
    db.session.add(
        Employment(user=user, account=account, title=title.strip(), started_on=clock.today())
    )
    db.session.flush()
    return user


def search_advocates(text: str, *, page: int = 1, per_page: int = 25, active_only: bool = False):
    """Advocates by name, email or company, for staff pages (a Flask-SQLAlchemy page)."""
    query = (
        sa.select(User)
        .where(User.role == Role.ADVOCATE)
        .options(joinedload(User.profile))
        .order_by(User.name, User.id)
    )
    if active_only:
        query = query.where(User.active.is_(True))
    if text.strip():
        query = query.where(matching(text))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def matching(text: str) -> sa.ColumnElement[bool]:
    """People whose name, email or current company contains `text` (the staff search,
    and the export that follows it)."""
    at_company = (
        sa.select(Employment.user_id)
        .join(Account, Account.id == Employment.account_id)
        .where(current_job(Employment.user_id), contains_text(Account.name, text))
    )
    return sa.or_(
        contains_text(User.name, text),
        contains_text(User.email, text),
        User.id.in_(at_company),
    )


def staff_users() -> list[User]:
    """Active staff, for choosing an account owner."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role.in_([*STAFF_ROLES, Role.REQUESTER]), User.active)
            .order_by(User.name)
        )
    )
