"""Champions who moved: advocates who started at another company in the period.

A move is a new job whose person's previous job ended the day it began
(`advocates.employment.record_move`). A move to a prospect account opens it:
a second-order customer in the making. Referrals from movers join here when
the portal records referrals.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy.orm import aliased

from portal import clock
from portal.advocates.models import Account, AccountKind, Employment
from portal.auth.models import User
from portal.extensions import db
from portal.insight.figures import Figures, Stat, Table, figure
from portal.insight.periods import Window

LISTED = 50  # moves listed one by one, newest first


def _days(span: Window) -> tuple[date, date]:
    """The local calendar days a period touches (moves are dated, not timed)."""
    first = clock.local(span.starts_at).date()
    last = clock.local(span.ends_at - timedelta(microseconds=1)).date()
    return first, last


def _moves(span: Window) -> sa.Select:
    new, old = aliased(Employment), aliased(Employment)
    first, last = _days(span)
    return (
        sa.select(new, old.account_id.label("from_id"))
        .join(old, sa.and_(old.user_id == new.user_id, old.ended_on == new.started_on))
        .where(
            # The same days twice (old.ended_on is new.started_on): the database then
            # starts from the few jobs left in the period, not from every job begun in it.
            old.ended_on >= first,
            old.ended_on <= last,
            new.started_on >= first,
            new.started_on <= last,
            old.account_id != new.account_id,
        )
    )


def move_counts(span: Window) -> tuple[int, int]:
    """(advocates who moved, prospect accounts they joined) in the period."""
    moves = _moves(span).subquery()
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(moves.c.user_id)),
            sa.func.count(sa.distinct(sa.case((Account.kind == AccountKind.PROSPECT, Account.id)))),
        )
        .select_from(moves)
        .join(Account, Account.id == moves.c.account_id)
    ).one()
    return int(row[0]), int(row[1])


def recent_moves(span: Window) -> list[list]:
    moves = _moves(span).subquery()
    to, from_ = aliased(Account), aliased(Account)
    rows = db.session.execute(
        sa.select(User.name, from_.name, to.name, to.kind, moves.c.started_on)
        .select_from(moves)
        .join(User, User.id == moves.c.user_id)
        .join(to, to.id == moves.c.account_id)
        .join(from_, from_.id == moves.c.from_id)
        .order_by(moves.c.started_on.desc(), moves.c.id.desc())
        .limit(LISTED)
    ).all()
    return [
        [name, was, now, str(AccountKind(kind).label), started]
        for name, was, now, kind, started in rows
    ]


@figure(50, "moves", _l("Champions who moved"))
def moves_figures(span: Window) -> Figures:
    moved, opened = move_counts(span)
    moved_before, opened_before = move_counts(span.previous)
    return Figures(
        stats=[
            Stat(_("Champions who moved"), moved, moved_before),
            Stat(_("Prospect accounts they joined"), opened, opened_before),
        ],
        tables=[
            Table(
                "moves",
                _("Moves in the period (newest %(num)s)", num=LISTED),
                [
                    _("Advocate"),
                    pgettext("company left", "From"),
                    pgettext("company joined", "To"),
                    _("Now a"),
                    _("Started on"),
                ],
                recent_moves(span),
            )
        ],
        note=_(
            "Referrals from champions who moved join this section when the portal "
            "records referrals."
        ),
    )
