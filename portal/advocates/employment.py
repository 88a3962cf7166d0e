"""Where people work: the employment history, and the one meaning of "current job".

A move to another company is a new row, never an edit: history, points and
badges stay with the person. At most one job is current (a unique index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal import clock
from portal.advocates.models import (
    Account,
    AccountDomain,
    AccountKind,
    Employment,
    Industry,
    Region,
    SizeBand,
)
from portal.audit import trail
from portal.auth.models import User
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.signals import advocate_changed, advocate_moved


def is_current_job() -> sa.ColumnElement[bool]:
    """SQL: the `Employment` row is a current job (it has not ended). The one place this is
    said; `current_job` and `current_job_at` narrow it to a person or a company."""
    return Employment.ended_on.is_(None)


def current_job(user_id: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """SQL: `Employment` is the current job of the person whose id is `user_id`."""
    return sa.and_(Employment.user_id == user_id, is_current_job())


def current_job_at(account_id: int | sa.ColumnElement) -> sa.ColumnElement[bool]:
    """SQL: `Employment` is the current job of someone at the company `account_id`."""
    return sa.and_(Employment.account_id == account_id, is_current_job())


def current_employment(user_id: int) -> Employment | None:
    """The person's current job, with its account."""
    return db.session.scalar(
        sa.select(Employment)
        .where(Employment.user_id == user_id, current_job(Employment.user_id))
        .options(joinedload(Employment.account))
    )


def current_job_rows(user_id: int) -> sa.Select:
    """`current_employment` as a row (title, `account.name`), for a page's single statement."""
    return (
        sa.select(Employment.title, Account.name.label("account.name"))
        .outerjoin(Account, Account.id == Employment.account_id)
        .where(Employment.user_id == user_id, current_job(Employment.user_id))
        .order_by(Employment.id)
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
            .order_by(is_current_job().desc(), Employment.started_on.desc())
        )
    )


def record_move(
    user: User, *, account: Account, title: str, started_on: date, by: User | None = None
) -> Employment:
    """An advocate changed company: close the current job and open a new one.

    History, points and badges stay with the person; the new job remembers the
    one it followed, so the move is a champion at a new company. Raises
    InvalidState when the new job would start before the current one. A move
    staff record (`by`) joins the audit trail.
    """
    job = current_employment(user.id)
    if job is not None:
        if job.account_id == account.id:
            raise InvalidState(
                _("%(name)s already works at %(company)s.", name=user.name, company=account.name)
            )
        if started_on < job.started_on:
            raise InvalidState(_("The new job can't start before the current one."))
        job.ended_on = started_on
    db.session.flush()
    new_job = Employment(
        user=user,
        account=account,
        title=title.strip(),
        started_on=started_on,
        moved_from_id=job.id if job else None,
        recorded_by_id=by.id if by else None,
    )
    db.session.add(new_job)
    try:
        db.session.flush()
    except IntegrityError:  # another move of the same person, a moment ago
        db.session.rollback()
        raise AlreadyExists(
            _(
                "A move of %(name)s was just recorded by someone else: check the history.",
                name=user.name,
            )
        ) from None
    if by is not None:
        trail.record(
            "user.moved",
            "user",
            user.id,
            by_id=by.id,
            before={"account_id": job.account_id if job else None},
            after={"account_id": account.id},
        )
    advocate_changed.send(user.id)
    if job is not None:
        advocate_moved.send(user.id, employment=new_job, previous=job)
    return new_job


@dataclass
class NewJob:
    """A move as an advocate tells it: a company by name, and what they know of it."""

    company: str
    title: str
    started_on: date
    industry: Industry = Industry.UNKNOWN
    region: Region = Region.UNKNOWN
    size_band: SizeBand = SizeBand.UNKNOWN


def company_named(name: str, job: NewJob | None = None) -> Account:
    """The account with this name in any case; a new *prospect* account when none has it,
    with what the advocate knew of it ("unknown" for the rest, until staff complete it)."""
    name = " ".join(name.split())
    query = sa.select(Account).where(sa.func.lower(Account.name) == name.lower())
    account = db.session.scalar(query)
    if account is not None:
        return account
    account = Account(
        name=name,
        kind=AccountKind.PROSPECT,
        industry=job.industry if job else Industry.UNKNOWN,
        region=job.region if job else Region.UNKNOWN,
        size_band=job.size_band if job else SizeBand.UNKNOWN,
    )
    db.session.add(account)
    try:
        db.session.flush()
    except IntegrityError:  # the same company, added a moment ago
        db.session.rollback()
        raise AlreadyExists(
            _("%(name)s was added a moment ago: send the form again.", name=name)
        ) from None
    return account


def record_own_move(user: User, job: NewJob) -> Employment:
    """The advocate records their new job themselves, from their profile.

    The company is matched by name without showing anyone the list of
    accounts. Raises InvalidState for a start in the future or before the
    current job's, or for the company they already work at.
    """
    if job.started_on > clock.today():
        raise InvalidState(_("Record your new job once you have started it."))
    current = current_employment(user.id)
    if current is not None and job.started_on < current.started_on:
        raise InvalidState(_("The new job can't start before the current one."))
    account = company_named(job.company, job)
    return record_move(user, account=account, title=job.title, started_on=job.started_on, by=user)


def account_of_domain(email: str) -> Account | None:
    """The account owning the email's domain, if any."""
    domain = email.rsplit("@", 1)[-1].lower()
    return db.session.scalar(
        sa.select(Account)
        .join(AccountDomain, AccountDomain.account_id == Account.id)
        .where(AccountDomain.domain == domain)
    )


def moves_page(*, page: int = 1, per_page: int = 25):
    """Champions at new companies: jobs that followed another, newest first (a page)."""
    previous = aliased(Employment)
    query = (
        sa.select(Employment)
        .join(previous, previous.id == Employment.moved_from_id)
        .join(User, User.id == Employment.user_id)
        .where(User.active.is_(True))
        .options(
            joinedload(Employment.user),
            joinedload(Employment.account).joinedload(Account.owner),
            joinedload(Employment.moved_from).joinedload(Employment.account),
        )
        .order_by(Employment.started_on.desc(), Employment.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
