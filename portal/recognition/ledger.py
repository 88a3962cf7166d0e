"""The points ledger: the only writer of PointsEntry and Standing.

Entries are appended, never updated or deleted; a correction is a new entry. On PostgreSQL a
trigger refuses any UPDATE or DELETE of an entry, in every replication role (migration
1a3d035b452a). An award is idempotent through its unique `award_key`, settled by the database
(`INSERT ... ON CONFLICT DO NOTHING`), so a retried request, a double click or two workers at
once award once. Standings (points per advocate and period) change in the same statement batch
as the entry, so every total and leaderboard reads a summary that always equals the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import cache, clock
from portal.advocates.employment import current_job
from portal.advocates.models import Account, AdvocateProfile, Employment
from portal.advocates.visibility import shown_on_leaderboards
from portal.auth.models import Role, User
from portal.db import dialect_insert, utcnow
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.notifications.services import written_for
from portal.recognition.models import PointsEntry, PointsSource, Standing, StandingScore
from portal.signals import account_changed, advocate_changed, points_changed

# --- award keys: one per source, so a repeat of the same award is the same key --


def participation_key(participation_id: int) -> str:
    """Completing a participation (awarded once, however often it is marked)."""
    return f"participation:{participation_id}"


def reference_key(request_id: int) -> str:
    """The reference given for one request (one advocate takes a request)."""
    return f"reference:{request_id}"


def referral_key(referral_id: int, stage: str, round_: int) -> str:
    """A referral reaching a stage (round: how often its points there were reversed)."""
    return f"referral:{referral_id}:{stage}:{round_}"


def stage_of_referral_key(key: str) -> str:
    """The stage a `referral_key` was made for."""
    return key.split(":")[2]


def manual_key(by_id: int, token: str) -> str:
    """A manual award or correction: the token is new for each form shown (or each
    loaded row), so sending the same form twice awards once."""
    return f"manual:{by_id}:{token}"


def reversal_key(entry_id: int) -> str:
    """The reversal of one entry: an entry is reversed at most once."""
    return f"reverse:{entry_id}"


# --- writing --------------------------------------------------------------


def award(
    advocate_id: int,
    points: int,
    *,
    reason: str,
    key: str,
    source: PointsSource,
    source_id: int | None = None,
    by_id: int | None = None,
    at: datetime | None = None,
    corrects_id: int | None = None,
) -> PointsEntry | None:
    """Append an entry unless one with `key` exists; returns it, or None for a repeat.
    A lazy `reason` (`_l(...)`) is written in the advocate's language."""
    at, reason = at or utcnow(), written_for(advocate_id, reason)
    entry_id = db.session.execute(
        dialect_insert(PointsEntry.__table__)
        .values(
            advocate_id=advocate_id,
            points=points,
            source=source,
            source_id=source_id,
            reason=reason[:200],
            awarded_by_id=by_id,
            award_key=key,
            corrects_id=corrects_id,
            created_at=at,
        )
        .on_conflict_do_nothing(index_elements=["award_key"])
        .returning(PointsEntry.id)
    ).scalar()
    if entry_id is None:
        return None
    _add_to_standings(advocate_id, points, at)
    entry = db.session.get(PointsEntry, entry_id)
    points_changed.send(advocate_id, entry=entry)
    return entry


def award_manual(
    advocate_id: int, points: int, *, reason: str, by_id: int, token: str
) -> PointsEntry:
    """A manager's award (or, with negative points, correction) for something outside
    the portal's flows. Raises AlreadyExists when the same form was sent before."""
    entry = award(
        advocate_id,
        points,
        reason=reason,
        key=manual_key(by_id, token),
        source=PointsSource.MANUAL if points > 0 else PointsSource.CORRECTION,
        by_id=by_id,
    )
    if entry is None:
        raise AlreadyExists(_("This award was already added (the form was sent twice)."))
    return entry


def reverse(entry: PointsEntry, *, reason: str, by_id: int | None) -> PointsEntry | None:
    """Cancel an entry with an opposite one (once; a repeat does nothing). Raises
    InvalidState for a reversal: correct it with a new award instead."""
    if entry.is_reversal:
        raise InvalidState(_("A reversal can't itself be reversed; add a new award instead."))
    return award(
        entry.advocate_id,
        -entry.points,
        reason=reason,
        key=reversal_key(entry.id),
        source=PointsSource.CORRECTION,
        source_id=entry.source_id,
        by_id=by_id,
        corrects_id=entry.id,
    )


def reverse_entry(entry: PointsEntry, *, reason: str, by_id: int) -> PointsEntry:
    """A manager reverses one entry. Raises InvalidState for a reversal or a repeat."""
    reversal = reverse(entry, reason=reason, by_id=by_id)
    if reversal is None:
        raise InvalidState(_("This entry was already reversed."))
    return reversal


def entry_for_key(key: str) -> PointsEntry | None:
    return db.session.scalar(sa.select(PointsEntry).where(PointsEntry.award_key == key))


