"""Tiers: eligibility, opting in with consent, stepping down, and the grace period."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import AdvocateProfile
from portal.db import utcnow
from portal.errors import InvalidState, NotEligible
from portal.extensions import db
from portal.notifications.models import Notification
from portal.recognition import ledger, tier_settings, tiers
from portal.recognition.models import PointsSource, Tier, TierEvent, TierEventKind

pytestmark = pytest.mark.usefixtures("ctx")


def _tier(name: str) -> Tier:
    return db.session.scalar(sa.select(Tier).where(Tier.name == name))


def _points(advocate, points, key):
    return ledger.award(advocate.id, points, reason="r", key=key, source=PointsSource.MANUAL)


def _current(advocate) -> str | None:
    profile = db.session.get(AdvocateProfile, advocate.id)
    db.session.refresh(profile)
    return profile.current_tier.name if profile.current_tier else None


def test_default_tiers_come_from_the_migrations():
    assert [(t.name, t.threshold, t.invitation_only) for t in tiers.all_tiers()] == [
        ("Member", 0, False),
        ("Insider", 100, False),
        ("Champion", 500, False),
        ("Luminary", 1000, True),
    ]


def test_new_advocates_are_members(make):
    assert _current(make.advocate()) == "Member"


def test_reaching_a_threshold_makes_eligible_and_notifies_once(make):
    advocate = make.advocate()
    _points(advocate, 99, "a")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    _points(advocate, 1, "b")
    _points(advocate, 5, "c")
    messages = db.session.scalars(sa.select(Notification.message)).all()
    assert len(messages) == 1 and "Insider" in messages[0]
    assert _current(advocate) == "Member"  # eligible is not a member yet


def test_passing_two_thresholds_at_once_invites_to_the_higher_tier_only(make):
    advocate = make.advocate()
    _points(advocate, 600, "big")
    kinds = db.session.execute(
        sa.select(Tier.name, TierEvent.kind).join(Tier).order_by(Tier.position)
    ).all()
    # Both eligibilities are recorded; only the higher one is announced.
    assert [(name, kind) for name, kind in kinds if kind == TierEventKind.ELIGIBLE] == [
        ("Insider", TierEventKind.ELIGIBLE),
        ("Champion", TierEventKind.ELIGIBLE),
    ]
    messages = db.session.scalars(sa.select(Notification.message)).all()
    assert len(messages) == 1 and "Champion" in messages[0]


def test_opting_in_needs_acceptance_and_the_points(make):
    advocate = make.advocate()
    with pytest.raises(NotEligible, match="needs 100 points"):
        tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    _points(advocate, 120, "a")
    with pytest.raises(NotEligible, match="accept"):
        tiers.opt_in(advocate.id, _tier("Insider"), accepted=False)
    tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    assert _current(advocate) == "Insider"
    with pytest.raises(InvalidState):
        tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)


def test_invitation_only_tier_needs_an_invitation(make):
    advocate = make.advocate()
    manager = make.manager()
    _points(advocate, 1000, "a")
    with pytest.raises(NotEligible, match="invitation"):
        tiers.opt_in(advocate.id, _tier("Luminary"), accepted=True)
    tiers.invite_to_tier(advocate.id, _tier("Luminary"), by_id=manager.id)
    tiers.opt_in(advocate.id, _tier("Luminary"), accepted=True)
    assert _current(advocate) == "Luminary"


def test_stepping_down_returns_to_the_highest_remaining_tier(make):
    advocate = make.advocate()
    _points(advocate, 600, "a")
    tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    tiers.opt_in(advocate.id, _tier("Champion"), accepted=True)
    assert _current(advocate) == "Champion"
    tiers.step_down(advocate.id, _tier("Champion"))
    assert _current(advocate) == "Insider"
    tiers.opt_in(advocate.id, _tier("Champion"), accepted=True)
    assert _current(advocate) == "Champion"


def test_a_correction_below_the_threshold_keeps_the_tier_for_90_days(make):
    advocate = make.advocate()
    entry = _points(advocate, 150, "a")
    tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    ledger.reverse(entry, reason="Mistake", by_id=None)
    assert _current(advocate) == "Insider"
    kinds = db.session.scalars(sa.select(TierEvent.kind).order_by(TierEvent.id)).all()
    assert kinds[-1] == TierEventKind.LAPSING

    with time_machine.travel(utcnow() + timedelta(days=89, hours=23)):
        assert tiers.expire_grace_periods() == 0
        assert _current(advocate) == "Insider"
    with time_machine.travel(utcnow() + timedelta(days=90, minutes=1)):
        assert tiers.expire_grace_periods() == 1
        assert tiers.expire_grace_periods() == 0
        assert _current(advocate) == "Member"


def test_points_back_within_the_grace_period_keep_the_tier(make):
    advocate = make.advocate()
    entry = _points(advocate, 150, "a")
    tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    ledger.reverse(entry, reason="Mistake", by_id=None)
    with time_machine.travel(utcnow() + timedelta(days=30)):
        _points(advocate, 100, "b")
    with time_machine.travel(utcnow() + timedelta(days=120)):
        assert tiers.expire_grace_periods() == 0
    assert _current(advocate) == "Insider"


def test_threshold_order_is_kept_when_editing():
    insider = _tier("Insider")
    with pytest.raises(InvalidState, match="higher than the tier below"):
        tier_settings.update_tier(
            insider, name="Insider", threshold=0, benefits="", commitment="", invitation_only=False
        )
    with pytest.raises(InvalidState, match="lower than the tier above"):
        tier_settings.update_tier(
            insider,
            name="Insider",
            threshold=500,
            benefits="",
            commitment="",
            invitation_only=False,
        )
    tier_settings.update_tier(
        insider, name="Insider", threshold=150, benefits="b", commitment="c", invitation_only=False
    )
    assert insider.threshold == 150
