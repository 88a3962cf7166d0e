"""Each resource through HTTP: happy paths, and refusals that change nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import Opportunity, ParticipationStatus
from portal.recognition.models import PointsEntry


def _entries(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry))


# --- advocates -------------------------------------------------------------------


def test_staff_read_every_advocate_with_tier_points_and_badges(api, make, make_token):
    admin = make.admin()
    ann = make.advocate(name="Ann Advocate", title="CTO")
    make.advocate(name="Ben Private", shown=False, public=False)
    make.points(ann, 150)
    api.token = make_token(admin, ["advocates:read"])
    body = api.get("/api/v1/advocates").get_json()
    assert [item["name"] for item in body["items"]] == ["Ann Advocate", "Ben Private"]
    first = body["items"][0]
    assert first["email"] == ann.email and first["points"] == 150
    assert first["title"] == "CTO" and first["tier"] == "Member"
    one = api.get(f"/api/v1/advocates/{ann.id}").get_json()
    assert one == first


def test_an_advocates_token_reads_only_their_own_profile(api, make, make_token):
    ann, ben = make.advocate(), make.advocate()
    api.token = make_token(ann)
    assert [item["id"] for item in api.get("/api/v1/advocates").get_json()["items"]] == [ann.id]
    assert api.get(f"/api/v1/advocates/{ann.id}").status_code == 200
    assert api.get(f"/api/v1/advocates/{ben.id}").status_code == 404


def test_a_requester_sees_only_public_advocates_without_email(api, make, make_token, app):
    admin = make.admin()
    public = make.advocate(public=True)
    hidden = make.advocate(public=False)
    secret = make_token(admin, ["advocates:read"])
    with app.app_context():
        from portal.auth.models import Role, User

        db.session.get(User, admin.id).role = Role.REQUESTER
        db.session.commit()
    api.token = secret
    items = api.get("/api/v1/advocates").get_json()["items"]
    assert [item["id"] for item in items] == [public.id] and items[0]["email"] is None
    assert api.get(f"/api/v1/advocates/{hidden.id}").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/advocates/0", "/api/v1/advocates/99999999999"])
def test_impossible_ids_are_not_found(api, make, make_token, path):
    api.token = make_token(make.admin())
    assert api.get(path).status_code == 404


# --- accounts ---------------------------------------------------------------------


def test_accounts_with_employment_history(api, make, make_token, app):
    admin = make.admin()
    first = make.account(name="Acme")
    second = make.account(name="Globex")
    ann = make.advocate(account=first, name="Ann")
    with app.app_context():
        from portal.advocates.employment import record_move
        from portal.auth.models import User

        record_move(
            db.session.get(User, ann.id),
            account=db.session.get(type(second), second.id),
            title="VP Data",
            started_on=utcnow().date(),
        )
        db.session.commit()
    api.token = make_token(admin, ["accounts:read"])
    names = [a["name"] for a in api.get("/api/v1/accounts").get_json()["items"]]
    assert names == ["Acme", "Globex"]
    detail = api.get(f"/api/v1/accounts/{first.id}").get_json()
    assert [(j["advocate_name"], j["ended_on"] is not None) for j in detail["employment"]] == [
        ("Ann", True)
    ]
    detail = api.get(f"/api/v1/accounts/{second.id}").get_json()
    assert detail["employment"][0]["title"] == "VP Data"
    api.token = make_token(admin, ["advocates:read"])
    history = api.get(f"/api/v1/advocates/{ann.id}/employment").get_json()["items"]
    assert [(job["account_name"], job["ended_on"] is None) for job in history] == [
        ("Globex", True),
        ("Acme", False),
    ]
    api.token = make_token(admin, ["accounts:read"])
    assert api.get("/api/v1/accounts?industry=technology").status_code == 200
    response = api.get("/api/v1/accounts?industry=farming")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "industry"
    assert api.get("/api/v1/accounts/424242").status_code == 404


def test_an_advocates_token_cannot_have_accounts(api, make, make_token):
    ann = make.advocate()
    api.token = make_token(ann)
    assert api.get("/api/v1/accounts").status_code == 403


# --- opportunities ------------------------------------------------------------------


def _new_opportunity(**changes) -> dict:
    starts = utcnow() + timedelta(days=20)
    body = {
        "type": "webinar",
        "title": "Data teams webinar",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "timezone": "Europe/Paris",
        "seats": 5,
        "application_deadline": (starts - timedelta(days=2)).isoformat(),
        "industries": ["technology"],
    }
    body.update(changes)
    return body


def test_create_publish_and_close_an_opportunity(api, make, make_token, app):
    api.token = make_token(make.admin(), ["opportunities:write"])
    response = api.post("/api/v1/opportunities", json=_new_opportunity())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["state"] == "draft" and created["points"] == 100
    assert response.headers["Location"].endswith(f"/api/v1/opportunities/{created['id']}")
    published = api.post(f"/api/v1/opportunities/{created['id']}/publish").get_json()
    assert published["state"] == "published" and published["published_at"]
    closed = api.post(f"/api/v1/opportunities/{created['id']}/close").get_json()
    assert closed["state"] == "closed"
    again = api.post(f"/api/v1/opportunities/{created['id']}/close")
    assert again.status_code == 409
    assert again.get_json()["detail"] == "Only a published opportunity can be closed."
    listed = api.get("/api/v1/opportunities?state=closed").get_json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"seats": 0}, "seats"),
        ({"type": "party"}, "type"),
        ({"title": "   "}, "title"),
        ({"starts_at": "2026-12-01T10:00:00"}, "starts_at"),  # no offset
        ({"surprise": 1}, "surprise"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "a\u0000b"}, "title"),
    ],
)
def test_invalid_opportunities_are_refused_field_by_field(
    api, make, make_token, app, changes, field
):
    api.token = make_token(make.admin(), ["opportunities:write"])
    response = api.post("/api/v1/opportunities", json=_new_opportunity(**changes))
    assert response.status_code == 422, response.get_json()
    assert field in [error["field"] for error in response.get_json()["errors"]]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0


def test_a_body_that_is_not_json_is_refused(api, make, make_token):
    api.token = make_token(make.admin(), ["opportunities:write"])
    response = api.post(
        "/api/v1/opportunities", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_impossible_dates_are_a_conflict_with_the_services_words(api, make, make_token):
    api.token = make_token(make.admin(), ["opportunities:write"])
    starts = utcnow() + timedelta(days=20)
    body = _new_opportunity(ends_at=(starts - timedelta(days=1)).isoformat())
    response = api.post("/api/v1/opportunities", json=body)
    assert response.status_code == 409
    assert "end must be after the start" in response.get_json()["detail"]


def test_read_scope_cannot_write(api, make, make_token, app):
    api.token = make_token(make.admin(), ["opportunities:read"])
    assert api.post("/api/v1/opportunities", json=_new_opportunity()).status_code == 403


def test_opportunities_updated_since(api, make, make_token, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    old = make.opportunity(title="Old")
    time_machine.shift(timedelta(hours=1))
    since = utcnow()
    new = make.opportunity(title="New")
    api.token = make_token(make.admin(), ["opportunities:read"])
    query = since.isoformat().replace("+", "%2B")
    items = api.get(f"/api/v1/opportunities?updated_since={query}").get_json()["items"]
    assert [item["id"] for item in items] == [new.id]
    assert old.id != new.id


# --- participations -------------------------------------------------------------------


def test_complete_a_participation_awards_points_once(api, make, make_token, app):
    admin = make.admin()
    ann = make.advocate()
    opportunity = make.opportunity(starts_at=utcnow() - timedelta(days=1), points=40)
    participation = make.participation(opportunity, ann, ParticipationStatus.APPROVED)
    api.token = make_token(admin, ["participations:write"])
    done = api.post(f"/api/v1/participations/{participation.id}/complete")
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert api.post(f"/api/v1/participations/{participation.id}/complete").status_code == 200
    with app.app_context():
        assert db.session.scalars(sa.select(PointsEntry.points)).all() == [40]


def test_completion_before_the_start_is_refused(api, make, make_token):
    ann = make.advocate()
    participation = make.participation(make.opportunity(), ann, ParticipationStatus.APPROVED)
    api.token = make_token(make.admin(), ["participations:write"])
    response = api.post(f"/api/v1/participations/{participation.id}/complete")
    assert response.status_code == 409


def test_advocates_see_their_own_participations_only(api, make, make_token):
    ann, ben = make.advocate(), make.advocate()
    opportunity = make.opportunity()
    mine = make.participation(opportunity, ann)
    theirs = make.participation(opportunity, ben)
    api.token = make_token(ann)
    items = api.get("/api/v1/participations").get_json()["items"]
    assert [item["id"] for item in items] == [mine.id]
    assert api.get(f"/api/v1/participations/{theirs.id}").status_code == 404
    # Read-only: an advocate's token can't even ask for the write scope.
    assert api.post(f"/api/v1/participations/{mine.id}/complete").status_code == 403


def test_there_is_no_applying_on_an_advocates_behalf(api, make, make_token):
    api.token = make_token(make.admin())
    opportunity = make.opportunity()
    response = api.post("/api/v1/participations", json={"opportunity_id": opportunity.id})
    assert response.status_code == 405


# --- the ledger -------------------------------------------------------------------------


def test_manual_award_and_reversal(api, make, make_token, app):
    admin = make.admin()
    ann = make.advocate()
    api.token = make_token(admin, ["ledger:write"])
    award = api.post(
        "/api/v1/ledger/awards",
        json={"advocate_id": ann.id, "points": 30, "reason": "Spoke at the meetup"},
    )
    assert award.status_code == 201
    entry = award.get_json()
    assert entry["points"] == 30 and entry["source"] == "manual"
    assert entry["awarded_by_id"] == admin.id
    reversal = api.post(
        f"/api/v1/ledger/entries/{entry['id']}/reversal", json={"reason": "Counted twice"}
    )
    assert reversal.status_code == 201
    assert (
        reversal.get_json()["points"] == -30 and reversal.get_json()["corrects_id"] == entry["id"]
    )
    again = api.post(f"/api/v1/ledger/entries/{entry['id']}/reversal", json={"reason": "Again"})
    assert again.status_code == 409
    listed = api.get(f"/api/v1/ledger/entries?advocate_id={ann.id}").get_json()["items"]
    assert [item["points"] for item in listed] == [30, -30]


def test_below_zero_needs_the_same_confirmation_as_the_page(api, make, make_token, app):
    ann = make.advocate()
    make.points(ann, 20)
    api.token = make_token(make.admin(), ["ledger:write"])
    body = {"advocate_id": ann.id, "points": -50, "reason": "Correction"}
    refused = api.post("/api/v1/ledger/awards", json=body)
    assert refused.status_code == 409
    assert refused.get_json()["type"].endswith("#problem-below-zero")
    assert "from 20 to -30 points" in refused.get_json()["detail"]
    assert _entries(app) == 1
    confirmed = api.post("/api/v1/ledger/awards", json={**body, "confirm_below_zero": True})
    assert confirmed.status_code == 201
    assert _entries(app) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"points": 10, "reason": "x"},
        {"advocate_id": 1, "points": "ten", "reason": "x"},
        {"advocate_id": 1, "points": 10, "reason": ""},
        {"advocate_id": 1, "points": 10**9, "reason": "x"},
        {"advocate_id": 1, "points": 10, "reason": "x" * 201},
    ],
)
def test_invalid_awards_change_nothing(api, make, make_token, app, body):
    ann = make.advocate()
    if "advocate_id" in body:
        body = {**body, "advocate_id": ann.id}
    api.token = make_token(make.admin(), ["ledger:write"])
    response = api.post("/api/v1/ledger/awards", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert _entries(app) == 0


def test_awards_only_for_advocates_that_exist(api, make, make_token, app):
    admin = make.admin()
    api.token = make_token(admin, ["ledger:write"])
    for advocate_id in (424242, admin.id):
        body = {"advocate_id": advocate_id, "points": 5, "reason": "x"}
        assert api.post("/api/v1/ledger/awards", json=body).status_code == 404
    assert _entries(app) == 0


def test_an_advocate_reads_only_their_own_ledger(api, make, make_token):
    ann, ben = make.advocate(), make.advocate()
    make.points(ann, 10)
    make.points(ben, 20)
    api.token = make_token(ann)
    items = api.get("/api/v1/ledger/entries").get_json()["items"]
    assert [item["points"] for item in items] == [10]
    items = api.get(f"/api/v1/ledger/entries?advocate_id={ben.id}").get_json()["items"]
    assert items == []


# --- badges ------------------------------------------------------------------------------


def test_badges_and_awards(api, make, make_token, app):
    from portal.recognition import badges
    from portal.recognition.models import Badge

    ann = make.advocate()
    with app.app_context():
        badge = Badge(
            slug="first-panel",
            name="First panel",
            rule_kind="first_of_type",
            rule_params={"type": "speaking_panel"},
            image=b"<svg/>",
        )
        db.session.add(badge)
        db.session.flush()
        badges.award(badge, ann.id)
        db.session.commit()
    api.token = make_token(make.admin(), ["badges:read"])
    assert [b["slug"] for b in api.get("/api/v1/badges").get_json()["items"]] == ["first-panel"]
    awards = api.get(f"/api/v1/badge-awards?advocate_id={ann.id}").get_json()["items"]
    assert [(a["badge_slug"], a["advocate_id"]) for a in awards] == [("first-panel", ann.id)]


def test_decide_applications_with_the_seat_rules(api, make, make_token):
    ann, ben = make.advocate(), make.advocate()
    opportunity = make.opportunity(seats=1)
    first = make.participation(opportunity, ann)
    second = make.participation(opportunity, ben)
    api.token = make_token(make.admin(), ["participations:write"])
    approved = api.post(
        f"/api/v1/participations/{first.id}/decision",
        json={"decision": "approve", "message": "See you there"},
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    full = api.post(f"/api/v1/participations/{second.id}/decision", json={"decision": "approve"})
    assert full.status_code == 409 and "seats are taken" in full.get_json()["detail"]
    bad = api.post(f"/api/v1/participations/{second.id}/decision", json={"decision": "maybe"})
    assert bad.status_code == 422
    waitlisted = api.post(
        f"/api/v1/participations/{second.id}/decision", json={"decision": "waitlist"}
    )
    assert waitlisted.get_json()["status"] == "waitlisted"


def test_no_show_reverses_a_mistaken_completion(api, make, make_token, app):
    ann = make.advocate()
    opportunity = make.opportunity(starts_at=utcnow() - timedelta(days=1), points=40)
    participation = make.participation(opportunity, ann, ParticipationStatus.APPROVED)
    api.token = make_token(make.admin(), ["participations:write"])
    api.post(f"/api/v1/participations/{participation.id}/complete")
    response = api.post(f"/api/v1/participations/{participation.id}/no-show")
    assert response.status_code == 200 and response.get_json()["status"] == "no_show"
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(PointsEntry.points))) == [-40, 40]
