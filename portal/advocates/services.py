"""Advocates: adding them, their profile and consent, their employment history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal import clock
from portal.advocates.models import (
    Account,
    AccountDomain,
    AdvocateProfile,
    Employment,
    Industry,
    OpenType,
    Product,
    Region,
    SizeBand,
)
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.opportunities.models import OpportunityType
from portal.recognition import ledger, tiers


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


def ensure_profile(user: User) -> AdvocateProfile:
    if user.profile is None:
        user.profile = AdvocateProfile(user_id=user.id)
        # Open to everything until they say otherwise in the welcome step.
        user.profile.open_type_rows = [OpenType(type=t.value) for t in OpportunityType]
        db.session.flush()
    return user.profile


def current_employment(user_id: int) -> Employment | None:
    """The person's current job, with its account."""
    return db.session.scalar(
        sa.select(Employment)
        .where(Employment.user_id == user_id, Employment.ended_on.is_(None))
        .options(joinedload(Employment.account))
    )


def current_jobs(user_ids: list[int]) -> dict[int, Employment]:
    """Each person's current job (with its account), in one query."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Employment)
        .where(Employment.user_id.in_(user_ids), Employment.ended_on.is_(None))
        .options(joinedload(Employment.account))
    )
    return {job.user_id: job for job in rows}


def tiers_by_advocate(user_ids: list[int]) -> dict[int, str]:
    """Each advocate's current tier name, in one query."""
    from portal.recognition.models import Tier

    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(AdvocateProfile.user_id, Tier.name)
        .join(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .where(AdvocateProfile.user_id.in_(user_ids))
    )
    return dict(rows.all())


def public_participations(user_id: int):
    """What a person took part in, as shown on their public profile: completed only."""
    from portal.opportunities.models import Opportunity, Participation, ParticipationStatus
    from portal.opportunities.services import with_opportunity_summary

    return list(
        db.session.scalars(
            sa.select(Participation)
            .join(Participation.opportunity)
            .where(
                Participation.advocate_id == user_id,
                Participation.status == ParticipationStatus.COMPLETED,
            )
            .options(with_opportunity_summary())
            .order_by(Opportunity.starts_at.desc())
            .limit(50)
        )
    )


def employment_history(user_id: int) -> list[Employment]:
    return list(
        db.session.scalars(
            sa.select(Employment)
            .where(Employment.user_id == user_id)
            .order_by(Employment.ended_on.is_(None).desc(), Employment.started_on.desc())
        )
    )


@dataclass
class ProfileChoices:
    name: str
    title: str
    bio: str
    product_ids: list[int]
    open_types: list[str]
    max_asks_per_quarter: int
    quiet_until: date | None
    show_on_leaderboard: bool
    public_profile: bool
    timezone: str | None = None


def update_profile(user: User, choices: ProfileChoices) -> None:
    """Save what an advocate shares and consents to; leaderboards follow at once."""
    profile = ensure_profile(user)
    user.name = choices.name.strip()
    user.timezone = choices.timezone or None
    job = current_employment(user.id)
    if job is not None and choices.title.strip():
        job.title = choices.title.strip()
    profile.bio = choices.bio.strip()
    profile.products = list(
        db.session.scalars(
            sa.select(Product).where(Product.id.in_(choices.product_ids), Product.active)
        )
    )
    wanted = set(choices.open_types) & {t.value for t in OpportunityType}
    profile.open_type_rows = [row for row in profile.open_type_rows if row.type in wanted] + [
        OpenType(type=t) for t in sorted(wanted - profile.open_types)
    ]
    profile.max_asks_per_quarter = choices.max_asks_per_quarter
    profile.quiet_until = choices.quiet_until
    profile.show_on_leaderboard = choices.show_on_leaderboard
    profile.public_profile = choices.public_profile
    db.session.flush()
    ledger.refresh_standing_details(user.id)


