"""Qualified advocates (the CSQA view): per account, account owner, industry and region.

An advocate is qualified on a day when, in the window of days before it
(setting `insight_qualified_days`, 365 by default), they did at least one of
the counted kinds of thing (setting `insight_qualified_kinds`): a completed
participation here; a reference given (`insight/references.py`) and a referral
won (`insight/referrals.py`) register their kind with `@qualifying(kind, label)`. Only active
advocates count, each at the company they work for now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.advocates.employment import current_job
from portal.advocates.models import Account, AccountKind, Employment, Industry, Region
from portal.auth.models import Role, User
from portal.errors import PortalError
from portal.extensions import db
from portal.i18n import format_datetime, format_number
from portal.insight import summaries
from portal.insight.figures import Chart, Figures, Stat, Table, between, figure
from portal.insight.periods import Window
from portal.opportunities.models import Participation, ParticipationStatus
from portal.settings import get_setting, set_setting

DAYS_SETTING = "insight_qualified_days"
KINDS_SETTING = "insight_qualified_kinds"
DEFAULT_DAYS = 365
# Accounts listed one by one on the page (the CSV has the same rows).
TOP_ACCOUNTS = 25

Qualifying = Callable[[datetime, datetime], sa.Select]


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    select: Qualifying


KINDS: dict[str, Kind] = {}


def qualifying(key: str, label: Any) -> Callable[[Qualifying], Qualifying]:
    """Register a kind of thing that qualifies an advocate: a select of advocate ids."""

    def register(select: Qualifying) -> Qualifying:
        KINDS[key] = Kind(key, label, select)
        return select

    return register


@qualifying("participation", _l("A completed participation"))
def _completed(start: datetime, end: datetime) -> sa.Select:
    return sa.select(Participation.advocate_id).where(
        Participation.status == ParticipationStatus.COMPLETED,
        between(Participation.completed_at, start, end),
    )


@dataclass(frozen=True)
class Rule:
    days: int
    kinds: tuple[str, ...]


def rule() -> Rule:
    """The qualification rule from the settings; kinds not (yet) registered are left out."""
    days = get_setting(DAYS_SETTING, DEFAULT_DAYS)
    kinds = get_setting(KINDS_SETTING, None)
    chosen = [k for k in (kinds if isinstance(kinds, list) else list(KINDS)) if k in KINDS]
    return Rule(days if isinstance(days, int) and days > 0 else DEFAULT_DAYS, tuple(chosen))


def save_rule(days: int, kinds: list[str]) -> None:
    """Change the qualification rule; raises PortalError for a window outside 1–3,650 days."""
    if not 1 <= days <= 3650:
        raise PortalError(_("The window is 1 to 3,650 days."))
    if not kinds:
        raise PortalError(_("Choose at least one kind of contribution."))
    set_setting(DAYS_SETTING, days)
    set_setting(KINDS_SETTING, [k for k in kinds if k in KINDS])
    summaries.drop_snapshots()


def qualified_ids(at: datetime, current: Rule) -> sa.Select | None:
    start = at - timedelta(days=current.days)
    selects = [KINDS[kind].select(start, at) for kind in current.kinds]
    if not selects:
        return None
    return sa.union(*selects) if len(selects) > 1 else selects[0].distinct()


def qualified_per_account(
    at: datetime, current: Rule, account_id: int | None = None
) -> dict[int | None, int]:
    """Account id (None: no current job) → active advocates qualified at `at` (of one account
    when `account_id` is given)."""
    ids = qualified_ids(at, current)
    if ids is None:
        return {}
    qualified = ids.subquery()
    advocate_id = qualified.c[0]
    rows = db.session.execute(
        sa.select(Employment.account_id, sa.func.count())
        .select_from(qualified)
        .join(User, User.id == advocate_id)
        .outerjoin(Employment, current_job(advocate_id))
        .where(
            User.active.is_(True),
            User.role == Role.ADVOCATE,
            sa.true() if account_id is None else Employment.account_id == account_id,
        )
        .group_by(Employment.account_id)
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    owner: Any
    industry: Any
    region: Any


def _accounts() -> dict[int, AccountRow]:
    owner = sa.orm.aliased(User)
    rows = db.session.execute(
        sa.select(Account.id, Account.name, owner.name, Account.industry, Account.region)
        .outerjoin(owner, owner.id == Account.owner_id)
        .where(Account.kind == AccountKind.CUSTOMER)
    ).all()
    return {
        r[0]: AccountRow(
            r[0], r[1], r[2] or _("No owner"), str(Industry(r[3]).label), str(Region(r[4]).label)
        )
        for r in rows
    }


def _group(
    accounts: dict[int, AccountRow], per_account: dict, per_before: dict, attribute: str
) -> list[list]:
    """One row per owner/industry/region: accounts, accounts with a qualified advocate,
    qualified advocates now and at the end of the previous period."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for account in accounts.values():
        row = groups[getattr(account, attribute)]
        qualified = per_account.get(account.id, 0)
        row[0] += 1
        row[1] += qualified > 0
        row[2] += qualified
        row[3] += per_before.get(account.id, 0)
    return [
        [name, *values] for name, values in sorted(groups.items(), key=lambda g: (-g[1][2], g[0]))
    ]


