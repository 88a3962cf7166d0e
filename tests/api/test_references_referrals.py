"""Reference requests and referrals through the API: who sees what, as on the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.db import utcnow
from portal.errors import NotAllowed
from portal.extensions import db
from portal.references import asks, outcomes
from portal.references.models import DealOutcome
from portal.referrals import services as referrals
from portal.referrals.models import ReferralStage
from tests.references.helpers import advocates, new_request

pytestmark = pytest.mark.usefixtures("ctx")


def _user(person) -> User:
    return db.session.get(User, person.id)


def _ask(request, advocate, manager):
    [made] = asks.ask_candidates(request, [advocate.id], by=_user(manager))
    db.session.commit()
    return made


# --- reference requests ----------------------------------------------------------


def test_a_requester_reads_only_their_own_requests(api, make, make_token):
    alice, bob = make.requester(), make.requester()
    mine, theirs = new_request(alice, prospect_name="Globex"), new_request(bob)
    api.token = make_token(alice)
    body = api.get("/api/v1/reference-requests").get_json()
    assert [item["id"] for item in body["items"]] == [mine.id] and body["next"] is None
    one = api.get(f"/api/v1/reference-requests/{mine.id}").get_json()
    assert one["prospect_name"] == "Globex" and one["state"] == "open"
    assert one["requester_id"] == alice.id and one["advocate"] is None
    assert api.get(f"/api/v1/reference-requests/{theirs.id}").status_code == 404
    assert api.get("/api/v1/reference-requests/99999999999").status_code == 404


def test_the_advocates_contact_details_only_after_they_accepted(api, make, make_token):
    requester, manager = make.requester(), make.manager()
    ann, ben = advocates(make, 2)
    request = new_request(requester)
    api.token = make_token(requester)
    path = f"/api/v1/reference-requests/{request.id}"
    declined = _ask(request, ben, manager)
    assert api.get(path).get_json()["state"] == "asked"
    asks.answer(declined, _user(ben), accept=False)
    db.session.commit()
    assert api.get(path).get_json()["advocate"] is None
    accepted = _ask(request, ann, manager)
    assert api.get(path).get_json()["advocate"] is None  # asked, not yet accepted
    asks.answer(accepted, _user(ann), accept=True)
    db.session.commit()
    body = api.get(path).get_json()
    assert body["state"] == "scheduled"
    assert body["advocate"] == {"id": ann.id, "name": ann.name, "email": ann.email}
    outcomes.record_outcome(
        request,
        outcomes.Outcome(True, DealOutcome.WON, 90_000, "Signed"),
        by=_user(requester),
    )
    db.session.commit()
    body = api.get(path).get_json()
    assert body["state"] == "done" and body["call_held"] is True
    assert body["deal_outcome"] == "won" and body["revenue_influenced"] == 90_000
    assert body["advocate"]["email"] == ann.email


def test_staff_read_every_request_with_filters_and_etags(api, make, make_token, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    admin = make.admin()
    first = new_request(make.requester())
    time_machine.shift(timedelta(hours=2))
    second = new_request(make.requester())
    since = (utcnow() - timedelta(minutes=1)).isoformat()
    api.token = make_token(admin, ["references:read"])
    items = api.get("/api/v1/reference-requests?limit=1").get_json()
    assert [item["id"] for item in items["items"]] == [first.id] and items["next"]
    nxt = api.get(items["next"].replace("http://portal.test", "")).get_json()
    assert [item["id"] for item in nxt["items"]] == [second.id] and nxt["next"] is None
    recent = api.get("/api/v1/reference-requests", query_string={"updated_since": since})
    assert [item["id"] for item in recent.get_json()["items"]] == [second.id]
    assert api.get("/api/v1/reference-requests?state=done").get_json()["items"] == []
    bad = api.get("/api/v1/reference-requests?state=lost")
    assert bad.status_code == 422 and bad.get_json()["errors"]
    tag = api.get(f"/api/v1/reference-requests/{first.id}").headers["ETag"]
    again = api.get(f"/api/v1/reference-requests/{first.id}", headers={"If-None-Match": tag})
    assert again.status_code == 304


def test_advocates_get_no_reference_scope(make, make_token):
    with pytest.raises(NotAllowed):
        make_token(make.advocate(), ["references:read"])


# --- referrals -----------------------------------------------------------------------


def _refer(advocate, name: str, company: str):
    referral = referrals.refer(
        _user(advocate),
        referrals.PeerDetails(
            name=name,
            email=f"{name.split()[0].lower()}@{company.lower()}.example",
            company=company,
            role="CIO",
            why="They reconcile reports by hand.",
            peer_agreed=True,
        ),
    )
    db.session.commit()
    return referral


def test_an_advocate_reads_only_their_own_referrals(api, make, make_token):
    ann, ben = make.advocate(), make.advocate()
    mine, theirs = _refer(ann, "Sam Okafor", "Initech"), _refer(ben, "Kim Lee", "Umbrella")
    api.token = make_token(ann)
    body = api.get("/api/v1/referrals").get_json()
    assert [item["id"] for item in body["items"]] == [mine.id]
    assert body["items"][0]["stage"] == "new" and body["items"][0]["company_name"] == "Initech"
    assert api.get(f"/api/v1/referrals/{theirs.id}").status_code == 404
    assert api.get(f"/api/v1/referrals?advocate_id={ben.id}").get_json()["items"] == []


def test_staff_read_every_referral_with_stage_points_and_updated_since(
    api, make, make_token, time_machine
):
    time_machine.move_to(utcnow(), tick=False)
    admin, ann, ben = make.admin(), make.advocate(), make.advocate()
    first, second = _refer(ann, "Sam Okafor", "Initech"), _refer(ben, "Kim Lee", "Umbrella")
    time_machine.shift(timedelta(hours=1))
    since = utcnow().isoformat()
    referrals.move(second.id, ReferralStage.CONTACTED, by=_user(admin))
    db.session.commit()
    api.token = make_token(admin, ["referrals:read"])
    items = api.get("/api/v1/referrals").get_json()["items"]
    assert [item["id"] for item in items] == [first.id, second.id]
    moved = api.get("/api/v1/referrals", query_string={"updated_since": since}).get_json()
    assert [item["id"] for item in moved["items"]] == [second.id]
    assert moved["items"][0]["stage"] == "contacted"
    assert moved["items"][0]["points"] == referrals.points_per_stage().get("contacted", 0)
    won = api.get("/api/v1/referrals?stage=won").get_json()["items"]
    assert won == []
    one = api.get(f"/api/v1/referrals/{first.id}").get_json()
    assert one == items[0]
    assert api.get("/api/v1/referrals?stage=maybe").status_code == 422


def test_a_requester_gets_no_referral_scope(make, make_token):
    with pytest.raises(NotAllowed):
        make_token(make.requester(), ["referrals:read"])
