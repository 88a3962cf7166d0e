"""Where people work: the employment history, and the one meaning of "current job".

A move to another company is a new row, never an edit: history, points and
badges stay with the person. At most one job is current (a unique index).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.advocates.models import Account, Employment, Industry
from portal.auth.models import User
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.signals import advocate_changed, advocate_moved


def current_job(user_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """SQL: `Employment` is the current job of the person whose id is `user_id`."""
    return sa.and_(Employment.user_id == user_id, Employment.ended_on.is_(None))


def current_employment(user_id: int) -> Employment | None:
    """The person's current job, with its account."""
    return db.session.scalar(
        sa.select(Employment)
        .where(Employment.user_id == user_id, current_job(Employment.user_id))
        .options(joinedload(Employment.account))
    )


def current_jobs(user_ids: list[int]) -> dict[int, Employment]:
    """Each person's current job (with its account), in one query."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Employment)
        .where(Employment.user_id.in_(user_ids), current_job(Employment.user_id))
        .options(joinedload(Employment.account))
    )
    return {job.user_id: job for job in rows}


def works_in(industry: Industry) -> sa.ColumnElement[bool]:
    """SQL on User: their current job is at a company of this industry."""
    return sa.exists().where(
        current_job(User.id), Employment.account_id == Account.id, Account.industry == industry
    )


def employment_history(user_id: int) -> list[Employment]:
    """Every job, the current one first, then the most recent."""
    return list(
        db.session.scalars(
            sa.select(Employment)
            .where(Employment.user_id == user_id)
            .order_by(Employment.ended_on.is_(None).desc(), Employment.started_on.desc())
        )
    )


def record_move(user: User, *, account: Account, title: str, started_on: date) -> Employment:
    """An advocate changed company: close the current job and open a new one.

    History, points and badges stay with the person. Raises InvalidState when
    the new job would start before the current one.
    """
    job = current_employment(user.id)
    if job is not None:
        if job.account_id == account.id:
            raise InvalidState(f"{user.name} already works at {account.name}.")
        if started_on < job.started_on:
            raise InvalidState("The new job can't start before the current one.")
        job.ended_on = started_on
    db.session.flush()
    new_job = Employment(user=user, account=account, title=title.strip(), started_on=started_on)
    db.session.add(new_job)
    try:
        db.session.flush()
    except IntegrityError:  # another move of the same person, a moment ago
        db.session.rollback()
        raise AlreadyExists(
            f"A move of {user.name} was just recorded by someone else: check the history."
        ) from None
    advocate_changed.send(user.id)
    advocate_moved.send(user.id, job=new_job, previous=job)
    return new_job
