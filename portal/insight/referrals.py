"""Referrals: the peers advocates referred, where they stand, how many were won and
the revenue won.

Making a referral makes an advocate active; a referral won qualifies them. The
staff pages gain the referrals an advocate or an account's people made.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
from portal.referrals.models import Referral, ReferralStage

STAGES = tuple(ReferralStage)


@people.activity("Made a referral", _l("Made a referral"))
def _made(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Referral.advocate_id).where(between(Referral.created_at, start, end))


def _won(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Referral.advocate_id).where(
        Referral.stage == ReferralStage.WON, between(Referral.closed_at, start, end)
    )


qualified.qualifying("referral", _l("A referral won"))(_won)


def _count_if(condition: sa.ColumnElement[bool], value=1) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _summary_columns(span: Window) -> tuple[list[sa.ColumnElement], sa.ColumnElement[bool]]:
    made = between(Referral.created_at, span.starts_at, span.ends_at)
    closed = between(Referral.closed_at, span.starts_at, span.ends_at)
    won = sa.and_(closed, Referral.stage == ReferralStage.WON)
    columns = [
        _count_if(made),
        *(_count_if(sa.and_(made, Referral.stage == stage)) for stage in STAGES),
        _count_if(won),
        _count_if(sa.and_(closed, Referral.stage == ReferralStage.LOST)),
        _count_if(won, sa.func.coalesce(Referral.revenue, 0)),
    ]
    return columns, sa.or_(made, closed)


KEYS = ("made", *(f"stage:{stage.value}" for stage in STAGES), "won", "lost", "revenue")


def referral_summary(span: Window) -> tuple[dict[str, int], dict[str, int], list]:
    """In one statement, for this period and the previous one: referrals made by the stage
    they stand at now; referrals closed (won, lost) and the revenue won; and the referrals
    made per week or month of this period."""
    now, reads_now = _summary_columns(span)
    before, reads_before = _summary_columns(span.previous)
    weeks = trend_columns(span, Referral.created_at)
    row = db.session.execute(
        sa.select(*now, *before, *weeks).where(sa.or_(reads_now, reads_before))
    ).one()
    values = [int(v) for v in row]
    n = len(KEYS)
    return (
        dict(zip(KEYS, values[:n], strict=True)),
        dict(zip(KEYS, values[n : 2 * n], strict=True)),
        trend_rows(span, values[2 * n :]),
    )


@figure(36, "referrals", _l("Referrals"))
def referrals_figures(span: Window) -> Figures:
    now, before, made_trend = referral_summary(span)
    return Figures(
        stats=[
            Stat(_("Referrals made"), now["made"], before["made"]),
            Stat(_("Won"), now["won"], before["won"]),
            Stat(
                _("Conversion"),
                rate(now["won"], now["won"] + now["lost"]),
                rate(before["won"], before["won"] + before["lost"]),
                "%",
            ),
            Stat(_("Revenue won"), now["revenue"], before["revenue"], "money"),
        ],
        tables=[
            Table(
                "stages",
                _("Referrals made in the period, by the stage they stand at now"),
                [_("Stage"), _("This period"), _("Previous period")],
                [[s.label, now[f"stage:{s.value}"], before[f"stage:{s.value}"]] for s in STAGES],
                chart=Chart("bar", (1, 2)),
            ),
            Table(
                "closed",
                _("Referrals closed in the period"),
                [_("Figure"), _("This period"), _("Previous period")],
                [
                    [_("Won"), now["won"], before["won"]],
                    [_("Lost"), now["lost"], before["lost"]],
                    [
                        _("Conversion of those closed (%)"),
                        rate(now["won"], now["won"] + now["lost"]),
                        rate(before["won"], before["won"] + before["lost"]),
                    ],
                    [_("Revenue won"), now["revenue"], before["revenue"]],
                ],
            ),
            Table(
                "made-trend",
                _("Referrals made per week or month"),
                [_("From"), _("Referrals made")],
                [list(row) for row in made_trend],
                chart=Chart("line", (1,)),
            ),
        ],
        note=_("Conversion: the share of referrals closed in the period that were won."),
    )


# --- the staff pages --------------------------------------------------------


@history.event_kind()
def _referral_events(advocate_id: int, limit: int) -> list[Event]:
    rows = history.newest(
        sa.select(Referral).where(Referral.advocate_id == advocate_id),
        Referral.created_at,
        limit,
    )
    events = []
    for r in rows:
        events.append(
            Event(
                r.created_at,
                _("Referral"),
                _("Referred %(peer)s at %(company)s", peer=r.peer_name, company=r.company_name),
                _("now: %(stage)s", stage=r.stage.label),
            )
        )
        if r.closed_at is not None and r.stage == ReferralStage.WON:
            events.append(
                Event(
                    r.closed_at,
                    _("Referral"),
                    _("Referral won: %(company)s", company=r.company_name),
                    _("revenue %(amount)s", amount=format_money(r.revenue or 0)),
                )
            )
        elif r.closed_at is not None:
            events.append(
                Event(
                    r.closed_at,
                    _("Referral"),
                    _("Referral lost: %(company)s", company=r.company_name),
                    r.lost_reason,
                )
            )
    return events


def account_referrals(account_id: int, limit: int = history.SHORT) -> tuple[int, int, int, list]:
    """Referrals made by the account's current people: how many, how many won, the revenue
    won, and the newest `limit` of them."""
    people_there = sa.select(Employment.user_id).where(current_job_at(account_id))
    made = Referral.advocate_id.in_(people_there)
    won = Referral.stage == ReferralStage.WON
    count, won_count, revenue = db.session.execute(
        sa.select(
            sa.func.count(), _count_if(won), _count_if(won, sa.func.coalesce(Referral.revenue, 0))
        ).where(made)
    ).one()
    newest = db.session.scalars(
        sa.select(Referral)
        .where(made)
        .options(sa.orm.joinedload(Referral.advocate))
        .order_by(Referral.created_at.desc())
        .limit(limit)
    ).all()
    return int(count), int(won_count), int(revenue), list(newest)


@account_section(30, "insight/manage/_account_referrals.html")
def _account_section(account: Account) -> dict:
    count, won, revenue, newest = account_referrals(account.id)
    return {"count": count, "won": won, "revenue": revenue, "referrals": newest}
