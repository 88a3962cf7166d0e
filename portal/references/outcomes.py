"""What came of a request: the outcome, the points for the advocate, closing a request.

Points go through the ledger with `ledger.reference_key(request.id)`, so a
form sent twice awards once; the amount per kind of ask is a program
setting. The badge rule "reference calls given" joins the badge registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_babel import ngettext as _n

from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState, NotAllowed
from portal.extensions import db
from portal.notifications.services import notify
from portal.recognition import badges, ledger
from portal.recognition.badge_rules import Param, RuleKind, register
from portal.recognition.models import PointsSource
from portal.references import rules
from portal.references.asks import record_of, withdraw_open_asks
from portal.references.models import (
    KIND_NOUNS,
    SEARCHING,
    DealOutcome,
    ReferenceKind,
    ReferenceRequest,
    RequestState,
    in_english,
)
from portal.references.requests import can_see, lock_request
from portal.signals import reference_fulfilled


@dataclass(frozen=True)
class Outcome:
    call_held: bool
    deal_outcome: DealOutcome
    revenue_influenced: int
    note: str


def record_outcome(request: ReferenceRequest, outcome: Outcome, *, by: User) -> int:
    """Record what happened; returns the points the advocate got (0 when it didn't happen).

    Raises NotAllowed for someone else's request, InvalidState unless the
    request is scheduled.
    """
    if not can_see(by, request):
        raise NotAllowed(_("This is not your request."))
    if outcome.revenue_influenced < 0:
        raise InvalidState(_("Revenue influenced can't be negative."))
    request = lock_request(request)
    if request.state != RequestState.SCHEDULED:
        raise InvalidState(
            _("An outcome is recorded once an advocate has accepted, and only once.")
        )
    now, before = utcnow(), _audited(request)
    request.call_held = outcome.call_held
    request.deal_outcome = outcome.deal_outcome
    request.revenue_influenced = outcome.revenue_influenced
    request.outcome_note = outcome.note.strip()[:500]
    request.outcome_at, request.outcome_by_id = now, by.id
    request.state = RequestState.DONE
    request.closed_at = now
    reference_fulfilled.send(request.id, request=request)
    points = _reward(request, by, now) if outcome.call_held else 0
    trail.record(
        "reference_request.outcome",
        "reference_request",
        request.id,
        by_id=by.id,
        before=before,
        after=_audited(request),
        details={"points": points} if points else None,
    )
    return points


def _audited(request: ReferenceRequest) -> dict:
    """What an outcome or closing changes, as the audit trail records it."""
    fields = ("state", "call_held", "deal_outcome", "revenue_influenced", "outcome_note")
    return {field: getattr(request, field) for field in fields}


def _reward(request: ReferenceRequest, by: User, now: datetime) -> int:
    """The advocate's points (and record) for a call held; returns the points given."""
    advocate_id = request.accepted_advocate_id
    record = record_of(advocate_id)
    record.held += 1
    record.last_held_at = now
    points = rules.current().points[request.kind.value]
    entry = ledger.award(
        advocate_id,
        points,
        reason=f"{in_english(request.kind.label)} for {request.prospect_name}",
        key=ledger.reference_key(request.id),
        source=PointsSource.REFERENCE,
        source_id=request.id,
        by_id=by.id,
    )
    db.session.flush()
    badges.award_earned_badges(advocate_id, "reference")
    if entry is not None and points:
        notify(
            advocate_id,
            "reference_points",
            _ln(
                "Thank you for the %(kind)s with %(prospect)s: %(num)d point.",
                "Thank you for the %(kind)s with %(prospect)s: %(num)d points.",
                points,
                kind=KIND_NOUNS[request.kind],
                prospect=request.prospect_name,
            ),
            "recognition.points_history",
        )
    return points if entry is not None else 0


def close_request(request: ReferenceRequest, *, by: User, state: RequestState) -> None:
    """Cancel a request, or close it as unfulfilled; its open asks are withdrawn.

    Raises NotAllowed for someone else's request, InvalidState once it is decided.
    """
    if not can_see(by, request):
        raise NotAllowed(_("This is not your request."))
    if state not in (RequestState.CANCELLED, RequestState.UNFULFILLED):
        raise InvalidState(_("A request is closed as cancelled or unfulfilled."))
    request = lock_request(request)
    if request.state not in SEARCHING:
        raise InvalidState(
            _("This request is already closed (%(state)s).", state=request.state.label)
        )
    withdrawn = withdraw_open_asks(request, taken=False)
    trail.record(
        "reference_request.closed",
        "reference_request",
        request.id,
        by_id=by.id,
        before={"state": request.state},
        after={"state": state},
        details={"asks_withdrawn": withdrawn} if withdrawn else None,
    )
    request.state = state
    request.closed_at = utcnow()


def references_given(kind: ReferenceKind) -> sa.Select:
    return (
        sa.select(ReferenceRequest.accepted_advocate_id)
        .where(ReferenceRequest.call_held.is_(True), ReferenceRequest.kind == kind)
        .group_by(ReferenceRequest.accepted_advocate_id)
    )


@register
class ReferenceCallsGiven(RuleKind):
    key = "reference_calls_given"
    emblem = "chevrons"
    label = _l("Reference calls given")
    params = (Param("count", _l("At least"), "count", 5),)
    events = frozenset({"reference"})

    def describe(self, params: dict) -> str:
        return _n(
            "Give %(num)d reference call to prospects.",
            "Give %(num)d reference calls to prospects.",
            params["count"],
        )

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        query = references_given(ReferenceKind.REFERENCE_CALL).having(
            sa.func.count() >= params["count"]
        )
        if advocate_ids is not None:
            query = query.where(ReferenceRequest.accepted_advocate_id.in_(advocate_ids))
        return set(db.session.scalars(query))
