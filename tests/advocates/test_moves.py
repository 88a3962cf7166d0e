"""Champions who move: an advocate records a new job; staff see the champion; nothing is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import clock
from portal.advocates.models import Account, AccountKind, Employment, Industry, Region, SizeBand
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.notifications.models import Notification
from portal.recognition import ledger
from tests.helpers import page, text


def _today(app):
    with app.app_context():
        return clock.today()


def test_an_advocate_records_a_move_to_a_new_company(app, make, login, client):
    old = make.account(name="Initech")
    advocate = make.advocate(name="Rosa Diaz", account=old)
    make.points(advocate, 120)
    client = login(advocate)
    started = (_today(app) - timedelta(days=3)).isoformat()
    response = client.post(
        "/profile/move",
        data={
            "company": "  Hooli   Labs ",
            "title": "Chief Data Officer",
            "started_on": started,
            "industry": "technology",
            "region": "unknown",
            "size_band": "unknown",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        account = db.session.scalar(sa.select(Account).where(Account.name == "Hooli Labs"))
        assert account.kind == AccountKind.PROSPECT
        assert (account.industry, account.region, account.size_band) == (
            Industry.TECHNOLOGY,
            Region.UNKNOWN,
            SizeBand.UNKNOWN,
        )
        jobs = db.session.scalars(
            sa.select(Employment).where(Employment.user_id == advocate.id).order_by(Employment.id)
        ).all()
        assert [(j.account_id, j.ended_on is None) for j in jobs] == [
            (old.id, False),
            (account.id, True),
        ]
        assert jobs[1].moved_from_id == jobs[0].id and jobs[1].recorded_by_id == advocate.id
        assert ledger.total_for(advocate.id) == 120
    profile = text(client.get("/profile"))
    assert (
        "Chief Data Officer , Hooli Labs" in profile or "Chief Data Officer, Hooli Labs" in profile
    )


def test_the_company_is_matched_in_any_case_and_its_owner_is_told(app, make, login):
    owner = make.manager(name="Owen Owner")
    target = make.account(name="Globex Analytics")
    with app.app_context():
        db.session.get(Account, target.id).owner_id = owner.id
        db.session.commit()
    advocate = make.advocate(name="Rosa Diaz")
    client = login(advocate)
    response = client.post(
        "/profile/move",
        data={
            "company": "GLOBEX analytics",
            "title": "Head of BI",
            "started_on": _today(app).isoformat(),
            "industry": "unknown",
            "region": "unknown",
            "size_band": "unknown",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 2
        note = db.session.scalar(sa.select(Notification).where(Notification.user_id == owner.id))
        assert "Rosa Diaz" in note.message and "Globex Analytics" in note.message
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "champion_moved")
        )
        assert mail.to_address == owner.email
    referred = {
        "name": "Sam Okafor",
        "email": "sam@initech.example",
        "company": "Initech",
        "role": "CTO",
        "why": "Reports by hand.",
        "peer_agreed": "y",
    }
    assert client.post("/referrals/new", data=referred).status_code == 302
    client.post("/auth/sign-out")
    login(make.manager())
    champions = text(client.get("/manage/champions"))
    assert "Rosa Diaz" in champions and "Globex Analytics" in champions
    assert "Customer" in champions and "Owen Owner" in champions
    assert "Initech (New)" in champions  # the referrals that came from them


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"company": ""}, "This field is required."),
        ({"title": "   "}, "This field is required."),
        ({"started_on": ""}, "Enter a date."),
        ({"started_on": "tomorrow"}, "Not a valid date value."),
        ({"started_on": "FUTURE"}, "Record your new job once you have started it."),
        ({"started_on": "1950-01-01"}, "The new job can't start before the current one."),
        ({"company": "CURRENT"}, "already works at"),
        ({"industry": "space"}, "Not a valid choice"),
    ],
)
def test_bad_moves_change_nothing(app, make, login, change, message):
    current = make.account(name="Initech")
    advocate = make.advocate(account=current)
    data = {
        "company": "Hooli",
        "title": "CTO",
        "started_on": _today(app).isoformat(),
        "industry": "unknown",
        "region": "unknown",
        "size_band": "unknown",
        **change,
    }
    if data["started_on"] == "FUTURE":
        data["started_on"] = (_today(app) + timedelta(days=5)).isoformat()
    if data["company"] == "CURRENT":
        data["company"] = "initech"
    response = login(advocate).post("/profile/move", data=data)
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Employment)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 1


def test_leaderboard_filters_follow_the_new_company(app, make, login):
    advocate = make.advocate(name="Rosa Diaz")
    make.points(advocate, 75)
    target = make.account(name="Globex", industry=Industry.RETAIL)
    client = login(advocate)
    client.post(
        "/profile/move",
        data={
            "company": "Globex",
            "title": "CTO",
            "started_on": _today(app).isoformat(),
            "industry": "unknown",
            "region": "unknown",
            "size_band": "unknown",
        },
    )
    board = text(client.get(f"/leaderboard?account={target.id}"))
    assert "Rosa Diaz" in board
    assert "Rosa Diaz" in text(client.get("/leaderboard?industry=retail"))
    assert "Rosa Diaz" not in text(client.get("/leaderboard?industry=technology"))
