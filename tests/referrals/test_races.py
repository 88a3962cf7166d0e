"""Two managers move the same referral at once: its points land once per stage (PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.errors import InvalidState
from portal.extensions import db
from portal.recognition.models import PointsEntry
from portal.referrals import services
from portal.referrals.models import Referral, ReferralStage
from tests.races import Meanwhile

pytestmark = pytest.mark.postgresql

PEER = services.PeerDetails(
    "Sam Okafor", "sam@initech.example", "Initech", "CTO", "Reports by hand.", True
)


def _referral(app, make) -> tuple[int, int, int]:
    advocate = make.advocate()
    manager = make.manager()
    with app.app_context():
        referral = services.refer(db.session.get(User, advocate.id), PEER)
        db.session.commit()
        return referral.id, advocate.id, manager.id


def test_a_double_click_on_qualified_awards_once(app, make):
    referral_id, advocate_id, manager_id = _referral(app, make)
    with app.app_context():
        manager = db.session.get(User, manager_id)
        services.move(referral_id, ReferralStage.QUALIFIED, by=manager)  # holds the row lock
        second = Meanwhile(
            app,
            lambda: services.move(
                referral_id, ReferralStage.QUALIFIED, by=db.session.get(User, manager_id)
            ),
        )
        second.wait_until_blocked()
        db.session.commit()
    result = second.finish()
    assert isinstance(result, InvalidState) and "already qualified" in result.message
    with app.app_context():
        entries = db.session.scalars(
            sa.select(PointsEntry.points).where(PointsEntry.advocate_id == advocate_id)
        ).all()
        assert entries == [50]


def test_two_clicks_through_http_award_once(app, make):
    referral_id, advocate_id, manager_id = _referral(app, make)
    manager = app.test_client()
    with app.app_context():
        email = db.session.get(User, manager_id).email
    manager.post("/auth/sign-in", data={"email": email, "password": "correct horse battery staple"})
    with app.app_context():
        services.move(
            referral_id, ReferralStage.WON, by=db.session.get(User, manager_id), revenue=1000
        )
        click = Meanwhile(
            app,
            lambda: manager.post(
                f"/manage/referrals/{referral_id}/move", data={"stage": "won", "revenue": "1000"}
            ),
        )
        click.wait_until_blocked()
        db.session.commit()
    assert click.finish().status_code == 422
    with app.app_context():
        entries = db.session.scalars(
            sa.select(PointsEntry.award_key)
            .where(PointsEntry.advocate_id == advocate_id)
            .order_by(PointsEntry.award_key)
        ).all()
        assert entries == [
            f"referral:{referral_id}:qualified:0",
            f"referral:{referral_id}:won:0",
        ]
        assert db.session.get(Referral, referral_id).stage == ReferralStage.WON


def test_two_referrals_of_one_peer_at_once_make_one(app, make):
    first, second = make.advocate(), make.advocate()
    with app.app_context():
        services.refer(db.session.get(User, first.id), PEER)  # not committed yet
        other = Meanwhile(app, lambda: services.refer(db.session.get(User, second.id), PEER))
        other.wait_until_blocked()
        db.session.commit()
    result = other.finish()
    assert result.message == str(services.SAME_PERSON)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1
