"""The audit trail: referrals, reference requests, notes, lists, webhooks, tokens, imports.

Each staff action that changes data writes exactly one event, with before → after
for the fields it changed; an action that changes nothing writes none.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.referrals.models import Referral
from tests.audit.test_trail import Trail, _change

PEER = {
    "name": "Sam Okafor",
    "email": "sam.okafor@initech.example",
    "company": "Initech",
    "role": "VP Operations",
    "why": "They reconcile reports by hand every month.",
    "peer_agreed": "y",
}


def _flat(event) -> str:
    return repr((event.changes, event.details))


def test_referral_stage_moves_and_owner_changes(app, make, login):
    advocate, manager = make.advocate(), make.manager()
    assert login(advocate).post("/referrals/new", data=PEER).status_code == 302
    login(advocate).post("/auth/sign-out")
    with app.app_context():
        referral_id = db.session.scalar(sa.select(Referral.id))
    client, trail = login(manager), Trail(app)
    trail.new()
    url = f"/manage/referrals/{referral_id}"
    assert client.post(f"{url}/move", data={"stage": "qualified"}).status_code == 302
    event = trail.one("referral.moved")
    assert (event.target_type, event.target_id, event.actor_id) == (
        "referral",
        referral_id,
        manager.id,
    )
    assert event.changes == {"stage": {"before": "new", "after": "qualified"}}
    assert event.details == {"points": 50}
    client.post(f"{url}/move", data={"stage": "qualified"})  # a second click
    assert trail.new() == []
    client.post(f"{url}/move", data={"stage": "won", "revenue": "1200"})
    won = trail.one("referral.moved")
    assert _change(won, "stage") == ("qualified", "won")
    assert _change(won, "revenue") == (None, 1200)
    assert won.details == {"points": 250}
    client.post(f"{url}/move", data={"stage": "contacted"})
    back = trail.one("referral.moved")
    assert back.details == {"points": -300}
    client.post(f"{url}/owner", data={"owner": str(manager.id)})
    owner = trail.one("referral.owner_changed")
    assert _change(owner, "owner_id") == (None, manager.id)
    client.post(f"{url}/owner", data={"owner": str(manager.id)})  # the same owner again
    assert trail.new() == []
    for event in (won, back, owner):
        assert "Sam" not in _flat(event) and "okafor" not in _flat(event)