def lock_advocate(advocate_id: int) -> None:
    """One writer at a time per advocate (PostgreSQL row lock) until the transaction
    ends: their standings and the score counts move together, and a check of their
    total holds until the entry that depends on it is written."""
    db.session.execute(
        sa.select(AdvocateProfile.user_id)
        .where(AdvocateProfile.user_id == advocate_id)
        .with_for_update()
    )


def _add_to_standings(advocate_id: int, points: int, at: datetime) -> None:
    lock_advocate(advocate_id)
    cache.bump(cache.BOARDS)
    periods = clock.period_keys(at)
    details = standing_details(advocate_id)
    # Only shown advocates are counted per score, so only they need the old scores.
    before = (
        dict(
            db.session.execute(
                sa.select(Standing.period, Standing.points).where(
                    Standing.advocate_id == advocate_id, Standing.period.in_(periods)
                )
            ).all()
        )
        if details["visible"]
        else {}
    )
    statement = dialect_insert(Standing.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["advocate_id", "period"],
        set_={"points": Standing.__table__.c.points + statement.excluded.points},
    )
    db.session.execute(
        statement,
        [
            {"advocate_id": advocate_id, "period": period, "points": points, **details}
            for period in periods
        ],
    )
    if details["visible"]:
        changes = []
        for period in periods:
            if period in before:
                changes.append((period, before[period], -1))
            changes.append((period, before.get(period, 0) + points, +1))
        _count_scores(changes)


def _count_scores(changes: list[tuple[str, int, int]]) -> None:
    """Move shown advocates between scores: (period, points, +1 or -1) each. Rows are
    touched in (period, points) order: two transactions never wait on each other in
    opposite orders."""
    table = StandingScore.__table__
    for period, points, delta in sorted(changes):
        if delta > 0:
            statement = dialect_insert(table).values(period=period, points=points, advocates=delta)
            db.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["period", "points"],
                    set_={"advocates": table.c.advocates + delta},
                )
            )
        else:
            # Decrement first (the row lock orders simultaneous writers; a
            # conditional delete-or-decrement would let one of two miss), then
            # drop the row the last advocate left.
            at_score = sa.and_(table.c.period == period, table.c.points == points)
            db.session.execute(
                sa.update(table).where(at_score).values(advocates=table.c.advocates - 1)
            )
            db.session.execute(sa.delete(table).where(at_score, table.c.advocates == 0))


def _details_query():
    return (
        sa.select(
            User.id,
            sa.case((shown_on_leaderboards(), sa.true()), else_=sa.false()),
            Account.id,
            Account.industry,
            Account.region,
        )
        .select_from(User)
        .outerjoin(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .outerjoin(Employment, current_job(User.id))
        .outerjoin(Account, Account.id == Employment.account_id)
    )


_NO_DETAILS = {"visible": False, "account_id": None, "industry": None, "region": None}


def _as_details(row) -> dict:
    _, visible, account_id, industry, region = row
    return {
        "visible": bool(visible),
        "account_id": account_id,
        "industry": industry.value if industry else None,
        "region": region.value if region else None,
    }


def standing_details(advocate_id: int) -> dict:
    """What standings copy from elsewhere: shown or not, and the current company."""
    row = db.session.execute(_details_query().where(User.id == advocate_id)).first()
    if row is None:
        return dict(_NO_DETAILS)
    return _as_details(row)


def standing_details_of_advocates() -> dict[int, dict]:
    """`standing_details` of every advocate, in one query (rebuilds and bulk loads)."""
    return {
        row[0]: _as_details(row)
        for row in db.session.execute(_details_query().where(User.role == Role.ADVOCATE))
    }


def is_visible(advocate_id: int) -> bool:
    """Shown on leaderboards: an active advocate who chose to be shown."""
    return standing_details(advocate_id)["visible"]


@advocate_changed.connect
def refresh_standing_details(advocate_id: int, **_: object) -> None:
    """Bring an advocate's standings in line with their choices, account state and job
    (whenever one of those changes: profile, deactivation, a move)."""
    db.session.flush()
    lock_advocate(advocate_id)
    cache.bump(cache.BOARDS)
    details = standing_details(advocate_id)
    rows = db.session.execute(
        sa.select(Standing.period, Standing.points, Standing.visible).where(
            Standing.advocate_id == advocate_id
        )
    ).all()
    shown = details["visible"]
    _count_scores([(p, points, +1 if shown else -1) for p, points, v in rows if v != shown])
    db.session.execute(
        sa.update(Standing).where(Standing.advocate_id == advocate_id).values(**details)
    )


@account_changed.connect
def refresh_account_details(account_id: int, *, industry: str, region: str) -> None:
    """A company's industry or region changed: its advocates' standings follow."""
    cache.bump(cache.BOARDS)
    db.session.execute(
        sa.update(Standing)
        .where(Standing.account_id == account_id)
        .values(industry=industry, region=region)
    )


# --- reading (leaderboards and ranks: recognition.boards) ---------------------


def periods_of_kind(kind: str) -> sa.ColumnElement[bool]:
    """SQL on Standing: its period is of this kind ("all", "quarter" or "month")."""
    if kind == clock.ALL_TIME:
        return Standing.period == clock.ALL_TIME
    quarters = Standing.period.like("%-Q%")
    if kind == "quarter":
        return quarters
    return sa.and_(Standing.period != clock.ALL_TIME, ~quarters)


def totals_for(advocate_id: int, periods: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Standing.period, Standing.points).where(
            Standing.advocate_id == advocate_id, Standing.period.in_(periods)
        )
    )
    totals = dict.fromkeys(periods, 0)
    totals.update({period: points for period, points in rows})
    return totals


