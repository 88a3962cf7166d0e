"""The audit trail: referrals, reference requests, notes, lists, webhooks, tokens, imports.

Each staff action that changes data writes exactly one event, with before → after
for the fields it changed; an action that changes nothing writes none.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.errors import InvalidState
from portal.extensions import db
from portal.references import asks, outcomes
from portal.references.models import DealOutcome, RequestState
from portal.referrals.models import Referral
from tests.audit.test_trail import Trail, _change
from tests.helpers import text
from tests.references.helpers import advocates, new_request
from tests.referrals.test_referrals import PEER


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


class Events:
    """Events written since the last look, read in the test's own app context."""

    def __init__(self) -> None:
        self.seen = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0

    def new(self) -> list[AuditEvent]:
        db.session.flush()
        fresh = list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.id > self.seen).order_by(AuditEvent.id)
            )
        )
        self.seen = fresh[-1].id if fresh else self.seen
        return fresh

    def one(self, action: str) -> AuditEvent:
        fresh = self.new()
        assert [event.action for event in fresh] == [action]
        return fresh[0]


def _user(person) -> User:
    return db.session.get(User, person.id)


def test_reference_asks_outcomes_and_closing(ctx, make):
    requester, manager = make.requester(), _user(make.manager())
    first, second = advocates(make, 2)
    request = new_request(requester)
    events = Events()
    asks.ask_candidates(request, [first.id], by=manager)
    asked = events.one("reference_request.asked")
    assert (asked.target_type, asked.target_id, asked.actor_id) == (
        "reference_request",
        request.id,
        manager.id,
    )
    assert asked.changes == {"state": {"before": "open", "after": "asked"}}
    assert asked.details == {"advocate_ids": [first.id]}
    # A requester asking on their own request: recorded too, as theirs.
    (ask,) = asks.ask_candidates(request, [second.id], by=_user(requester))
    again = events.one("reference_request.asked")
    assert (again.actor_id, again.changes) == (requester.id, {})
    asks.answer(ask, _user(second), accept=True)
    assert events.new() == []  # the advocate's answer is not a staff action
    outcome = outcomes.Outcome(True, DealOutcome.WON, 5000, "Went well")
    outcomes.record_outcome(request, outcome, by=manager)
    done = events.one("reference_request.outcome")
    assert done.changes["state"] == {"before": "scheduled", "after": "done"}
    assert done.changes["deal_outcome"] == {"before": None, "after": "won"}
    assert done.changes["revenue_influenced"]["after"] == 5000
    assert done.details == {"points": 50}
    with pytest.raises(InvalidState):
        outcomes.record_outcome(request, outcome, by=manager)
    assert events.new() == []

    other = new_request(requester)
    asks.ask_candidates(other, [first.id], by=manager)
    events.new()
    outcomes.close_request(other, by=_user(requester), state=RequestState.CANCELLED)
    closed = events.one("reference_request.closed")
    assert (closed.actor_id, closed.changes) == (
        requester.id,
        {"state": {"before": "asked", "after": "cancelled"}},
    )
    assert closed.details == {"asks_withdrawn": 1}
    with pytest.raises(InvalidState):
        outcomes.close_request(other, by=manager, state=RequestState.UNFULFILLED)
    assert events.new() == []


def test_staff_notes_record_whom_they_are_about_never_their_text(app, make, login):
    manager, advocate = make.manager(), make.advocate()
    client, trail = login(manager), Trail(app)
    body = {"body": "Prefers mornings, call Jane on 555-0100"}
    assert client.post(f"/manage/advocates/{advocate.id}/notes", data=body).status_code == 302
    event = trail.one("note.created")
    assert (event.target_type, event.actor_id) == ("note", manager.id)
    assert event.changes == {"advocate_id": {"before": None, "after": advocate.id}}
    assert "mornings" not in _flat(event) and "Jane" not in _flat(event)


def test_products_and_topics_added_retired_and_restored(app, make, login):
    manager = make.manager()
    client, trail = login(manager), Trail(app)
    for kind in ("product", "topic"):
        name = {"product": "Beacon CRM", "topic": "Zero trust"}[kind]
        assert client.post(f"/manage/{kind}s", data={"name": name}).status_code == 302
        added = trail.one(f"{kind}.created")
        assert (added.target_type, added.actor_id) == (kind, manager.id)
        assert added.changes == {"name": {"before": None, "after": name}}
        client.post(f"/manage/{kind}s", data={"name": name.upper()})  # taken: nothing added
        assert trail.new() == []
        client.post(f"/manage/{kind}s/{added.target_id}/toggle")
        retired = trail.one(f"{kind}.updated")
        assert (retired.target_id, retired.changes) == (
            added.target_id,
            {"active": {"before": True, "after": False}},
        )
        client.post(f"/manage/{kind}s/{added.target_id}/toggle")
        assert _change(trail.one(f"{kind}.updated"), "active") == (False, True)


