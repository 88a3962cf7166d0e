"""Board pages come from a cache that every change to what they show moves on, at once."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from portal.advocates.employment import current_employment
from portal.advocates.models import Account
from portal.auth.models import User
from portal.extensions import db
from portal.recognition.models import Tier
from tests.helpers import text


def _first_row(client, path: str = "/leaderboard") -> str:
    page = text(client.get(path))
    match = re.search(r"Points\s+(1 .*?)(?:\s+2 |\s+Page)", page)
    return match.group(1) if match else page


def test_a_cached_board_costs_two_queries_and_shows_an_award_at_once(
    app, make, login, count_queries
):
    leader = make.advocate(name="Lena Leader")
    make.points(leader, 500)
    chaser = make.advocate(name="Chad Chaser")
    make.points(chaser, 400)
    viewer = make.advocate(name="Vic Viewer")
    board = login(viewer)
    assert "Lena Leader" in _first_row(board)
    with count_queries() as counted:
        again = board.get("/leaderboard")
    assert again.status_code == 200
    # The session check, then the viewer's standing with the boards' version.
    assert counted.total == 2, counted.statements

    manager = app.test_client()
    manager.post(
        "/auth/sign-in",
        data={"email": make.manager().email, "password": "correct horse battery staple"},
    )
    response = manager.post(
        f"/manage/advocates/{chaser.id}/points",
        data={"points": "250", "reason": "Keynote", "key": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    first = _first_row(board)
    assert "Chad Chaser" in first and "650" in first
    assert "Chad Chaser" in _first_row(board, "/leaderboard?period=quarter")


def test_names_companies_tiers_and_visibility_on_a_cached_board_are_fresh(app, make, login):
    leader = make.advocate(name="Lena Leader")
    make.points(leader, 500)
    board = login(make.advocate(name="Vic Viewer"))
    assert "Lena Leader" in _first_row(board)

    with app.app_context():
        db.session.get(User, leader.id).name = "Lena Renamed"
        db.session.commit()
    assert "Lena Renamed" in _first_row(board)

    with app.app_context():
        account = db.session.get(Account, current_employment(leader.id).account_id)
        account_id = account.id
        account.name = "Renamed Industries"
        db.session.commit()
    assert "Renamed Industries" in text(board.get(f"/leaderboard?account={account_id}"))

    with app.app_context():
        for tier in db.session.scalars(sa.select(Tier)):
            tier.name = f"{tier.name} Club"
        db.session.commit()
    assert "Club" in _first_row(board)

    with app.app_context():
        db.session.get(User, leader.id).profile.show_on_leaderboard = False
        from portal.signals import advocate_changed

        advocate_changed.send(leader.id)
        db.session.commit()
    assert "Lena Renamed" not in text(board.get("/leaderboard"))


def test_a_company_board_of_no_company_is_the_whole_board(make, login):
    make.points(make.advocate(name="Lena Leader"), 500)
    board = login(make.advocate(name="Vic Viewer"))
    page = text(board.get("/leaderboard?account=999999"))
    assert "Lena Leader" in page and "Everyone" not in page


def test_a_changed_tier_shows_on_opportunities_at_once(app, make, login, count_queries):
    opportunity = make.opportunity(title="Insiders only", min_tier="Insider")
    client = login(make.advocate())
    assert "Open to the Insider tier" in text(client.get(f"/opportunities/{opportunity.id}"))
    with count_queries() as counted:
        client.get(f"/opportunities/{opportunity.id}")
    # Session, the opportunity, the advocate's participation, their context and the
    # tiers' version: the tiers themselves come from the cache.
    assert counted.total == 4, counted.statements
    with app.app_context():
        tier = db.session.scalar(sa.select(Tier).where(Tier.name == "Insider"))
        tier.name, tier.threshold = "Inner Circle", 7
        db.session.commit()
    page = text(client.get(f"/opportunities/{opportunity.id}"))
    assert "Open to the Inner Circle tier" in page, page
    assert "Inner Circle" in text(client.get("/opportunities"))


def test_the_benchmarks_read_the_first_row_of_the_real_board(make, login):
    """bench and bench.soak check freshness by reading the board's first row."""
    from bench.__main__ import _first_row as bench_first_row

    leader = make.advocate(name="Lena O'Leader")
    make.points(leader, 12500)
    page = login(make.advocate(name="Vic Viewer")).get("/leaderboard").get_data(as_text=True)
    assert bench_first_row(page) == ("Lena O'Leader", "12,500")
