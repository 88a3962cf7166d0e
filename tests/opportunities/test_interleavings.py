"""Races on seats and the waitlist, stepped in a fixed order on PostgreSQL.

Each test holds one transaction open at the point that matters, lets a
second one (a click through the test client) run into its locks, then
commits; see tests/races.py. The outcome is the same on every run.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Notification
from portal.opportunities import participation as participating
from portal.opportunities.models import ApprovalMode, Opportunity, Participation
from portal.opportunities.models import ParticipationStatus as S
from tests.factories import PASSWORD
from tests.helpers import text
from tests.races import Meanwhile

pytestmark = pytest.mark.postgresql


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def statuses(app, *participations) -> list[S]:
    with app.app_context():
        return [db.session.get(Participation, p.id).status for p in participations]


def seats_taken(app, opportunity) -> int:
    with app.app_context():
        return db.session.get(Opportunity, opportunity.id).seats_taken


def approvals_told(app, advocate) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == advocate.id, Notification.kind == "application_approved")
        )


@pytest.fixture
def full_with_waitlist(make):
    """One first-come seat, held; two advocates waiting for it, in order."""
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=1)
    holder, first, second = make.advocate(), make.advocate(), make.advocate()
    held = make.participation(opportunity, holder, S.APPROVED)
    waiting = make.participation(opportunity, first, S.WAITLISTED)
    next_in_line = make.participation(opportunity, second, S.WAITLISTED)
    return opportunity, (holder, held), (first, waiting), (second, next_in_line)


def _withdraw(participation, advocate) -> None:
    participating.withdraw(
        db.session.get(Participation, participation.id), db.session.get(User, advocate.id)
    )


def test_a_withdrawal_is_not_undone_by_the_promotion_it_races(app, full_with_waitlist):
    opportunity, (holder, held), (first, waiting), (second, next_in_line) = full_with_waitlist
    holder_client = signed_in(app, holder)
    with app.app_context():
        # The first on the waitlist withdraws; their transaction is not committed yet...
        _withdraw(waiting, first)
        # ...when the holder withdraws: the freed seat goes to the waitlist, which
        # must wait for that withdrawal instead of approving over it.
        click = Meanwhile(app, lambda: holder_client.post(f"/participations/{held.id}/withdraw"))
        click.wait_until_blocked()
        db.session.commit()
    assert click.finish().status_code == 302
    assert statuses(app, held, waiting, next_in_line) == [S.WITHDRAWN, S.WITHDRAWN, S.APPROVED]
    assert seats_taken(app, opportunity) == 1
    assert approvals_told(app, first) == 0 and approvals_told(app, second) == 1


def test_a_promotion_committed_first_is_then_withdrawn_and_passed_on(app, full_with_waitlist):
    opportunity, (holder, held), (first, waiting), (second, next_in_line) = full_with_waitlist
    first_client = signed_in(app, first)
    with app.app_context():
        _withdraw(held, holder)  # promotes the first on the waitlist, not committed yet
        click = Meanwhile(app, lambda: first_client.post(f"/participations/{waiting.id}/withdraw"))
        click.wait_until_blocked()
        db.session.commit()
    response = click.finish()
    assert "You have withdrawn." in text(first_client.get(response.location))
    assert statuses(app, held, waiting, next_in_line) == [S.WITHDRAWN, S.WITHDRAWN, S.APPROVED]
    assert seats_taken(app, opportunity) == 1


def test_a_seat_added_while_the_first_in_line_withdraws_goes_to_the_next(
    app, make, full_with_waitlist
):
    opportunity, (holder, held), (first, waiting), (second, next_in_line) = full_with_waitlist
    manager = signed_in(app, make.manager())
    form = manager.get(f"/manage/opportunities/{opportunity.id}/edit")
    assert form.status_code == 200
    with app.app_context():
        edited = db.session.get(Opportunity, opportunity.id)
        local = {
            name: clock.local(getattr(edited, name), clock.zone(edited.timezone))
            for name in ("starts_at", "ends_at", "application_deadline")
        }
        data = {
            "type": edited.type.value,
            "title": edited.title,
            "timezone": edited.timezone,
            **{name: f"{moment:%Y-%m-%dT%H:%M}" for name, moment in local.items()},
            "seats": "2",
            "points": str(edited.points),
            "approval_mode": "first_come",
            "min_tier": "0",
        }
        _withdraw(waiting, first)  # not committed yet
        click = Meanwhile(
            app, lambda: manager.post(f"/manage/opportunities/{opportunity.id}/edit", data=data)
        )
        click.wait_until_blocked()
        db.session.commit()
    assert click.finish().status_code == 302
    assert statuses(app, held, waiting, next_in_line) == [S.APPROVED, S.WITHDRAWN, S.APPROVED]
    assert seats_taken(app, opportunity) == 2
    assert approvals_told(app, first) == 0


@pytest.mark.parametrize("join_waitlist", [False, True])
def test_simultaneous_applies_for_the_last_seat_end_the_same_way(app, make, join_waitlist):
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=1)
    winner, loser = make.advocate(), make.advocate()
    client = signed_in(app, loser)
    data = {"waitlist": "Join the waitlist"} if join_waitlist else {"submit": "Apply"}
    with app.app_context():
        # The other click takes the last seat and has not committed yet.
        participating.apply(
            db.session.get(Opportunity, opportunity.id), db.session.get(User, winner.id)
        )
        click = Meanwhile(
            app, lambda: client.post(f"/opportunities/{opportunity.id}/apply", data=data)
        )
        click.wait_until_blocked()
        db.session.commit()
    response = click.finish()
    with app.app_context():
        mine = participating.participation_of(loser.id, opportunity.id)
        if join_waitlist:
            assert response.status_code == 302 and mine.status == S.WAITLISTED
        else:
            # Exactly as when the seat was already gone: refused, with the waitlist offered.
            assert response.status_code == 409 and mine is None
            assert "All seats are taken. You can join the waitlist instead." in text(response)
            assert "Join the waitlist" in text(response)
    assert seats_taken(app, opportunity) == 1
