"""A manager's corrections never take an advocate below zero points without a confirmation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.recognition import corrections, ledger
from portal.recognition.models import PointsEntry
from tests.helpers import text
from tests.races import Meanwhile


def total(app, advocate) -> int:
    with app.app_context():
        return ledger.total_for(advocate.id)


def deduct(client, advocate, points: int, key: str, **extra):
    return client.post(
        f"/manage/advocates/{advocate.id}/points",
        data={"points": str(points), "reason": "Counted twice", "key": key, **extra},
    )


def test_a_deduction_below_zero_asks_first_and_changes_nothing(app, make, login):
    advocate = make.advocate()
    make.points(advocate, 30)
    client = login(make.manager())
    response = deduct(client, advocate, -50, "k1")
    assert response.status_code == 409
    shown = text(response)
    assert "This takes the advocate below zero: from 30 to -20 points." in shown
    assert "Yes, take them below zero" in shown
    assert total(app, advocate) == 30

    confirmed = deduct(client, advocate, -50, "k1", below_zero="y")
    assert confirmed.status_code == 302
    assert total(app, advocate) == -20
    # The same form sent again adds nothing, and says so.
    again = deduct(client, advocate, -50, "k1", below_zero="y")
    assert "already added" in text(client.get(again.location))
    assert total(app, advocate) == -20


def test_a_deduction_that_stays_at_or_above_zero_needs_no_confirmation(app, make, login):
    advocate = make.advocate()
    make.points(advocate, 30)
    client = login(make.manager())
    assert deduct(client, advocate, -30, "k1").status_code == 302
    assert total(app, advocate) == 0


def test_a_reversal_below_zero_asks_first(app, make, login):
    advocate = make.advocate()
    make.points(advocate, 100, key="meetup")
    client = login(make.manager())
    assert deduct(client, advocate, -60, "k1").status_code == 302
    with app.app_context():
        entry_id = ledger.entry_for_key("meetup").id
    response = client.post(f"/manage/entries/{entry_id}/reverse", data={"reason": "Not held"})
    assert response.status_code == 409
    assert "from 40 to -60 points" in text(response)
    assert total(app, advocate) == 40
    response = client.post(
        f"/manage/entries/{entry_id}/reverse", data={"reason": "Not held", "below_zero": "y"}
    )
    assert response.status_code == 302
    assert total(app, advocate) == -60


@pytest.mark.postgresql
def test_two_deductions_at_once_are_checked_one_after_the_other(app, make, login):
    advocate = make.advocate()
    make.points(advocate, 100)
    manager = make.manager()
    client = login(manager)
    with app.app_context():
        # One deduction has passed the check and is not committed yet...
        corrections.award_manual(
            advocate.id, -60, reason="Counted twice", by_id=manager.id, token="a"
        )
        # ...when a second arrives: it must wait for it, then see 40 points left.
        click = Meanwhile(app, lambda: deduct(client, advocate, -60, "b"))
        click.wait_until_blocked()
        db.session.commit()
    response = click.finish()
    assert response.status_code == 409
    assert "from 40 to -20 points" in text(response)
    assert total(app, advocate) == 40
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 2
