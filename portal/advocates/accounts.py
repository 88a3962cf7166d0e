"""Customer companies (accounts), their email domains, and the vendor's products."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.advocates.employment import current_job
from portal.advocates.models import (
    Account,
    AccountDomain,
    AccountKind,
    DiscussionTopic,
    Employment,
    Industry,
    Product,
    Region,
    SizeBand,
)
from portal.advocates.visibility import active_advocate
from portal.audit import trail
from portal.auth.models import User
from portal.db import contains_text
from portal.errors import AlreadyExists
from portal.extensions import db
from portal.signals import account_changed


@dataclass
class AccountDetails:
    name: str
    industry: Industry
    region: Region
    size_band: SizeBand
    owner_id: int | None = None
    crm_id: str | None = None
    domains: list[str] = field(default_factory=list)
    kind: AccountKind = AccountKind.CUSTOMER


def save_account(
    account: Account | None, details: AccountDetails, *, by_id: int | None = None
) -> Account:
    """Add (account None) or change a customer company.

    Raises AlreadyExists for a name, CRM id or email domain another company has.
    """
    account_id = account.id if account else None
    _check_not_taken(details, account_id)
    moved = account is not None and (
        account.industry != details.industry or account.region != details.region
    )
    before = _audited(account) if account else {}
    if account is None:
        account = Account()
        db.session.add(account)
    account.name = details.name.strip()
    account.kind = details.kind
    account.industry = details.industry
    account.region = details.region
    account.size_band = details.size_band
    account.owner_id = details.owner_id
    account.crm_id = details.crm_id or None
    kept = {d.domain: d for d in account.domains}
    account.domains = [
        kept.get(d) or AccountDomain(domain=d) for d in dict.fromkeys(details.domains)
    ]
    try:
        db.session.flush()
    except IntegrityError:  # a name, CRM id or domain that was saved a moment ago
        db.session.rollback()
        _check_not_taken(details, account_id)
        raise AlreadyExists(
            _("Another company was saved with these details a moment ago.")
        ) from None
    if by_id is not None:
        action = "account.updated" if account_id else "account.created"
        trail.record(
            action, "account", account.id, by_id=by_id, before=before, after=_audited(account)
        )
    if moved:
        account_changed.send(
            account.id, industry=details.industry.value, region=details.region.value
        )
    return account


def _audited(account: Account) -> dict:
    fields = ("name", "kind", "industry", "region", "size_band", "owner_id", "crm_id")
    return {field: getattr(account, field) for field in fields} | {
        "domains": [domain.domain for domain in account.domains]
    }


def _check_not_taken(details: AccountDetails, account_id: int | None) -> None:
    """Raise AlreadyExists for a name, CRM id or domain of another company."""
    name = details.name.strip()
    others = sa.select(Account.id).where(Account.id != (account_id or -1))
    if db.session.scalar(others.where(sa.func.lower(Account.name) == name.lower())):
        raise AlreadyExists(_("An account named %(name)s already exists.", name=name))
    if details.crm_id and db.session.scalar(others.where(Account.crm_id == details.crm_id)):
        raise AlreadyExists(_("Another account has the CRM id %(crm_id)s.", crm_id=details.crm_id))
    taken = db.session.scalars(
        sa.select(AccountDomain.domain).where(
            AccountDomain.domain.in_(details.domains),
            AccountDomain.account_id != (account_id or -1),
        )
    ).all()
    if taken:
        raise AlreadyExists(
            _n(
                "%(domains)s already belongs to another company.",
                "%(domains)s already belong to other companies.",
                len(taken),
                domains=", ".join(taken),
            )
        )


def create_account(**details) -> Account:
    return save_account(None, AccountDetails(**details))


def all_accounts() -> list[Account]:
    return list(db.session.scalars(sa.select(Account).order_by(Account.name)))


def accounts_page(text: str, *, page: int = 1, per_page: int = 25):
    """Accounts by name, for the staff list (a Flask-SQLAlchemy page)."""
    query = sa.select(Account).options(joinedload(Account.owner)).order_by(Account.name)
    if text.strip():
        query = query.where(contains_text(Account.name, text))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def advocate_counts(account_ids: list[int]) -> dict[int, int]:
    """Active advocates currently working at each account."""
    if not account_ids:
        return {}
    rows = db.session.execute(
        sa.select(Employment.account_id, sa.func.count())
        .join(User, User.id == Employment.user_id)
        .where(
            Employment.account_id.in_(account_ids),
            current_job(Employment.user_id),
            active_advocate(),
        )
        .group_by(Employment.account_id)
    )
    return dict(rows.all())


# --- products ---------------------------------------------------------------


def active_products() -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.active).order_by(Product.name)))


def all_products() -> list[Product]:
    return list(
        db.session.scalars(sa.select(Product).order_by(Product.active.desc(), Product.name))
    )


def _add_named(model: type[Product] | type[DiscussionTopic], name: str, by_id: int | None):
    """Add to a list kept by name (products, topics): one entry per name, whatever its case.

    Raises AlreadyExists; a unique index on lower(name) settles two at once.
    """
    name = name.strip()
    taken = AlreadyExists(_("%(name)s is already on the list.", name=name))
    if db.session.scalar(sa.select(model.id).where(sa.func.lower(model.name) == name.lower())):
        raise taken
    row = model(name=name)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # added a moment ago
        db.session.rollback()
        raise taken from None
    kind = "product" if model is Product else "topic"
    trail.record(f"{kind}.created", kind, row.id, by_id=by_id, after={"name": row.name})
    return row


def _toggle(row: Product | DiscussionTopic, by_id: int | None) -> bool:
    kind = "product" if isinstance(row, Product) else "topic"
    trail.record_change(f"{kind}.updated", row, by_id=by_id, active=not row.active)
    row.active = not row.active
    return row.active


def add_product(name: str, *, by_id: int | None = None) -> Product:
    """Add a product; raises AlreadyExists for a name in use (any case). `by_id` names
    who did, for the audit trail (None: the portal itself)."""
    return _add_named(Product, name, by_id)


def toggle_product(product: Product, *, by_id: int | None = None) -> bool:
    """Retire an active product or bring a retired one back; returns whether it is active."""
    return _toggle(product, by_id)


# --- discussion topics (what opportunities, stories and reference requests are about) --


def active_topics() -> list[DiscussionTopic]:
    return list(
        db.session.scalars(
            sa.select(DiscussionTopic).where(DiscussionTopic.active).order_by(DiscussionTopic.name)
        )
    )


def all_topics() -> list[DiscussionTopic]:
    return list(
        db.session.scalars(
            sa.select(DiscussionTopic).order_by(DiscussionTopic.active.desc(), DiscussionTopic.name)
        )
    )


def add_topic(name: str, *, by_id: int | None = None) -> DiscussionTopic:
    """Add a topic; raises AlreadyExists for a name in use (any case)."""
    return _add_named(DiscussionTopic, name, by_id)


def toggle_topic(topic: DiscussionTopic, *, by_id: int | None = None) -> bool:
    """Retire an active topic or bring a retired one back; returns whether it is active."""
    return _toggle(topic, by_id)
