"""Reference requests: described by a requester, seen by them and by the program team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal import clock
from portal.advocates.models import (
    Account,
    AccountKind,
    DiscussionTopic,
    Industry,
    Product,
    Region,
    SizeBand,
)
from portal.auth.models import STAFF_ROLES, Role, User
from portal.db import utcnow
from portal.errors import InvalidState, NotAllowed
from portal.extensions import db
from portal.references import rules
from portal.references.models import (
    ReferenceKind,
    ReferenceRequest,
    RequestState,
    Urgency,
)

# Who may ask for references.
REQUESTER_ROLES = frozenset({Role.REQUESTER, *STAFF_ROLES})
PER_PAGE = 25


@dataclass
class RequestDetails:
    prospect_account_id: int | None
    prospect_name: str
    competitor_ids: list[int]
    industry: Industry
    region: Region
    size_band: SizeBand
    product_ids: list[int]
    topic_ids: list[int]
    kind: ReferenceKind
    deal_size: int
    urgency: Urgency
    needed_by: date
    note: str


def prospect_accounts() -> list[Account]:
    return list(
        db.session.scalars(
            sa.select(Account).where(Account.kind == AccountKind.PROSPECT).order_by(Account.name)
        )
    )


def account_named(name: str) -> Account | None:
    """The account whose name is `name`, compared case-insensitively."""
    return db.session.scalar(
        sa.select(Account).where(sa.func.lower(Account.name) == name.strip().lower())
    )


def _refused(message: str, field: str) -> InvalidState:
    """A refusal about one field of the request form (`field` names it for the page)."""
    error = InvalidState(message)
    error.field = field
    return error


def _rows(model, ids: list[int], field: str, *, active_only: bool = True) -> list:
    ids = sorted(set(ids))
    query = sa.select(model).where(model.id.in_(ids))
    if active_only and hasattr(model, "active"):
        query = query.where(model.active)
    rows = list(db.session.scalars(query))
    if len(rows) != len(ids):
        message = {
            "competitors": _("Choose competitors from the list."),
            "products": _("Choose products from the list."),
            "topics": _("Choose topics from the list."),
        }[field]
        raise _refused(message, field)
    return rows


def create_request(details: RequestDetails, *, by: User) -> ReferenceRequest:
    """Open a reference request. Raises InvalidState for a date in the past, unknown
    accounts, products or topics, or a competitor that is also the prospect."""
    if by.role not in REQUESTER_ROLES:
        raise NotAllowed(_("Only requesters and the program team ask for references."))
    if details.needed_by < clock.today():
        raise _refused(_("The date it is needed by is in the past."), "needed_by")
    prospect = None
    if details.prospect_account_id:
        prospect = db.session.get(Account, details.prospect_account_id)
        if prospect is None:
            raise _refused(
                _("Choose the prospect from the list, or type its name."), "prospect_name"
            )
    elif details.prospect_name.strip():
        prospect = account_named(details.prospect_name)
    else:
        raise _refused(
            _("Name the prospect: choose it from the list or type its name."), "prospect_name"
        )
    competitors = _rows(Account, details.competitor_ids, "competitors")
    if prospect is not None and prospect.id in {a.id for a in competitors}:
        raise _refused(
            _("%(name)s is the prospect; it can't also be a competitor.", name=prospect.name),
            "competitors",
        )
    request = ReferenceRequest(
        requester_id=by.id,
        prospect_account_id=prospect.id if prospect else None,
        prospect_name=prospect.name if prospect else details.prospect_name.strip()[:160],
        industry=details.industry,
        region=details.region,
        size_band=details.size_band,
        kind=details.kind,
        deal_size=details.deal_size,
        currency=rules.current().currency,
        urgency=details.urgency,
        needed_by=details.needed_by,
        note=details.note.strip(),
        state=RequestState.OPEN,
        created_at=utcnow(),
    )
    request.competitors = competitors
    request.products = _rows(Product, details.product_ids, "products")
    request.topics = _rows(DiscussionTopic, details.topic_ids, "topics")
    db.session.add(request)
    db.session.flush()
    return request


def can_see(user: User, request: ReferenceRequest) -> bool:
    """A requester sees their own requests; the program team sees all."""
    return user.is_staff or request.requester_id == user.id


def contact_of(request: ReferenceRequest) -> User | None:
    """The advocate whose contact details the request shows: only once they accepted."""
    if request.state in (RequestState.SCHEDULED, RequestState.DONE):
        return request.accepted_advocate
    return None


def visible_to(user: User) -> sa.Select:
    """The requests `user` may read: a requester their own, the program team all."""
    query = sa.select(ReferenceRequest)
    return query if user.is_staff else query.where(ReferenceRequest.requester_id == user.id)


def request_for(user: User, request_id: int) -> ReferenceRequest | None:
    """The request if `user` may see it; None (shown as 404) otherwise."""
    request = db.session.get(ReferenceRequest, request_id)
    if request is None or not can_see(user, request):
        return None
    return request


def lock_request(request: ReferenceRequest) -> ReferenceRequest:
    """The request locked and read again: every change of state starts here."""
    return db.session.scalar(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.id == request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def visible_requests(user: User, *, state: str = "", page: int = 1):
    query = (
        visible_to(user)
        .options(selectinload(ReferenceRequest.requester))
        .order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())
    )
    if state in RequestState._value2member_map_:
        query = query.where(ReferenceRequest.state == state)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
