"""Reference requests: how many were opened and fulfilled, how fast an advocate said yes,
their outcomes and the revenue they influenced.

Answering a reference ask makes an advocate active; a reference given (the call or
visit held) qualifies them. The staff pages gain the references an advocate or an
account's people gave.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.advocates.manage import account_section
from portal.advocates.models import Account, Employment
from portal.extensions import db
from portal.insight import history, people, qualified
from portal.insight.figures import Chart, Figures, Stat, Table, between, figure, rate, trend
from portal.insight.history import Event
from portal.insight.periods import Window
from portal.references.models import (
    AskStatus,
    DealOutcome,
    ReferenceAsk,
    ReferenceRequest,
    RequestState,
)

WITHIN = 48 * 3600
ANSWERED = (AskStatus.ACCEPTED, AskStatus.DECLINED)


@people.activity("Answered a reference ask")
def _answered(start: datetime, end: datetime) -> sa.Select:
    return sa.select(ReferenceAsk.advocate_id).where(
        ReferenceAsk.status.in_(ANSWERED), between(ReferenceAsk.answered_at, start, end)
    )


def _given(start: datetime, end: datetime) -> sa.Select:
    """Advocates who gave a reference (the call or visit was held) with its outcome in
    the window."""
    return sa.select(ReferenceRequest.accepted_advocate_id).where(
        ReferenceRequest.call_held.is_(True),
        ReferenceRequest.accepted_advocate_id.is_not(None),
        between(ReferenceRequest.outcome_at, start, end),
    )


qualified.qualifying("reference", "A reference given")(_given)


def _count_if(condition: sa.ColumnElement[bool], value=1) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


OUTCOMES = (
    (
        "Held, deal won",
        sa.and_(
            ReferenceRequest.call_held.is_(True), ReferenceRequest.deal_outcome == DealOutcome.WON
        ),
    ),
    (
        "Held, deal lost",
        sa.and_(
            ReferenceRequest.call_held.is_(True), ReferenceRequest.deal_outcome == DealOutcome.LOST
        ),
    ),
    (
        "Held, deal still open",
        sa.and_(
            ReferenceRequest.call_held.is_(True), ReferenceRequest.deal_outcome == DealOutcome.OPEN
        ),
    ),
    ("Not held", ReferenceRequest.call_held.is_(False)),
)


def request_summary(span: Window) -> dict[str, int]:
    """Opened, outcomes recorded (fulfilled: held) and revenue influenced, in one statement;
    requests closed unfulfilled or cancelled in the period."""
    opened = between(ReferenceRequest.created_at, span.starts_at, span.ends_at)
    outcome = between(ReferenceRequest.outcome_at, span.starts_at, span.ends_at)
    closed = sa.and_(
        between(ReferenceRequest.closed_at, span.starts_at, span.ends_at),
        ReferenceRequest.state.in_((RequestState.UNFULFILLED, RequestState.CANCELLED)),
    )
    held = sa.and_(outcome, ReferenceRequest.call_held.is_(True))
    row = db.session.execute(
        sa.select(
            _count_if(opened),
            _count_if(held),
            _count_if(outcome, sa.func.coalesce(ReferenceRequest.revenue_influenced, 0)),
            _count_if(sa.and_(closed, ReferenceRequest.state == RequestState.UNFULFILLED)),
            _count_if(sa.and_(closed, ReferenceRequest.state == RequestState.CANCELLED)),
            *(_count_if(sa.and_(outcome, condition)) for _, condition in OUTCOMES),
        ).where(
            sa.or_(
                opened, outcome, between(ReferenceRequest.closed_at, span.starts_at, span.ends_at)
            )
        )
    ).one()
    keys = (
        "opened",
        "fulfilled",
        "revenue",
        "unfulfilled",
        "cancelled",
        *(label for label, _ in OUTCOMES),
    )
    return dict(zip(keys, map(int, row), strict=True))


def acceptance(span: Window) -> tuple[int, int, float | None]:
    """Requests first accepted in the period, how many within 48 hours of being opened,
    and the median hours to that first acceptance (two bounded statements)."""
    accepted = between(ReferenceRequest.first_accepted_at, span.starts_at, span.ends_at)
    seconds = ReferenceRequest.seconds_to_acceptance
    total, fast = db.session.execute(
        sa.select(sa.func.count(), _count_if(seconds <= WITHIN)).where(
            accepted, seconds.is_not(None)
        )
    ).one()
    if not total:
        return 0, 0, None
    middle = db.session.scalars(
        sa.select(seconds)
        .where(accepted, seconds.is_not(None))
        .order_by(seconds)
        .offset((total - 1) // 2)
        .limit(1 if total % 2 else 2)
    ).all()
    return int(total), int(fast), round(sum(middle) / len(middle) / 3600, 1)


@figure(33, "references", "Reference requests")
def references_figures(span: Window) -> Figures:
    now, before = request_summary(span), request_summary(span.previous)
    accepted, fast, median = acceptance(span)
    accepted_before, fast_before, median_before = acceptance(span.previous)
    rows = [[label, now[label], before[label]] for label, _ in OUTCOMES]
    rows += [
        ["Closed unfulfilled", now["unfulfilled"], before["unfulfilled"]],
        ["Cancelled", now["cancelled"], before["cancelled"]],
    ]
    return Figures(
        stats=[
            Stat("Requests opened", now["opened"], before["opened"]),
            Stat("Fulfilled", now["fulfilled"], before["fulfilled"]),
            Stat("Median time to first acceptance", median, median_before, " h"),
            Stat(
                "Accepted within 48 hours",
                rate(fast, accepted),
                rate(fast_before, accepted_before),
                "%",
            ),
            Stat("Revenue influenced", now["revenue"], before["revenue"]),
        ],
        tables=[
            Table(
                "outcomes",
                "Outcomes recorded and requests closed in the period",
                ["Outcome", "This period", "Previous period"],
                rows,
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "acceptance",
                "Requests first accepted in the period",
                ["Figure", "This period", "Previous period"],
                [
                    ["Accepted", accepted, accepted_before],
                    ["Within 48 hours of being opened", fast, fast_before],
                    ["Median hours to first acceptance", median, median_before],
                ],
            ),
            Table(
                "opened-trend",
                "Requests opened per week or month",
                ["From", "Requests opened"],
                [list(row) for row in trend(span, ReferenceRequest.created_at)],
                chart=Chart("line", (1,)),
            ),
        ],
        note="Fulfilled: the call or visit was held. Revenue influenced is what sales recorded "
        "with the outcome, in the request's currency.",
    )


# --- the staff pages --------------------------------------------------------


@history.event_kind(on_staff_page=True)
def _reference_events(advocate_id: int, limit: int) -> list[Event]:
    asks = history.newest(
        sa.select(ReferenceAsk)
        .where(ReferenceAsk.advocate_id == advocate_id)
        .options(joinedload(ReferenceAsk.request)),
        ReferenceAsk.asked_at,
        limit,
    )
    events = []
    for ask in asks:
        request = ask.request
        events.append(
            Event(
                ask.asked_at,
                "Reference",
                f"Asked for a reference: {request.prospect_name}",
                request.kind.label,
            )
        )
        if ask.answered_at is not None and ask.status in ANSWERED:
            reason = ask.decline_reason.label if ask.decline_reason else ""
            events.append(
                Event(
                    ask.answered_at,
                    "Reference",
                    f"{ask.status.label}: {request.prospect_name}",
                    reason,
                )
            )
        if request.accepted_advocate_id == advocate_id and request.call_held and request.outcome_at:
            revenue = request.revenue_influenced or 0
            events.append(
                Event(
                    request.outcome_at,
                    "Reference",
                    f"Reference given: {request.prospect_name}",
                    f"revenue influenced {revenue:,} {request.currency}",
                )
            )
    return events


def _current_people(account_id: int) -> sa.Select:
    return sa.select(Employment.user_id).where(
        Employment.account_id == account_id, Employment.ended_on.is_(None)
    )


def account_references(account_id: int, limit: int = history.SHORT) -> tuple[int, int, list]:
    """References given by the account's current people: how many, the revenue they
    influenced, and the newest `limit` of them."""
    given = sa.and_(
        ReferenceRequest.call_held.is_(True),
        ReferenceRequest.accepted_advocate_id.in_(_current_people(account_id)),
    )
    count, revenue = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(ReferenceRequest.revenue_influenced), 0)
        ).where(given)
    ).one()
    newest = db.session.scalars(
        sa.select(ReferenceRequest)
        .where(given)
        .options(joinedload(ReferenceRequest.accepted_advocate))
        .order_by(ReferenceRequest.outcome_at.desc())
        .limit(limit)
    ).all()
    return int(count), int(revenue), list(newest)


@account_section(20, "insight/manage/_account_references.html")
def _account_section(account: Account) -> dict:
    count, revenue, newest = account_references(account.id)
    return {"count": count, "revenue": revenue, "references": newest}