def test_webhook_endpoints_added_changed_rotated_and_resumed(app, make, login):
    from portal.db import utcnow
    from portal.webhooks.models import WebhookEndpoint

    admin = make.admin()
    client, trail = login(admin), Trail(app)
    form = {"url": "http://127.0.0.1:9/hooks", "description": "", "event_types": ["points.awarded"]}
    assert client.post("/admin/webhooks/", data=form).status_code == 302
    added = trail.one("webhook.created")
    assert (added.target_type, added.actor_id) == ("webhook", admin.id)
    assert added.changes["url"] == {"before": None, "after": "http://127.0.0.1:9/hooks"}
    url = f"/admin/webhooks/{added.target_id}"
    client.post(url, data={**form, "description": "CRM sync"})
    assert trail.one("webhook.updated").changes == {
        "description": {"before": "", "after": "CRM sync"}
    }
    client.post(url, data={**form, "description": "CRM sync"})  # saved again unchanged
    assert trail.new() == []
    client.post(f"{url}/rotate")
    rotated = trail.one("webhook.secret_rotated")
    assert list(rotated.changes) == ["previous_secret_until"]
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, added.target_id)
        secrets = (endpoint.secret, endpoint.previous_secret)
        endpoint.paused_at = utcnow()
        db.session.commit()
    for event in (added, rotated):
        assert not any(secret in _flat(event) for secret in secrets)
    client.post(f"{url}/resume")
    resumed = trail.one("webhook.resumed")
    assert resumed.changes["paused_at"]["after"] is None
    client.post(f"{url}/resume")  # not paused any more: refused, nothing recorded
    assert trail.new() == []


def test_api_tokens_made_and_revoked(app, make, login):
    import re

    admin = make.admin()
    client, trail = login(admin), Trail(app)
    response = client.post(
        "/admin/api-tokens",
        data={
            "name": "CRM sync",
            "scopes": ["advocates:read"],
            "expires_in": "0",
            "networks": "",
            "rate_limit": "60",
        },
    )
    secret = re.search(r'value="(apt_[A-Za-z0-9_-]+)"', response.get_data(as_text=True))[1]
    made = trail.one("api_token.created")
    assert (made.target_type, made.actor_id) == ("api_token", admin.id)
    assert made.changes["name"] == {"before": None, "after": "CRM sync"}
    assert made.changes["scopes"]["after"] == ["advocates:read"]
    assert made.changes["user_id"]["after"] == admin.id
    assert secret not in _flat(made) and secret[:12] not in _flat(made)
    client.post(f"/api-tokens/{made.target_id}/revoke")
    revoked = trail.one("api_token.revoked")
    assert (revoked.target_id, revoked.actor_id) == (made.target_id, admin.id)
    assert revoked.changes["revoked_at"]["before"] is None
    client.post(f"/api-tokens/{made.target_id}/revoke")  # revoked already: nothing changes
    assert trail.new() == []


def test_inviting_an_imports_people_writes_one_event(app, make, login):
    from tests.transfer.test_imports import SALESFORCE, _import

    manager = make.manager()
    client = login(manager)
    import_id = _import(app, client, SALESFORCE)
    trail = Trail(app)
    trail.new()
    client.post(f"/manage/imports/{import_id}/invite")
    event = trail.one("import.invited")
    assert (event.target_type, event.target_id, event.actor_id) == ("import", import_id, manager.id)
    assert event.changes["invited_at"]["before"] is None
    assert event.details == {"people": 3}
    client.post(f"/manage/imports/{import_id}/invite")  # invited already: refused
    assert trail.new() == []


def test_posting_and_editing_an_opportunity(app, make, login):
    from tests.manage.test_routes import VALID

    manager = make.manager()
    client, trail = login(manager), Trail(app)
    assert client.post("/manage/opportunities/new", data=VALID).status_code == 302
    posted = trail.one("opportunity.created")
    assert (posted.target_type, posted.actor_id) == ("opportunity", manager.id)
    assert posted.changes["title"] == {"before": None, "after": VALID["title"]}
    assert posted.changes["seats"] == {"before": None, "after": 4}
    assert posted.changes["type"]["after"] == "webinar"
    url = f"/manage/opportunities/{posted.target_id}/edit"
    edited = {**VALID, "seats": "6", "location": "Teams"}
    assert client.post(url, data=edited).status_code == 302
    event = trail.one("opportunity.updated")
    assert event.target_id == posted.target_id
    assert event.changes == {
        "location": {"before": "Zoom", "after": "Teams"},
        "seats": {"before": 4, "after": 6},
    }
    client.post(url, data=edited)  # saved again unchanged: nothing to record
    assert trail.new() == []


def test_the_trail_page_lists_and_filters_the_new_kinds_in_each_language(app, make, login):
    from portal.audit import trail as audit_trail

    manager = make.manager()
    client = login(manager)
    client.post("/manage/products", data={"name": "Beacon CRM"})
    english = text(client.get("/manage/audit"))
    for label in ("Moved a referral to another stage", "Made an API token", "Referral"):
        assert label in english
    only = text(client.get("/manage/audit?action=product.created&target_type=product"))
    assert "1 event " in only and "Added a product" in only and "Product #" in only
    german = text(client.get("/manage/audit", headers={"Accept-Language": "de"}))
    assert "Ein Produkt hinzugefügt" in german and "Webhook-Endpunkt" in german
    french = text(client.get("/manage/audit", headers={"Accept-Language": "fr"}))
    assert "A ajouté un produit" in french and "Jeton d’API" in french
    # Every kind of record the trail names has its label on the page.
    assert set(audit_trail.TARGET_LABELS) == set(audit_trail.TARGET_TYPES)
