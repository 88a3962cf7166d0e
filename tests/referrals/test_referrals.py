"""Referrals through HTTP: refer, duplicates, the staff pipeline, points per stage, privacy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.recognition import badges, ledger
from portal.recognition.models import BadgeAward, PointsEntry, PointsSource
from portal.referrals import services
from portal.referrals.models import Referral, ReferralStage
from tests.helpers import page, text

PEER = {
    "name": "Sam Okafor",
    "email": "sam.okafor@initech.example",
    "company": "Initech",
    "role": "VP Operations",
    "why": "They reconcile reports by hand every month.",
    "peer_agreed": "y",
}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _referral_points(app, advocate_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.advocate_id == advocate_id,
                PointsEntry.source.in_([PointsSource.REFERRAL, PointsSource.CORRECTION]),
            )
        )


def _only_referral(app) -> Referral:
    with app.app_context():
        referral = db.session.scalar(sa.select(Referral))
        db.session.expunge(referral)
        return referral


def test_the_whole_pipeline_through_http(app, make, client, login):
    advocate = make.advocate(name="Ada Lovelace")
    manager = make.manager(name="Mona Manager")
    login(advocate)
    response = client.post("/referrals/new", data={**PEER, "send_introduction": "y"})
    assert response.status_code == 302
    referral = _only_referral(app)
    assert referral.stage == ReferralStage.NEW and referral.send_introduction
    with app.app_context():
        intro = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "referral_introduction")
        )
        assert intro.to_address == PEER["email"] and "Ada Lovelace" in intro.text_body
    assert "Sam Okafor" in text(client.get("/referrals"))
    client.post("/auth/sign-out")

    login(manager)
    assert "Sam Okafor" in text(client.get("/manage/referrals"))
    url = f"/manage/referrals/{referral.id}"
    steps = [
        ({"stage": "contacted"}, 0),
        ({"stage": "qualified"}, 50),
        ({"stage": "won", "revenue": "120000"}, 300),
        ({"stage": "qualified"}, 50),  # moved back: the win's points are reversed
        ({"stage": "won", "revenue": "90000"}, 300),  # and earned again
    ]
    for data, points in steps:
        response = client.post(f"{url}/move", data=data)
        assert response.status_code == 302, page(response)
        assert _referral_points(app, advocate.id) == points, data
    response = client.post(f"{url}/owner", data={"owner": str(manager.id)})
    assert response.status_code == 302
    detail = text(client.get(url))
    assert "Owner: Mona Manager" in detail and "Revenue $90,000" in detail
    referral = _only_referral(app)
    assert referral.revenue == 90000 and referral.owner_id == manager.id
    assert referral.open_email is None  # closed: the same peer may be referred again
    with app.app_context():
        assert list(ledger.mismatches()) == []
    client.post("/auth/sign-out")

    login(advocate)
    assert "Your referral of Sam Okafor is won." in text(client.get("/notifications"))
    mine = text(client.get(f"/referrals/{referral.id}"))
    assert "Won" in mine and "300" in mine
    assert "300 pts" in text(client.get("/referrals"))


def test_a_lost_referral_needs_a_reason_and_keeps_what_it_earned(app, make, login):
    advocate = make.advocate()
    with app.app_context():
        referral = services.refer(
            db.session.get(type(advocate), advocate.id),
            services.PeerDetails("Sam", "sam@initech.example", "Initech", "CTO", "Why", True),
        )
        db.session.commit()
        referral_id = referral.id
    client = login(make.manager())
    url = f"/manage/referrals/{referral_id}/move"
    client.post(url, data={"stage": "qualified"})
    response = client.post(url, data={"stage": "lost"})
    assert response.status_code == 422 and "Say why the referral was lost." in page(response)
    assert _only_referral(app).stage == ReferralStage.QUALIFIED
    assert client.post(url, data={"stage": "lost", "lost_reason": "No budget"}).status_code == 302
    assert _referral_points(app, advocate.id) == 50
    assert _only_referral(app).lost_reason == "No budget"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stage": "won"}, "Enter the revenue won"),
        ({"stage": "won", "revenue": "-5"}, "Number must be between 0"),
        ({"stage": "won", "revenue": "lots"}, "Not a valid integer value."),
        ({"stage": "new"}, "This referral is already new."),
        ({"stage": "closed"}, "Not a valid choice"),
    ],
)
def test_bad_moves_change_nothing(app, make, login, data, message):
    advocate = make.advocate()
    with app.app_context():
        services.refer(
            db.session.get(type(advocate), advocate.id),
            services.PeerDetails("Sam", "sam@initech.example", "Initech", "CTO", "Why", True),
        )
        db.session.commit()
    referral = _only_referral(app)
    response = login(make.manager()).post(f"/manage/referrals/{referral.id}/move", data=data)
    assert response.status_code == 422
    assert message in page(response)
    assert _only_referral(app).stage == ReferralStage.NEW
    assert _referral_points(app, advocate.id) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"peer_agreed": ""}, "Ask them first: we contact only people who agreed."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"why": "   "}, "This field is required."),
        ({"company": "x" * 161}, "Field cannot be longer than 160 characters."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_referrals_change_nothing(app, make, login, change, message):
    client = login(make.advocate())
    response = client.post("/referrals/new", data={**PEER, **change})
    assert response.status_code == 422
    assert message in page(response)
    assert _count(app, Referral) == 0


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ({"email": "SAM.OKAFOR@initech.example", "company": "Other"}, services.SAME_PERSON),
        ({"email": "pat@initech.example", "company": "Anything"}, services.SAME_COMPANY),
        ({"email": "pat@gmail.com", "company": "INITECH"}, services.SAME_COMPANY),
    ],
)
def test_duplicates_are_caught_without_naming_anyone(app, make, login, second, message):
    make.account(name="Initech")
    first = make.advocate(name="Ada Lovelace")
    client = login(first)
    assert client.post("/referrals/new", data=PEER).status_code == 302
    client.post("/auth/sign-out")
    client = login(make.advocate(name="Grace Hopper"))
    response = client.post("/referrals/new", data={**PEER, **second})
    assert response.status_code == 422
    body = page(response)
    assert str(message) in body
    assert "Ada Lovelace" not in body and "Sam Okafor" not in body.replace(PEER["name"], "", 1)
    assert _count(app, Referral) == 1


def test_public_mail_domains_are_not_one_company_and_closed_referrals_free_the_peer(
    app, make, login
):
    client = login(make.advocate())
    gmail = {**PEER, "email": "sam@gmail.com", "company": "Initech"}
    assert client.post("/referrals/new", data=gmail).status_code == 302
    other = {**PEER, "email": "kim@gmail.com", "company": "Hooli"}
    assert client.post("/referrals/new", data=other).status_code == 302
    assert _count(app, Referral) == 2
    # Without the tick, staff write to the peer themselves: the portal mails nobody.
    assert _count(app, OutboxMessage, OutboxMessage.kind == "referral_introduction") == 0
    with app.app_context():
        referral_id = db.session.scalar(
            sa.select(Referral.id).where(Referral.peer_email == "sam@gmail.com")
        )
    client.post("/auth/sign-out")
    login(make.manager()).post(
        f"/manage/referrals/{referral_id}/move", data={"stage": "lost", "lost_reason": "Timing"}
    )
    client.post("/auth/sign-out")
    client = login(make.advocate())
    assert client.post("/referrals/new", data=gmail).status_code == 302


def test_nobody_reads_another_advocates_referral(app, make, login):
    owner = make.advocate()
    login(owner).post("/referrals/new", data=PEER)
    referral = _only_referral(app)
    assert login(owner).get(f"/referrals/{referral.id}").status_code == 200
    other_client = app.test_client()
    other = make.advocate()
    other_client.post(
        "/auth/sign-in", data={"email": other.email, "password": "correct horse battery staple"}
    )
    assert other_client.get(f"/referrals/{referral.id}").status_code == 404
    assert "Sam Okafor" not in text(other_client.get("/referrals"))
    assert other_client.get(f"/manage/referrals/{referral.id}").status_code == 403
    assert (
        other_client.post(
            f"/manage/referrals/{referral.id}/move", data={"stage": "won", "revenue": "1"}
        ).status_code
        == 403
    )
    assert app.test_client().get(f"/referrals/{referral.id}").status_code == 302  # sign in first


def test_points_per_stage_are_the_programs_choice(app, make, login):
    client = login(make.manager())
    response = client.post(
        "/manage/referrals/points",
        data={"new": "5", "contacted": "0", "qualified": "80", "won": "400"},
    )
    assert response.status_code == 302
    for bad, message in [
        ({"new": "-1"}, "Number must be between 0 and 100000."),
        ({"won": "lots"}, "Not a valid integer value."),
        ({"qualified": ""}, "This field is required."),
    ]:
        response = client.post(
            "/manage/referrals/points",
            data={"new": "5", "contacted": "0", "qualified": "80", "won": "1", **bad},
        )
        assert response.status_code == 422
        assert message in page(response), bad
    with app.app_context():
        assert services.points_per_stage() == {
            "new": 5,
            "contacted": 0,
            "qualified": 80,
            "won": 400,
        }


def test_first_referral_badge(app, make, login):
    manager = make.manager()
    with app.app_context():
        badge, _ = badges.save_badge(
            None,
            badges.BadgeDetails(
                name="First referral",
                description="",
                rule_kind="referrals_made",
                rule_params={"count": 1},
                color="#4338ca",
            ),
            by=db.session.get(type(manager), manager.id),
        )
        db.session.commit()
    advocate = make.advocate()
    login(advocate).post("/referrals/new", data=PEER)
    assert _count(app, BadgeAward, BadgeAward.advocate_id == advocate.id) == 1


def test_top_referrer_of_a_quarter_is_judged_when_it_ends(app, make):
    from datetime import UTC, datetime

    import time_machine

    from portal.auth.models import User
    from portal.recognition.badge_rules import RULES

    busy, quiet = make.advocate(), make.advocate()
    with app.app_context(), time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC)):
        for number, advocate in enumerate([busy, busy, quiet]):
            services.refer(
                db.session.get(User, advocate.id),
                services.PeerDetails(
                    "Peer", f"p{number}@company{number}.example", f"Co {number}", "CTO", "W", True
                ),
            )
        db.session.commit()
        rule = RULES["top_referrer"]
        assert rule.qualifying({"rank": 1, "period": "quarter"}, None) == set()  # not ended
    with app.app_context(), time_machine.travel(datetime(2026, 7, 2, 12, tzinfo=UTC)):
        assert rule.qualifying({"rank": 1, "period": "quarter"}, None) == {busy.id}
        assert rule.qualifying({"rank": 2, "period": "quarter"}, None) == {busy.id, quiet.id}
        assert "Refer the most peers of a quarter" in rule.describe(
            {"rank": 1, "period": "quarter"}
        )


def test_the_timed_jobs_award_the_top_referrer_badge_when_the_quarter_ends(app, make):
    from datetime import UTC, datetime

    import time_machine

    from portal.auth.models import User
    from portal.jobs.runner import award_period_badges

    busy, quiet = make.advocate(), make.advocate()
    manager = make.manager()
    with app.app_context(), time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC)):
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Top referrer",
                description="",
                rule_kind="top_referrer",
                rule_params={"rank": 1, "period": "quarter"},
                color="#4338ca",
            ),
            by=db.session.get(User, manager.id),
        )
        for number, advocate in enumerate([busy, busy, quiet]):
            services.refer(
                db.session.get(User, advocate.id),
                services.PeerDetails(
                    "Peer", f"p{number}@company{number}.example", f"Co {number}", "CTO", "W", True
                ),
            )
        db.session.commit()
        assert award_period_badges(datetime(2026, 5, 10, 12, tzinfo=UTC)) == 0  # not ended
    assert _count(app, BadgeAward) == 0
    with app.app_context(), time_machine.travel(datetime(2026, 7, 2, 12, tzinfo=UTC)):
        assert award_period_badges(datetime(2026, 7, 2, 12, tzinfo=UTC)) == 1
        assert award_period_badges(datetime(2026, 7, 2, 13, tzinfo=UTC)) == 0  # once
    assert _count(app, BadgeAward, BadgeAward.advocate_id == busy.id) == 1
    assert _count(app, BadgeAward) == 1


def test_an_owner_off_the_list_changes_nothing(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    client.post("/referrals/new", data=PEER)
    client.post("/auth/sign-out")
    referral = _only_referral(app)
    login(make.manager())
    for owner in [str(advocate.id), "nobody", "999999"]:  # an advocate, not a number, no one
        response = client.post(
            f"/manage/referrals/{referral.id}/owner", data={"owner": owner}, follow_redirects=True
        )
        assert "Choose someone from the list." in page(response), owner
    assert _only_referral(app).owner_id is None
