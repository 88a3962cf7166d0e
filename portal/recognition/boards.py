"""Leaderboards and ranks, read from the standings the ledger keeps.

Dense ranks: ties share a rank, and the next score is the next rank. A
whole board's rank counts the distinct scores above (`StandingScore`, a few
thousand rows at most); a board filtered to one industry, region or company
counts its standings. Every board is an index range scan on the standings.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, aliased

from portal import cache
from portal.advocates.employment import current_job
from portal.advocates.models import Account, AdvocateProfile, Employment
from portal.auth.models import User
from portal.db import contains_text
from portal.extensions import db
from portal.recognition.models import Standing, StandingScore, Tier

# What a board shows besides the standings (which recognition.ledger keeps, moving
# the cache's version itself): a change to one of these moves it too.
_SHOWN = {
    User: ("name", "active", "role"),
    AdvocateProfile: ("current_tier_id", "show_on_leaderboard"),
    Employment: ("account_id", "ended_on"),
    Account: ("name",),
    Tier: ("name",),
}


@event.listens_for(Session, "before_flush")
def _names_on_boards_changed(session: Session, _context, _instances) -> None:
    for instance in (*session.new, *session.deleted):
        if type(instance) in _SHOWN:
            cache.bump(cache.BOARDS, session)
            return
    for instance in session.dirty:
        attributes = _SHOWN.get(type(instance))
        if attributes and any(
            sa.inspect(instance).attrs[name].history.has_changes() for name in attributes
        ):
            cache.bump(cache.BOARDS, session)
            return


@dataclass(frozen=True)
class BoardRow:
    rank: int
    advocate_id: int
    name: str
    company: str | None
    tier: str | None
    points: int


@dataclass(frozen=True)
class BoardFilter:
    """Narrow a board to one industry, region or company (`kind` names the column)."""

    kind: str  # "industry", "region" or "account"
    value: str | int

    def clause(self) -> sa.ColumnElement[bool]:
        column = {
            "industry": Standing.industry,
            "region": Standing.region,
            "account": Standing.account_id,
        }[self.kind]
        return column == self.value


def _board(period: str, board_filter: BoardFilter | None) -> list[sa.ColumnElement[bool]]:
    where = [Standing.period == period, Standing.visible.is_(True)]
    if board_filter is not None:
        where.append(board_filter.clause())
    return where


# Made once: building an alias per call costs more than the query's round trip.
_OTHER = aliased(Standing, name="other")


def _points_above(period, points, board_filter: BoardFilter | None = None) -> sa.ScalarSelect:
    """How many distinct scores of shown advocates (in the filter) beat `points`."""
    where = [_OTHER.period == period, _OTHER.visible.is_(True), _OTHER.points > points]
    if board_filter is not None:
        where.append(
            {
                "industry": _OTHER.industry,
                "region": _OTHER.region,
                "account": _OTHER.account_id,
            }[board_filter.kind]
            == board_filter.value
        )
    return sa.select(sa.func.count(sa.distinct(_OTHER.points))).where(*where).scalar_subquery()


def _scores_above(period, points) -> sa.ScalarSelect:
    """Distinct scores of shown advocates above `points`, from the score counts."""
    return (
        sa.select(sa.func.count())
        .select_from(StandingScore)
        .where(
            StandingScore.period == period,
            StandingScore.points > points,
            StandingScore.advocates > 0,
        )
        .scalar_subquery()
    )


def dense_rank(period: str, points: int, board_filter: BoardFilter | None = None) -> int:
    """1 + the number of distinct scores above `points` among shown advocates.

    A whole board counts its score rows; a filtered board (one industry,
    region or company: a fraction of the advocates) counts its standings.
    """
    if board_filter is None:
        return db.session.scalar(sa.select(_scores_above(period, points))) + 1
    return db.session.scalar(sa.select(_points_above(period, points, board_filter))) + 1


def leaderboard(
    period: str,
    *,
    board_filter: BoardFilter | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[BoardRow], bool]:
    """One page of the board (dense ranks: ties share a rank) and whether more follow.

    Three small queries whatever the size (the page from the board index, the
    rank of its first score, names, companies and tiers of the page's people)
    rather than one wide join: PostgreSQL plans each request afresh, and
    planning the join cost more than running it. The rows skipped by the
    offset are read from the board index alone.
    """
    rows = db.session.execute(
        sa.select(Standing.advocate_id, Standing.points)
        .where(*_board(period, board_filter))
        .order_by(Standing.points.desc(), Standing.advocate_id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], False
    details = {
        advocate_id: (name, company, tier)
        for advocate_id, name, company, tier in db.session.execute(
            sa.select(User.id, User.name, Account.name, Tier.name)
            .outerjoin(AdvocateProfile, AdvocateProfile.user_id == User.id)
            .outerjoin(Employment, current_job(User.id))
            .outerjoin(Account, Account.id == Employment.account_id)
            .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
            .where(User.id.in_([row[0] for row in rows]))
        )
    }
    rank = dense_rank(period, rows[0][1], board_filter)
    board: list[BoardRow] = []
    previous_points = rows[0][1]
    for advocate_id, points in rows:
        if points != previous_points:
            rank += 1
            previous_points = points
        name, company, tier = details[advocate_id]
        board.append(BoardRow(rank, advocate_id, name, company, tier, points))
    return board, has_more


def board_size(period: str, board_filter: BoardFilter | None = None) -> int:
    """How many advocates a board shows: from the score counts for a whole board."""
    if board_filter is None:
        total = db.session.scalar(
            sa.select(sa.func.sum(StandingScore.advocates)).where(StandingScore.period == period)
        )
    else:
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(Standing).where(*_board(period, board_filter))
        )
    return int(total or 0)


def search(
    period: str, text: str, *, board_filter: BoardFilter | None = None, limit: int = 50
) -> list[BoardRow]:
    """The board's rows whose names contain `text`, highest first, with their real ranks."""
    above = (
        _scores_above(Standing.period, Standing.points)
        if board_filter is None
        else _points_above(Standing.period, Standing.points, board_filter)
    )
    rows = db.session.execute(
        sa.select(Standing.advocate_id, Standing.points, above, User.name, Account.name, Tier.name)
        .join(User, User.id == Standing.advocate_id)
        .outerjoin(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .outerjoin(Employment, current_job(User.id))
        .outerjoin(Account, Account.id == Employment.account_id)
        .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .where(*_board(period, board_filter), contains_text(User.name, text))
        .order_by(Standing.points.desc(), Standing.advocate_id)
        .limit(limit)
    ).all()
    return [
        BoardRow(scores_above + 1, advocate_id, name, company, tier, points)
        for advocate_id, points, scores_above, name, company, tier in rows
    ]


@dataclass(frozen=True)
class MyStanding:
    points: int
    rank: int | None  # among shown advocates, as if shown; None without points


def standings_of(advocate_id: int, periods: list[str]) -> dict[str, MyStanding]:
    """An advocate's points and dense rank in each period, in one query."""
    return standings_from(db.session.execute(standing_rows(advocate_id, periods)), periods)


def standing_rows(advocate_id: int, periods: list[str]) -> sa.Select:
    """SQL: (period, points, above) of the advocate's standings in these periods."""
    return (
        sa.select(
            Standing.period,
            Standing.points,
            _scores_above(Standing.period, Standing.points).label("above"),
        )
        .where(Standing.advocate_id == advocate_id, Standing.period.in_(periods))
        .order_by(Standing.period)
    )


def standings_from(rows, periods: list[str]) -> dict[str, MyStanding]:
    """`standings_of` from the rows of `standing_rows`."""
    found = {row.period: MyStanding(row.points, row.above + 1) for row in rows}
    return {period: found.get(period, MyStanding(0, None)) for period in periods}


def standing_of(
    advocate_id: int, period: str, board_filter: BoardFilter | None = None
) -> tuple[int, int | None]:
    """(points, rank among shown advocates as if shown); the rank is None without
    points, or when the advocate is outside the filter."""
    row = db.session.execute(
        sa.select(Standing).where(Standing.advocate_id == advocate_id, Standing.period == period)
    ).scalar()
    if row is None:
        return 0, None
    if board_filter is not None:
        value = {"industry": row.industry, "region": row.region, "account": row.account_id}[
            board_filter.kind
        ]
        if value != board_filter.value:
            return row.points, None
    return row.points, dense_rank(period, row.points, board_filter)


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    has_more: bool
    pages: int


def board_page(
    period: str, board_filter: BoardFilter | None, page: int, page_size: int, at_version: int
) -> BoardPage:
    """One page of a board as everyone sees it, reused while the boards' version
    (`Viewer.version`, read before) stays the same."""

    def compute() -> BoardPage:
        rows, has_more = leaderboard(
            period, board_filter=board_filter, offset=(page - 1) * page_size, limit=page_size
        )
        pages = max(1, -(-board_size(period, board_filter) // page_size))
        return BoardPage(rows, has_more, pages)

    key = (period, board_filter, page, page_size)
    return cache.cached(cache.BOARDS, at_version, key, compute)


@dataclass(frozen=True)
class Viewer:
    """What a board page needs about the person looking at it, from one query."""

    version: int  # of the boards' cache, read before any board row
    points: int
    rank: int | None  # on the whole board, as if shown; None without points
    filtered_rank: int | None  # on the asked-for board, None outside it
    account_name: str | None  # of the asked-for company, None if there is none
    job_account_id: int | None
    job_account_name: str | None

    def rank_on(self, board_filter: BoardFilter | None) -> int | None:
        return self.rank if board_filter is None else self.filtered_rank


_JOB_ACCOUNT = aliased(Account, name="job_account")
_ASKED_ACCOUNT = aliased(Account, name="asked_account")


def viewer(user_id: int, period: str, board_filter: BoardFilter | None) -> Viewer:
    """The cache's version, the person's points and ranks (whole board and the asked
    filter), their current company, and the asked company's name: one round trip.

    An "account" filter may name no company: the page then shows the whole board.
    """
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    in_filter: sa.ColumnElement = sa.null()
    filtered: sa.ColumnElement = sa.null()
    account_name: sa.ColumnElement = sa.null()
    if board_filter is not None:
        in_filter = board_filter.clause()
        filtered = _points_above(period, Standing.points, board_filter)
    if board_filter is not None and board_filter.kind == "account":
        account_name = (
            sa.select(_ASKED_ACCOUNT.name)
            .where(_ASKED_ACCOUNT.id == board_filter.value)
            .scalar_subquery()
        )
    row = db.session.execute(
        sa.select(
            cache.version_column(cache.BOARDS),
            Standing.points,
            _scores_above(period, Standing.points),
            in_filter,
            filtered,
            account_name,
            Employment.account_id,
            _JOB_ACCOUNT.name,
        )
        .select_from(one)
        .outerjoin(Standing, sa.and_(Standing.advocate_id == user_id, Standing.period == period))
        .outerjoin(Employment, current_job(user_id))
        .outerjoin(_JOB_ACCOUNT, _JOB_ACCOUNT.id == Employment.account_id)
    ).one()
    version, points, above, inside, filtered_above, name, job_account_id, job_name = row
    has_points = points is not None
    return Viewer(
        version=version,
        points=points or 0,
        rank=above + 1 if has_points else None,
        filtered_rank=filtered_above + 1 if has_points and inside else None,
        account_name=name,
        job_account_id=job_account_id,
        job_account_name=job_name,
    )
