"""Customer companies and the employment history of the people at them (staff only)."""

import sqlalchemy as sa
from spectree import Response as Responses

from portal.advocates.employment import is_current_job
from portal.advocates.models import Account as AccountRow
from portal.advocates.models import Employment
from portal.api import access, bp
from portal.api.conventions import answer, next_link, page_of
from portal.api.core import operation
from portal.api.schemas import AccountDetail, AccountList, AccountQuery, Job
from portal.extensions import db


def as_account(account: AccountRow) -> dict:
    return {
        "id": account.id,
        "name": account.name,
        "kind": account.kind.value,
        "industry": account.industry.value,
        "region": account.region.value,
        "size_band": account.size_band.value,
        "crm_id": account.crm_id,
        "owner_id": account.owner_id,
        "domains": [domain.domain for domain in account.domains],
    }


def as_job(job: Employment) -> Job:
    return Job(
        id=job.id,
        advocate_id=job.user_id,
        advocate_name=job.user.name,
        account_id=job.account_id,
        account_name=job.account.name,
        title=job.title,
        started_on=job.started_on,
        ended_on=job.ended_on,
    )


@bp.get("/accounts")
@operation(
    "accounts:read",
    query=AccountQuery,
    resp=Responses(HTTP_200=AccountList, HTTP_304=None),
    tags=["accounts"],
)
def list_accounts(query: AccountQuery):
    """Customer companies (and prospects), filtered by industry, region or CRM id."""
    access.require_staff()
    select = sa.select(AccountRow).options(sa.orm.selectinload(AccountRow.domains))
    if query.industry is not None:
        select = select.where(AccountRow.industry == query.industry)
    if query.region is not None:
        select = select.where(AccountRow.region == query.region)
    if query.crm_id is not None:
        select = select.where(AccountRow.crm_id == query.crm_id)
    rows, cursor = page_of(select, AccountRow.id, cursor=query.cursor, limit=query.limit)
    return answer(AccountList(items=[as_account(row) for row in rows], next=next_link(cursor)))


@bp.get("/accounts/<id:account_id>")
@operation(
    "accounts:read",
    resp=Responses(HTTP_200=AccountDetail, HTTP_304=None),
    tags=["accounts"],
    refusals=("HTTP_404",),
)
def get_account(account_id: int):
    """One company with everyone who worked there: current jobs first, then past ones."""
    access.require_staff()
    account = db.session.get(AccountRow, account_id)
    if account is None:
        raise access.not_found("account")
    jobs = db.session.scalars(
        sa.select(Employment)
        .where(Employment.account_id == account.id)
        .options(sa.orm.joinedload(Employment.user), sa.orm.joinedload(Employment.account))
        .order_by(is_current_job().desc(), Employment.started_on.desc(), Employment.id)
    )
    return answer(AccountDetail(**as_account(account), employment=[as_job(j) for j in jobs]))