@figure(40, "qualified", _l("Qualified advocates"))
def qualified_figures(span: Window) -> Figures:
    current = rule()
    per_account, as_of = summaries.qualified_at(span.ends_at)
    per_before, before_as_of = summaries.qualified_at(span.previous.ends_at)
    accounts = _accounts()
    columns = [
        _("Accounts"),
        _("With a qualified advocate"),
        _("Qualified advocates"),
        _("At the previous period's end"),
    ]
    top = sorted(
        (a for a in accounts.values() if per_account.get(a.id)),
        key=lambda a: (-per_account[a.id], a.name),
    )[:TOP_ACCOUNTS]
    locale = get_locale()
    kinds = [str(KINDS[k].label) for k in current.kinds]
    moment = lambda at: format_datetime(at, clock.program_tz(), with_zone=False)  # noqa: E731
    return Figures(
        stats=[
            Stat(_("Qualified advocates"), sum(per_account.values()), sum(per_before.values())),
            Stat(
                _("Customer accounts with one"),
                sum(1 for a in accounts if per_account.get(a, 0)),
                sum(1 for a in accounts if per_before.get(a, 0)),
            ),
        ],
        tables=[
            Table(
                "by-owner",
                _("By account owner"),
                [_("Account owner"), *columns],
                _group(accounts, per_account, per_before, "owner"),
                chart=Chart("bar", (3,)),
            ),
            Table(
                "by-industry",
                _("By industry"),
                [_("Industry"), *columns],
                _group(accounts, per_account, per_before, "industry"),
            ),  # fmt: skip
            Table(
                "by-region",
                _("By region"),
                [_("Region"), *columns],
                _group(accounts, per_account, per_before, "region"),
            ),  # fmt: skip
            Table(
                "by-account",
                _("Accounts with the most qualified advocates (top %(num)s)", num=TOP_ACCOUNTS),
                [
                    _("Account"),
                    _("Owner"),
                    _("Qualified advocates"),
                    _("At the previous period's end"),
                ],
                [[a.name, a.owner, per_account[a.id], per_before.get(a.id, 0)] for a in top],
            ),
        ],
        note=_(
            "Qualified: an active advocate with at least one of these in the %(days)s days "
            "before the period's end: %(kinds)s. Counted at the customer account they work for "
            "now. As of %(moment)s (the previous period: %(before)s).",
            days=format_number(current.days),
            kinds=format_list(kinds, locale=locale) if kinds else _("nothing"),
            moment=moment(as_of),
            before=moment(before_as_of),
        ),
    )
