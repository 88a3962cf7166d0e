"""Reference answers, outcomes and referral stages as webhooks, to a real receiver on loopback."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from portal.auth.models import User
from portal.errors import InvalidState
from portal.extensions import db
from portal.jobs import queue
from portal.references import asks, outcomes
from portal.references.models import DealOutcome, DeclineReason
from portal.referrals import services as referrals
from portal.referrals.models import ReferralStage
from portal.webhooks import endpoints
from portal.webhooks.models import WebhookEvent
from tests.references.helpers import advocates, new_request
from tests.webhooks.receiver import start_receiver

pytestmark = pytest.mark.usefixtures("ctx")

EVENTS = ("reference_request.answered", "reference_request.fulfilled", "referral.stage_changed")


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


def _user(person) -> User:
    return db.session.get(User, person.id)


def _endpoint(make, receiver, events=EVENTS):
    endpoint = endpoints.register(
        endpoints.EndpointDetails(url=receiver.url, description="CRM", event_types=list(events)),
        by=_user(make.admin()),
    )
    db.session.commit()
    return endpoint


def _delivered(receiver, endpoint) -> list[dict]:
    queue.run_due()
    return [Webhook(endpoint.secret).verify(m.body, m.headers) for m in receiver.received]


def test_answers_and_the_outcome_of_a_reference_request(make, receiver):
    endpoint = _endpoint(make, receiver)
    requester, manager = make.requester(), _user(make.manager())
    ann, ben = advocates(make, 2)
    request = new_request(requester)
    made = asks.ask_candidates(request, [ann.id, ben.id], by=manager)
    db.session.commit()
    assert _delivered(receiver, endpoint) == []  # asking is not an answer
    asks.answer(made[1], _user(ben), accept=False, reason=DeclineReason.NOT_A_FIT)
    db.session.commit()
    asks.answer(made[0], _user(ann), accept=True)
    db.session.commit()
    declined, accepted = _delivered(receiver, endpoint)
    assert declined["type"] == accepted["type"] == "reference_request.answered"
    assert declined["data"] == {
        "request_id": request.id,
        "ask_id": made[1].id,
        "advocate_id": ben.id,
        "answer": "declined",
        "decline_reason": "not_a_fit",
    }
    assert accepted["data"]["answer"] == "accepted" and accepted["data"]["advocate_id"] == ann.id
    outcomes.record_outcome(
        request, outcomes.Outcome(True, DealOutcome.WON, 80_000, ""), by=_user(requester)
    )
    db.session.commit()
    fulfilled = _delivered(receiver, endpoint)[-1]
    assert fulfilled["type"] == "reference_request.fulfilled"
    assert fulfilled["data"] == {
        "request_id": request.id,
        "advocate_id": ann.id,
        "kind": "reference_call",
        "call_held": True,
        "deal_outcome": "won",
        "revenue_influenced": 80_000,
    }


def test_a_refused_answer_writes_no_event(make, receiver):
    _endpoint(make, receiver)
    requester, manager = make.requester(), _user(make.manager())
    ann, ben = advocates(make, 2)
    made = asks.ask_candidates(new_request(requester), [ann.id, ben.id], by=manager)
    db.session.commit()
    asks.answer(made[0], _user(ann), accept=True)
    db.session.commit()
    with pytest.raises(InvalidState):  # ben's ask was withdrawn when ann accepted
        asks.answer(made[1], _user(ben), accept=True)
    db.session.rollback()
    kinds = db.session.scalars(sa.select(WebhookEvent.type)).all()
    assert kinds == ["reference_request.answered"]


def test_referral_stage_changes(make, receiver):
    endpoint = _endpoint(make, receiver, events=("referral.stage_changed",))
    admin, ann = _user(make.admin()), make.advocate()
    referral = referrals.refer(
        _user(ann),
        referrals.PeerDetails(
            name="Sam Okafor",
            email="sam@initech.example",
            company="Initech",
            role="CIO",
            why="Reports by hand.",
            peer_agreed=True,
        ),
    )
    db.session.commit()
    referrals.move(referral.id, ReferralStage.CONTACTED, by=admin)
    db.session.commit()
    referrals.move(referral.id, ReferralStage.LOST, by=admin, lost_reason="No budget")
    db.session.commit()
    with pytest.raises(InvalidState):  # a second click changes nothing
        referrals.move(referral.id, ReferralStage.LOST, by=admin, lost_reason="No budget")
    db.session.rollback()
    payloads = _delivered(receiver, endpoint)
    assert [p["data"] for p in payloads] == [
        {
            "referral_id": referral.id,
            "advocate_id": ann.id,
            "from_stage": "new",
            "to_stage": "contacted",
        },
        {
            "referral_id": referral.id,
            "advocate_id": ann.id,
            "from_stage": "contacted",
            "to_stage": "lost",
        },
    ]
    assert {p["type"] for p in payloads} == {"referral.stage_changed"}
