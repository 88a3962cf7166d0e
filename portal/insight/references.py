"""Reference requests: how many were opened and fulfilled, how fast an advocate said yes,
their outcomes and the revenue they influenced.

Answering a reference ask makes an advocate active; a reference given (the call or
visit held) qualifies them. The staff pages gain the references an advocate or an
account's people gave.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.advocates.employment import current_job_at
from portal.advocates.manage import account_section
from portal.advocates.models import Account, Employment
from portal.extensions import db
from portal.i18n import format_money
from portal.insight import history, people, qualified
from portal.insight.figures import (
    Chart,
    Figures,
    Stat,
    Table,
    between,
    figure,
    rate,
    trend_columns,
    trend_rows,
)
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


@people.activity("Answered a reference ask", _l("Answered a reference ask"))
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


qualified.qualifying("reference", _l("A reference given"))(_given)


def _count_if(condition: sa.ColumnElement[bool], value=1) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


# What a request came to: (key, which requests); the key names it in the figures too.
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


def _summary_columns(span: Window) -> tuple[list[sa.ColumnElement], sa.ColumnElement[bool]]:
    """The sums of one period, and which rows they read."""
    req = ReferenceRequest
    opened = between(req.created_at, span.starts_at, span.ends_at)
    outcome = between(req.outcome_at, span.starts_at, span.ends_at)
    closing = between(req.closed_at, span.starts_at, span.ends_at)
    accepted = sa.and_(
        between(req.first_accepted_at, span.starts_at, span.ends_at),
        req.seconds_to_acceptance.is_not(None),
    )
    columns = [
        _count_if(opened),
        _count_if(sa.and_(outcome, req.call_held.is_(True))),
        _count_if(outcome, sa.func.coalesce(req.revenue_influenced, 0)),
        _count_if(sa.and_(closing, req.state == RequestState.UNFULFILLED)),
        _count_if(sa.and_(closing, req.state == RequestState.CANCELLED)),
        _count_if(accepted),
        _count_if(sa.and_(accepted, req.seconds_to_acceptance <= WITHIN)),
        *(_count_if(sa.and_(outcome, condition)) for _key, condition in OUTCOMES),
    ]
    return columns, sa.or_(opened, outcome, closing, accepted)


OUTCOME_LABELS = {
    "Held, deal won": _l("Held, deal won"),
    "Held, deal lost": _l("Held, deal lost"),
    "Held, deal still open": _l("Held, deal still open"),
    "Not held": _l("Not held"),
}
KEYS = ("opened", "fulfilled", "revenue", "unfulfilled", "cancelled", "accepted", "fast",
        *(key for key, _which in OUTCOMES))  # fmt: skip


def request_summary(span: Window) -> tuple[dict, dict, list]:
    """This period's and the previous one's figures (opened, fulfilled: held, revenue
    influenced, closed unfulfilled or cancelled, first accepted and within 48 hours,
    outcomes, median hours to first acceptance) and the requests opened per week or month:
    one statement."""
    now, reads_now = _summary_columns(span)
    before, reads_before = _summary_columns(span.previous)
    weeks = trend_columns(span, ReferenceRequest.created_at)
    row = db.session.execute(
        sa.select(*_medians(span), *now, *before, *weeks).where(sa.or_(reads_now, reads_before))
    ).one()
    medians, values = row[:2], [int(v) for v in row[2:]]
    n = len(KEYS)
    return (
        dict(zip(KEYS, values[:n], strict=True)) | {"median": _hours(medians[0])},
        dict(zip(KEYS, values[n : 2 * n], strict=True)) | {"median": _hours(medians[1])},
        trend_rows(span, values[2 * n :]),
    )


def _medians(span: Window) -> list[sa.ColumnElement]:
    """The median seconds to first acceptance of the requests first accepted in this period
    and in the previous one, as two scalar subqueries reading only the middle rows."""
    req = ReferenceRequest
    which = sa.case(
        (between(req.first_accepted_at, span.starts_at, span.ends_at), 0), else_=1
    ).label("which")
    ranked = (
        sa.select(
            which,
            req.seconds_to_acceptance.label("seconds"),
            sa.func.row_number()
            .over(partition_by=which, order_by=req.seconds_to_acceptance)
            .label("n"),
            sa.func.count().over(partition_by=which).label("total"),
        )
        .where(
            between(req.first_accepted_at, span.previous.starts_at, span.ends_at),
            req.seconds_to_acceptance.is_not(None),
        )
        .subquery()
    )
    middle = ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
    return [
        sa.select(sa.func.avg(ranked.c.seconds))
        .where(ranked.c.which == period, middle)
        .correlate(None)
        .scalar_subquery()
        for period in (0, 1)
    ]


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)


@figure(33, "references", _l("Reference requests"))
def references_figures(span: Window) -> Figures:
    now, before, opened_trend = request_summary(span)
    median, median_before = now["median"], before["median"]
    accepted, fast = now["accepted"], now["fast"]
    accepted_before, fast_before = before["accepted"], before["fast"]
    rows = [[OUTCOME_LABELS[key], now[key], before[key]] for key, _which in OUTCOMES]
    rows += [
        [_("Closed unfulfilled"), now["unfulfilled"], before["unfulfilled"]],
        [_("Cancelled"), now["cancelled"], before["cancelled"]],
    ]
    return Figures(
        stats=[
            Stat(_("Requests opened"), now["opened"], before["opened"]),
            Stat(_("Fulfilled"), now["fulfilled"], before["fulfilled"]),
            Stat(_("Median time to first acceptance"), median, median_before, "h"),
            Stat(
                _("Accepted within 48 hours"),
                rate(fast, accepted),
                rate(fast_before, accepted_before),
                "%",
            ),
            Stat(_("Revenue influenced"), now["revenue"], before["revenue"], "money"),
        ],
        tables=[
            Table(
                "outcomes",
                _("Outcomes recorded and requests closed in the period"),
                [_("Outcome"), _("This period"), _("Previous period")],
                rows,
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "acceptance",
                _("Requests first accepted in the period"),
                [_("Figure"), _("This period"), _("Previous period")],
                [
                    [_("Accepted"), accepted, accepted_before],
                    [_("Within 48 hours of being opened"), fast, fast_before],
                    [_("Median hours to first acceptance"), median, median_before],
                ],
            ),
            Table(
                "opened-trend",
                _("Requests opened per week or month"),
                [_("From"), _("Requests opened")],
                [list(row) for row in opened_trend],
                chart=Chart("line", (1,)),
            ),
        ],
        note=_(
            "Fulfilled: the call or visit was held. Revenue influenced is what sales recorded "
            "with the outcome, in the request's currency."
        ),
    )


# --- the staff pages --------------------------------------------------------


@history.event_kind()
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
                _("Reference"),
                _("Asked for a reference: %(prospect)s", prospect=request.prospect_name),
                request.kind.label,
            )
        )
        if ask.answered_at is not None and ask.status in ANSWERED:
            reason = ask.decline_reason.label if ask.decline_reason else ""
            events.append(
                Event(
                    ask.answered_at,
                    _("Reference"),
                    _(
                        "%(answer)s: %(prospect)s",
                        answer=ask.status.label,
                        prospect=request.prospect_name,
                    ),
                    reason,
                )
            )
        if request.accepted_advocate_id == advocate_id and request.call_held and request.outcome_at:
            revenue = request.revenue_influenced or 0
            events.append(
                Event(
                    request.outcome_at,
                    _("Reference"),
                    _("Reference given: %(prospect)s", prospect=request.prospect_name),
                    _(
                        "revenue influenced %(amount)s",
                        amount=format_money(revenue, request.currency),
                    ),
                )
            )
    return events


def _current_people(account_id: int) -> sa.Select:
    return sa.select(Employment.user_id).where(current_job_at(account_id))


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