def complete_onboarding(user: User, choices: ProfileChoices) -> None:
    """The welcome step: profile and consent, then membership of the entry tier."""
    update_profile(user, choices)
    if user.profile.onboarded_at is None:
        user.profile.onboarded_at = utcnow()
        tiers.join_program(user.id)


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
    db.session.flush()
    ledger.refresh_standing_details(user.id)
    return new_job


@dataclass
class AccountDetails:
    name: str
    industry: Industry
    region: Region
    size_band: SizeBand
    owner_id: int | None = None
    crm_id: str | None = None
    domains: list[str] = field(default_factory=list)


def save_account(account: Account | None, details: AccountDetails) -> Account:
    """Add (account None) or change a customer company.

    Raises AlreadyExists for a name, CRM id or email domain another company has.
    """
    name = details.name.strip()
    others = sa.select(Account.id).where(Account.id != (account.id if account else -1))
    if db.session.scalar(others.where(sa.func.lower(Account.name) == name.lower())):
        raise AlreadyExists(f"An account named {name} already exists.")
    if details.crm_id and db.session.scalar(others.where(Account.crm_id == details.crm_id)):
        raise AlreadyExists(f"Another account has the CRM id {details.crm_id}.")
    taken = db.session.scalars(
        sa.select(AccountDomain.domain).where(
            AccountDomain.domain.in_(details.domains),
            AccountDomain.account_id != (account.id if account else -1),
        )
    ).all()
    if taken:
        raise AlreadyExists(f"{', '.join(taken)} already belongs to another company.")
    moved = account is not None and (
        account.industry != details.industry or account.region != details.region
    )
    if account is None:
        account = Account()
        db.session.add(account)
    account.name = name
    account.industry = details.industry
    account.region = details.region
    account.size_band = details.size_band
    account.owner_id = details.owner_id
    account.crm_id = details.crm_id or None
    kept = {d.domain: d for d in account.domains}
    account.domains = [
        kept.get(d) or AccountDomain(domain=d) for d in dict.fromkeys(details.domains)
    ]
    db.session.flush()
    if moved:
        ledger.refresh_account_details(account.id, details.industry.value, details.region.value)
    return account


def create_account(**details) -> Account:
    return save_account(None, AccountDetails(**details))


def active_products() -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.active).order_by(Product.name)))


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
    text = text.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        at_company = (
            sa.select(Employment.user_id)
            .join(Account, Account.id == Employment.account_id)
            .where(Employment.ended_on.is_(None), Account.name.ilike(pattern, escape="\\"))
        )
        query = query.where(
            sa.or_(
                User.name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
                User.id.in_(at_company),
            )
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def all_accounts() -> list[Account]:
    return list(db.session.scalars(sa.select(Account).order_by(Account.name)))


def accounts_page(text: str, *, page: int = 1, per_page: int = 25):
    query = sa.select(Account).options(joinedload(Account.owner)).order_by(Account.name)
    if text.strip():
        query = query.where(Account.name.ilike(f"%{text.strip()}%"))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def advocate_counts(account_ids: list[int]) -> dict[int, int]:
    """Current advocates per account."""
    if not account_ids:
        return {}
    rows = db.session.execute(
        sa.select(Employment.account_id, sa.func.count())
        .join(User, User.id == Employment.user_id)
        .where(
            Employment.account_id.in_(account_ids),
            Employment.ended_on.is_(None),
            User.role == Role.ADVOCATE,
            User.active.is_(True),
        )
        .group_by(Employment.account_id)
    )
    return dict(rows.all())


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role.in_([Role.MANAGER, Role.ADMIN, Role.REQUESTER]), User.active)
            .order_by(User.name)
        )
    )


def all_products() -> list[Product]:
    return list(
        db.session.scalars(sa.select(Product).order_by(Product.active.desc(), Product.name))
    )


def add_product(name: str) -> Product:
    """Add a product; raises AlreadyExists for a name in use (any case)."""
    name = name.strip()
    if db.session.scalar(sa.select(Product.id).where(sa.func.lower(Product.name) == name.lower())):
        raise AlreadyExists(f"{name} is already on the list.")
    product = Product(name=name)
    db.session.add(product)
    db.session.flush()
    return product
