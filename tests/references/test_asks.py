"""Asks over time: the first acceptance wins, reminders, expiry, burnout, badges."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState
from portal.extensions import db
from portal.jobs.runner import run_due
from portal.mail.models import OutboxMessage
from portal.notifications.models import Notification
from portal.recognition import badges
from portal.recognition.models import BadgeAward
from portal.references import asks, burnout, matching, outcomes
from portal.references.models import AskStatus, DealOutcome, RequestState
from tests.references.helpers import advocates, new_request

pytestmark = pytest.mark.usefixtures("ctx")


def _user(person) -> User:
    return db.session.get(User, person.id)


def test_the_first_to_accept_takes_the_request_and_the_others_are_withdrawn(make):
    requester, manager = make.requester(), _user(make.manager())
    first, second, third = advocates(make, 3)
    request = new_request(requester)
    made = asks.ask_candidates(request, [first.id, second.id, third.id], by=manager)
    db.session.commit()
    asks.answer(made[1], _user(second), accept=True)
    db.session.commit()
    assert [a.status for a in made] == [
        AskStatus.WITHDRAWN,
        AskStatus.ACCEPTED,
        AskStatus.WITHDRAWN,
    ]
    assert request.state == RequestState.SCHEDULED and request.accepted_advocate_id == second.id
    assert request.seconds_to_acceptance == 0
    with pytest.raises(InvalidState):
        asks.answer(made[0], _user(first), accept=True)
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "reference_withdrawn")
    ).all()
    assert sorted(told) == sorted([first.id, third.id])


def test_more_than_three_at_once_is_refused(make):
    requester, manager = make.requester(), _user(make.manager())
    people = advocates(make, 4)
    request = new_request(requester)
    with pytest.raises(InvalidState, match="at most 3"):
        asks.ask_candidates(request, [p.id for p in people], by=manager)


def test_one_reminder_a_day_before_then_expiry_sends_the_request_back(make):
    requester, manager = make.requester(), _user(make.manager())
    person, other = advocates(make, 2)
    request = new_request(requester)
    asks.ask_candidates(request, [person.id], by=manager)
    db.session.commit()
    start = utcnow()
    with time_machine.travel(start + timedelta(days=2, hours=1), tick=False):
        run_due()
        run_due()
    reminders = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.kind == "reference_reminder")
    )
    assert reminders == 1
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        run_due()
        db.session.expire_all()
        assert request.state == RequestState.OPEN
        # Back to the shortlist, without the one who did not answer.
        shortlist = matching.shortlist(request)
        assert [c.advocate_id for c in shortlist.candidates] == [other.id]
        assert shortlist.left_out == {"already asked for this request": 1}


def test_burnout_counts_asks_flags_and_the_48_hour_share(make):
    requester, manager = make.requester(), _user(make.manager())
    (busy,) = advocates(make, 1, max_asks=10)
    start = utcnow()
    for days_ago in (100, 80, 60, 20, 10):
        with time_machine.travel(start - timedelta(days=days_ago), tick=False):
            request = new_request(requester)
            (ask,) = asks.ask_candidates(request, [busy.id], by=manager)
            asks.answer(ask, _user(busy), accept=days_ago == 10)
            db.session.commit()
    view = burnout.burnout()
    (load,) = view.advocates
    assert (load.last_30, load.last_90, load.last_120) == (2, 4, 5)
    assert load.flagged is (load.in_quarter > 2)
    assert view.requests_total == 5 and view.accepted_within_48h == 1
    assert len(view.waiting) == 4  # the declined requests look for someone else


def test_five_reference_calls_earn_the_badge(make):
    requester, manager = make.requester(), _user(make.manager())
    (person,) = advocates(make, 1, max_asks=20)
    badges.save_badge(
        None,
        badges.BadgeDetails(
            name="Five reference calls",
            description="",
            rule_kind="reference_calls_given",
            rule_params={"count": 5},
            color="#0f766e",
        ),
        by=manager,
    )
    db.session.commit()
    start = utcnow()
    for index in range(5):
        with time_machine.travel(start + timedelta(days=40 * index), tick=False):
            request = new_request(requester)
            (ask,) = asks.ask_candidates(request, [person.id], by=manager)
            asks.answer(ask, _user(person), accept=True)
            outcome = outcomes.Outcome(True, DealOutcome.OPEN, 0, "")
            outcomes.record_outcome(request, outcome, by=manager)
            db.session.commit()
            awarded = db.session.scalar(sa.select(sa.func.count()).select_from(BadgeAward))
            assert awarded == (1 if index == 4 else 0)


def _mail_to(person, kind: str) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.to_user_id == person.id, OutboxMessage.kind == kind
        )
    ).all()


def test_the_requester_is_mailed_when_someone_accepts_or_nobody_is_left(make):
    requester, manager = make.requester(), _user(make.manager())
    first, second = advocates(make, 2)
    taken = new_request(requester)
    made = asks.ask_candidates(taken, [first.id], by=manager)
    db.session.commit()
    asks.answer(made[0], _user(first), accept=True)
    db.session.commit()
    (accepted,) = _mail_to(requester, "reference_accepted")
    assert accepted.to_address == requester.email
    assert taken.prospect_name in accepted.subject
    # Nobody left: the request goes back to the shortlist, and the requester hears of it.
    declined = new_request(requester)
    made = asks.ask_candidates(declined, [second.id], by=manager)
    db.session.commit()
    asks.answer(made[0], _user(second), accept=False)
    db.session.commit()
    assert len(_mail_to(requester, "reference_back")) == 1


def test_a_requester_chooses_how_often_and_sees_only_their_own_categories(app, make, login):
    requester = make.requester()
    client = login(requester)
    page = client.get("/mail/preferences").get_data(as_text=True)
    assert "My reference requests" in page
    assert "My applications" not in page and "New applications" not in page
    response = client.post("/mail/preferences", data={"reference_requests": "never"})
    assert response.status_code == 302
    (person,) = advocates(make, 1)
    request = new_request(_user(requester))
    made = asks.ask_candidates(request, [person.id], by=_user(make.manager()))
    db.session.commit()
    asks.answer(made[0], _user(person), accept=True)
    db.session.commit()
    assert _mail_to(requester, "reference_accepted") == []
    # Still told in the portal.
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == requester.id, Notification.kind == "reference_accepted")
    )


def test_burnout_counts_everyone_though_it_lists_the_most_asked(make, monkeypatch):
    requester, manager = make.requester(), _user(make.manager())
    people = advocates(make, 3, max_asks=2)
    for person in people:
        for _ in range(2):
            request = new_request(requester)
            (ask,) = asks.ask_candidates(request, [person.id], by=manager)
            asks.answer(ask, _user(person), accept=False)
            db.session.commit()
    monkeypatch.setattr(burnout, "LIMIT", 2)
    view = burnout.burnout()
    assert len(view.advocates) == 2 and all(load.at_cap for load in view.advocates)
    assert view.at_or_near_cap == 3
    assert len(view.waiting) == 2 and view.requests_waiting == 6
