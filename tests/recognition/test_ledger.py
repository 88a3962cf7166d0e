"""The ledger: append-only, idempotent, and its standings always equal its entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal import clock
from portal.auth import services as auth_services
from portal.errors import InvalidState
from portal.extensions import db
from portal.recognition import boards, ledger
from portal.recognition.models import PointsEntry, PointsSource, Standing

pytestmark = pytest.mark.usefixtures("ctx")


def _award(advocate, points, key, at=None):
    return ledger.award(
        advocate.id, points, reason="Because", key=key, source=PointsSource.MANUAL, at=at
    )


def test_an_award_key_is_used_once(make):
    advocate = make.advocate()
    assert _award(advocate, 50, "k1") is not None
    assert _award(advocate, 50, "k1") is None
    assert _award(advocate, 70, "k1") is None
    assert ledger.total_for(advocate.id) == 50
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 1


def test_reversal_is_a_new_entry_and_happens_once(make):
    advocate = make.advocate()
    entry = _award(advocate, 40, "k")
    correction = ledger.reverse(entry, reason="Entered twice", by_id=None)
    assert correction.points == -40 and correction.corrects_id == entry.id
    assert correction.source == PointsSource.CORRECTION
    assert ledger.reverse(entry, reason="Again", by_id=None) is None
    assert ledger.total_for(advocate.id) == 0
    assert entry.points == 40  # the original is untouched


def test_a_reversal_cannot_itself_be_reversed(make):
    advocate = make.advocate()
    correction = ledger.reverse(_award(advocate, 40, "k"), reason="Mistake", by_id=None)
    with pytest.raises(InvalidState, match="can't itself be reversed"):
        ledger.reverse(correction, reason="Undo the undo", by_id=None)
    assert ledger.total_for(advocate.id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 2


def test_standings_follow_the_program_quarter_and_month(make, app):
    # The tests run the program in Pacific/Auckland (UTC+13 in summer).
    assert app.config["PROGRAM_TIMEZONE"] == "Pacific/Auckland"
    advocate = make.advocate()
    new_year_in_auckland = datetime(2026, 12, 31, 11, 30, tzinfo=UTC)  # 00:30 on 1 Jan there
    last_of_year = datetime(2026, 12, 31, 10, 30, tzinfo=UTC)  # 23:30 on 31 Dec there
    _award(advocate, 10, "a", at=last_of_year)
    _award(advocate, 20, "b", at=new_year_in_auckland)
    totals = ledger.totals_for(advocate.id, ["all", "2026-Q4", "2027-Q1", "2026-12", "2027-01"])
    assert totals == {"all": 30, "2026-Q4": 10, "2027-Q1": 20, "2026-12": 10, "2027-01": 20}


def test_check_finds_nothing_after_awards_and_reversals(make):
    first, second = make.advocate(), make.advocate()
    for number in range(5):
        _award(first, 10 * number + 5, f"f{number}")
    entry = _award(second, 99, "s")
    ledger.reverse(entry, reason="Oops", by_id=None)
    assert list(ledger.mismatches()) == []


def test_check_reports_a_tampered_standing_and_rebuild_repairs_it(make):
    advocate = make.advocate()
    _award(advocate, 30, "x")
    db.session.execute(sa.update(Standing).where(Standing.period == "all").values(points=31))
    assert list(ledger.mismatches()) == [(advocate.id, "all", 31, 30)]
    ledger.rebuild_standings()
    assert list(ledger.mismatches()) == []
    assert ledger.total_for(advocate.id) == 30


def test_hidden_and_deactivated_advocates_leave_the_board(make):
    shown = make.advocate(name="Shown Person")
    hidden = make.advocate(name="Hidden Person", shown=False)
    leaving = make.advocate(name="Leaving Person")
    for person, points in ((shown, 10), (hidden, 30), (leaving, 20)):
        _award(person, points, f"p{person.id}")
    names = [row.name for row in boards.leaderboard("all")[0]]
    assert names == ["Leaving Person", "Shown Person"]
    auth_services.deactivate(leaving)
    assert [row.name for row in boards.leaderboard("all")[0]] == ["Shown Person"]
    # The hidden advocate still learns where they would stand.
    assert boards.standing_of(hidden.id, "all") == (30, 1)


def test_ties_share_a_dense_rank(make):
    people = [make.advocate(name=f"P{n}") for n in range(5)]
    for person, points in zip(people, (50, 40, 40, 30, 10), strict=True):
        _award(person, points, f"t{person.id}")
    rows, has_more = boards.leaderboard("all")
    assert [(row.rank, row.points) for row in rows] == [(1, 50), (2, 40), (2, 40), (3, 30), (4, 10)]
    assert not has_more
    page_two, _ = boards.leaderboard("all", offset=2, limit=2)
    assert [(row.rank, row.points) for row in page_two] == [(2, 40), (3, 30)]


def test_quarter_board_counts_only_this_quarter(make):
    advocate = make.advocate()
    quarter = clock.current_period("quarter")
    _award(advocate, 100, "old", at=quarter.starts_at.replace(year=quarter.starts_at.year - 1))
    _award(advocate, 7, "new")
    rows, _ = boards.leaderboard(quarter.key)
    assert [(row.name, row.points) for row in rows] == [(advocate.name, 7)]


def test_standings_of_gives_points_and_ranks_of_several_periods_in_one_query(make, count_queries):
    quarter = clock.current_period("quarter")
    last_year = quarter.starts_at.replace(year=quarter.starts_at.year - 1)
    me = make.advocate(shown=False)
    others = [make.advocate() for _ in range(3)]
    for person, points in zip(others, (90, 60, 60), strict=True):
        _award(person, points, f"o{person.id}")
    _award(me, 70, "old", at=last_year)  # all time only
    with count_queries() as counted:
        mine = boards.standings_of(me.id, [clock.ALL_TIME, quarter.key, "1999-01"])
    assert counted.total == 1
    # Hidden, but told where they would stand: behind 90, ahead of the two 60s.
    assert mine[clock.ALL_TIME] == boards.MyStanding(70, 2)
    assert mine[quarter.key] == boards.MyStanding(0, None)
    assert mine["1999-01"] == boards.MyStanding(0, None)
    assert boards.standing_of(others[1].id, clock.ALL_TIME) == (60, 2)
    assert boards.standing_of(others[2].id, quarter.key) == (60, 2)


def test_board_rows_carry_company_and_tier(make):
    account = make.account(name="Northwind Bank")
    person = make.advocate(name="Company Person", account=account)
    nobody = make.advocate(name="No Job Person")
    db.session.execute(sa.text("DELETE FROM employment WHERE user_id = :id"), {"id": nobody.id})
    _award(person, 150, "c1")
    _award(nobody, 20, "c2")
    rows, _ = boards.leaderboard(clock.ALL_TIME)
    assert [(r.name, r.company, r.tier, r.points, r.rank) for r in rows] == [
        ("Company Person", "Northwind Bank", "Member", 150, 1),
        ("No Job Person", None, "Member", 20, 2),
    ]


def test_score_counts_follow_awards_reversals_and_visibility(make, runner):
    people = [make.advocate() for _ in range(4)]
    entries = [_award(person, 30, f"s{person.id}") for person in people]
    _award(people[0], 10, "extra")
    ledger.reverse(entries[1], reason="Oops", by_id=None)
    auth_services.deactivate(people[2])
    db.session.commit()
    assert ledger.score_mismatches() == []
    assert boards.dense_rank("all", 30) == 2  # only 40 is above
    # A tampered count is found by `ledger check` and fixed by `ledger rebuild`.
    from portal.recognition.models import StandingScore

    db.session.execute(sa.update(StandingScore).values(advocates=StandingScore.advocates + 1))
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1 and "score" in result.output
    assert runner.invoke(args=["ledger", "rebuild"]).exit_code == 0
    db.session.expire_all()
    assert ledger.score_mismatches() == []


# --- PostgreSQL refuses to change the ledger, even in replica mode ------------

REFUSED = "points_entry is append-only"
TAMPERING = {
    "update": lambda entry_id: (
        sa.update(PointsEntry).where(PointsEntry.id == entry_id).values(points=1000)
    ),
    "delete": lambda entry_id: sa.delete(PointsEntry).where(PointsEntry.id == entry_id),
}


def _set_replication_role(role: str) -> None:
    # What the bulk loader does for its COPY: replica mode switches off
    # ordinary triggers (needs a superuser, as the tests connect).
    db.session.execute(sa.text(f"SET LOCAL session_replication_role = {role}"))
    assert db.session.scalar(sa.text("SHOW session_replication_role")) == role


@pytest.mark.postgresql
@pytest.mark.parametrize("role", ["origin", "replica"])
@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_the_database_refuses_to_change_or_remove_an_entry(make, change, role):
    advocate = make.advocate()
    entry_id = _award(advocate, 40, "k").id
    db.session.commit()
    _set_replication_role(role)
    with pytest.raises(sa.exc.IntegrityError, match=REFUSED):
        db.session.execute(TAMPERING[change](entry_id))
    db.session.rollback()
    assert db.session.scalars(sa.select(PointsEntry.points)).all() == [40]


@pytest.mark.postgresql
@pytest.mark.parametrize("role", ["origin", "replica"])
def test_the_ledger_still_appends_while_tampering_is_refused(make, runner, role):
    advocate = make.advocate()
    _set_replication_role(role)
    entry = _award(advocate, 40, "first")
    with pytest.raises(sa.exc.IntegrityError, match=REFUSED), db.session.begin_nested():
        db.session.execute(TAMPERING["update"](entry.id))
    ledger.reverse(entry, reason="Entered twice", by_id=None)
    _award(advocate, 15, "second")
    db.session.commit()
    assert ledger.total_for(advocate.id) == 15
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