def totals_by_advocate(advocate_ids: list[int], period: str = clock.ALL_TIME) -> dict[int, int]:
    if not advocate_ids:
        return {}
    rows = db.session.execute(
        sa.select(Standing.advocate_id, Standing.points).where(
            Standing.advocate_id.in_(advocate_ids), Standing.period == period
        )
    )
    return dict(rows.all())


def total_for(advocate_id: int, period: str = clock.ALL_TIME) -> int:
    return totals_for(advocate_id, [period])[period]


def _entries_of(advocate_id: int) -> sa.Select:
    return (
        sa.select(PointsEntry)
        .where(PointsEntry.advocate_id == advocate_id)
        .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())
    )


def recent_entries(advocate_id: int, limit: int = 10) -> list[PointsEntry]:
    return list(db.session.scalars(_entries_of(advocate_id).limit(limit)))


def entries_page(advocate_id: int, *, page: int = 1, per_page: int = 25):
    """An advocate's ledger, newest first (a Flask-SQLAlchemy page)."""
    return db.paginate(_entries_of(advocate_id), page=page, per_page=per_page, error_out=False)


# --- checking -------------------------------------------------------------


def period_sums(entries: Iterable[tuple[int, int, datetime]]) -> dict[tuple[int, str], int]:
    """What the standings of these (advocate, points, created at) entries must hold:
    points per advocate and period (all time, quarter, month: `clock.period_keys`)."""
    sums: dict[tuple[int, str], int] = defaultdict(int)
    tz = clock.program_tz()
    for advocate_id, points, created_at in entries:
        for period in clock.period_keys(created_at, tz):
            sums[(advocate_id, period)] += points
    return sums


def _sums_from_entries() -> dict[tuple[int, str], int]:
    query = sa.select(PointsEntry.advocate_id, PointsEntry.points, PointsEntry.created_at)
    return period_sums(db.session.execute(query.execution_options(yield_per=10_000)))


def mismatches() -> Iterator[tuple[int, str, int, int]]:
    """(advocate, period, standing, ledger) wherever a standing differs from its entries."""
    expected = _sums_from_entries()
    actual = {
        (advocate_id, period): points
        for advocate_id, period, points in db.session.execute(
            sa.select(Standing.advocate_id, Standing.period, Standing.points)
        )
    }
    for key in sorted(expected.keys() | actual.keys()):
        if expected.get(key, 0) != actual.get(key, 0):
            yield key[0], key[1], actual.get(key, 0), expected.get(key, 0)


def rebuild_standings() -> int:
    """Recompute every standing from the ledger; returns how many rows were written."""
    expected = _sums_from_entries()
    db.session.execute(sa.delete(Standing))
    details = standing_details_of_advocates()
    rows = [
        {"advocate_id": a, "period": p, "points": points, **details.get(a, _NO_DETAILS)}
        for (a, p), points in expected.items()
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(Standing), rows[start : start + 5000])
    rebuild_scores()
    return len(rows)


def _scores_from_standings():
    return (
        sa.select(Standing.period, Standing.points, sa.func.count().label("advocates"))
        .where(Standing.visible.is_(True))
        .group_by(Standing.period, Standing.points)
    )


def score_mismatches() -> list[tuple[str, int, int, int]]:
    """(period, points, kept, actual) wherever a score count differs from the standings."""
    kept = {
        (period, points): advocates
        for period, points, advocates in db.session.execute(
            sa.select(StandingScore.period, StandingScore.points, StandingScore.advocates)
        )
    }
    actual = {
        (period, points): advocates
        for period, points, advocates in db.session.execute(_scores_from_standings())
    }
    return [
        (period, points, kept.get((period, points), 0), actual.get((period, points), 0))
        for period, points in sorted(kept.keys() | actual.keys())
        if kept.get((period, points), 0) != actual.get((period, points), 0)
    ]


def rebuild_scores() -> None:
    """Recount the shown advocates per score from the standings."""
    cache.bump(cache.BOARDS)
    db.session.execute(sa.delete(StandingScore))
    db.session.execute(
        sa.insert(StandingScore).from_select(
            ["period", "points", "advocates"], _scores_from_standings()
        )
    )
