"""Recognition speaks its reader's language: notifications in the advocate's,
whoever caused them, with numbers and dates as they write them, in their zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.recognition import badge_rules, ledger, tier_settings, tiers
from portal.recognition.models import Badge, PointsSource, Tier

pytestmark = pytest.mark.usefixtures("ctx")


def _speaks(advocate, locale: str, timezone: str) -> None:
    user = db.session.get(User, advocate.id)
    user.locale, user.timezone = locale, timezone
    db.session.commit()


def _tier(name: str) -> Tier:
    return db.session.scalar(sa.select(Tier).where(Tier.name == name))


def _messages(advocate) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.message)
            .where(Notification.user_id == advocate.id)
            .order_by(Notification.id)
        )
    )


def test_a_tier_notice_is_written_in_the_advocates_language_whoever_caused_it(app, make):
    for name, threshold in (("Luminary", 5000), ("Champion", 1500)):
        tier = _tier(name)
        tier_settings.update_tier(
            tier,
            name=name,
            threshold=threshold,
            benefits=tier.benefits,
            commitment=tier.commitment,
            invitation_only=tier.invitation_only,
        )
    advocate = make.advocate()
    _speaks(advocate, "de", "Europe/Berlin")
    # An English-speaking manager's request awards the points.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        ledger.award(advocate.id, 1600, reason="r", key="k", source=PointsSource.MANUAL)
    assert _messages(advocate)[-1] == (
        "Sie haben 1.500 Punkte erreicht: Sie können jetzt der Stufe Champion beitreten."
    )


def test_the_end_of_a_grace_period_is_a_day_in_the_advocates_zone_and_words(make):
    advocate = make.advocate()
    _speaks(advocate, "fr", "Pacific/Auckland")
    entry = ledger.award(advocate.id, 150, reason="r", key="a", source=PointsSource.MANUAL)
    tiers.opt_in(advocate.id, _tier("Insider"), accepted=True)
    # 90 days later is 1 March 2027, 11:30 UTC: already 2 March in Auckland.
    with time_machine.travel(datetime(2026, 12, 1, 11, 30, tzinfo=UTC), tick=False):
        ledger.reverse(entry, reason="Erreur", by_id=None)
    assert _messages(advocate)[-1] == (
        "Vos points sont sous le seuil du niveau Insider. Vous gardez ce niveau jusqu’au "
        "2 mars 2027 ; gagnez 100 points pour le conserver."
    )


def test_rule_descriptions_and_period_labels_follow_the_reader(app):
    rule = Badge(rule_kind="points_at_least", rule_params={"points": 2500, "period": "quarter"})
    quarter = clock.current_period("quarter", datetime(2026, 11, 5, tzinfo=UTC))
    month = clock.current_period("month", datetime(2026, 11, 5, tzinfo=UTC))
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "fr"}):
        assert str(badge_rules.describe(rule)) == "Gagnez 2\u202f500 points en un trimestre."
        assert (quarter.label, month.label) == ("T4 2026", "novembre 2026")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "de"}):
        assert (
            str(badge_rules.describe(rule)) == "Sammeln Sie 2.500 Punkte innerhalb eines Quartals."
        )
        assert (quarter.label, month.label) == ("Q4 2026", "November 2026")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(badge_rules.describe(rule)) == "Earn 2,500 points within one quarter."
        assert (quarter.label, month.label) == ("Q4 2026", "November 2026")


def test_a_reason_the_program_writes_is_kept_in_the_advocates_language(app, make):
    advocate = make.advocate()
    _speaks(advocate, "de", "Europe/Berlin")
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        written = ledger.award(
            advocate.id, 10, reason=_l("Correction"), key="w", source=PointsSource.MANUAL
        )
        typed = ledger.award(advocate.id, 5, reason="Thanks!", key="t", source=PointsSource.MANUAL)
        assert (written.reason, typed.reason) == ("Korrektur", "Thanks!")
