"""The points ledger: entries to read, manual awards and reversals to add.

Awards and reversals go through `recognition.corrections`, as on the staff
pages: a correction that takes an advocate below zero needs the same
explicit confirmation (`confirm_below_zero`), else 409.
"""

import secrets

import sqlalchemy as sa
from spectree import Response as Responses

from portal.api import access, bp
from portal.api.conventions import answer, as_utc, next_link, page_of
from portal.api.core import operation
from portal.api.schemas import LedgerEntry, LedgerEntryList, LedgerQuery, NewAward, NewReversal
from portal.auth.models import Role, User
from portal.extensions import db
from portal.recognition import corrections
from portal.recognition.models import PointsEntry


def as_entry(entry: PointsEntry) -> LedgerEntry:
    return LedgerEntry(
        id=entry.id,
        advocate_id=entry.advocate_id,
        points=entry.points,
        source=entry.source.value,
        source_id=entry.source_id,
        reason=entry.reason,
        awarded_by_id=entry.awarded_by_id,
        corrects_id=entry.corrects_id,
        created_at=entry.created_at,
    )


def _entries() -> sa.Select:
    own = access.own_data_only()
    select = sa.select(PointsEntry)
    return select if own is None else select.where(PointsEntry.advocate_id == own)


@bp.get("/ledger/entries")
@operation(
    "ledger:read",
    query=LedgerQuery,
    resp=Responses(HTTP_200=LedgerEntryList, HTTP_304=None),
    tags=["ledger"],
)
def list_entries(query: LedgerQuery):
    """Ledger entries, oldest first (append-only: `created_since` syncs what is new)."""
    select = _entries()
    if query.advocate_id is not None:
        select = select.where(PointsEntry.advocate_id == query.advocate_id)
    if query.created_since is not None:
        select = select.where(PointsEntry.created_at >= as_utc(query.created_since))
    rows, cursor = page_of(select, PointsEntry.id, cursor=query.cursor, limit=query.limit)
    return answer(LedgerEntryList(items=[as_entry(row) for row in rows], next=next_link(cursor)))


@bp.get("/ledger/entries/<id:entry_id>")
@operation(
    "ledger:read",
    resp=Responses(HTTP_200=LedgerEntry, HTTP_304=None),
    tags=["ledger"],
    refusals=("HTTP_404",),
)
def get_entry(entry_id: int):
    """One ledger entry."""
    entry = db.session.scalar(_entries().where(PointsEntry.id == entry_id))
    if entry is None:
        raise access.not_found("ledger entry")
    return answer(as_entry(entry))


@bp.post("/ledger/awards")
@operation(
    "ledger:write",
    json=NewAward,
    resp=Responses(HTTP_201=LedgerEntry),
    tags=["ledger"],
    refusals=("HTTP_404", "HTTP_409"),
)
def create_award(json: NewAward):
    """A manual award (or, with negative points, a deduction) with a reason.

    Send an Idempotency-Key to make a retry safe: without one, each call awards.
    """
    access.require_staff()
    advocate = db.session.scalar(
        sa.select(User).where(User.id == json.advocate_id, User.role == Role.ADVOCATE)
    )
    if advocate is None:
        raise access.not_found("advocate")
    entry = corrections.award_manual(
        advocate.id,
        json.points,
        reason=json.reason,
        by_id=access.user().id,
        token=secrets.token_urlsafe(16),
        below_zero=json.confirm_below_zero,
    )
    return answer(as_entry(entry), 201)


@bp.post("/ledger/entries/<id:entry_id>/reversal")
@operation(
    "ledger:write",
    json=NewReversal,
    resp=Responses(HTTP_201=LedgerEntry),
    tags=["ledger"],
    refusals=("HTTP_404", "HTTP_409"),
)
def create_reversal(entry_id: int, json: NewReversal):
    """Reverse one entry with a new, opposite entry (once; a reversal is never reversed)."""
    access.require_staff()
    entry = db.session.get(PointsEntry, entry_id)
    if entry is None:
        raise access.not_found("ledger entry")
    reversal = corrections.reverse_entry(
        entry, reason=json.reason, by_id=access.user().id, below_zero=json.confirm_below_zero
    )
    return answer(as_entry(reversal), 201)
