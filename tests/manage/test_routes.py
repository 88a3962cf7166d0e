"""Program managers' pages: posting, deciding, adding advocates, points, deactivation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import Opportunity, OpportunityState, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import ledger
from portal.recognition.models import PointsEntry
from tests.helpers import page, text

VALID = {
    "type": "webinar",
    "title": "Webinar: dashboards that matter",
    "summary": "Share how you build dashboards",
    "description": "We'll talk **dashboards**.",
    "timezone": "Europe/Paris",
    "starts_at": "2030-03-10T10:00",
    "ends_at": "2030-03-10T11:00",
    "application_deadline": "2030-03-01T18:00",
    "location": "Zoom",
    "is_online": "y",
    "seats": "4",
    "points": "120",
    "approval_mode": "review",
    "min_tier": "0",
}


def test_manager_creates_a_draft_in_the_opportunity_time_zone(app, make, login):
    client = login(make.manager())
    response = client.post("/manage/opportunities/new", data=VALID)
    assert response.status_code == 302, text(response)
    with app.app_context():
        opportunity = db.session.scalar(sa.select(Opportunity))
        assert opportunity.state == OpportunityState.DRAFT
        assert opportunity.starts_at.isoformat() == "2030-03-10T09:00:00+00:00"  # 10:00 CET
        assert opportunity.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "", "This field is required."),
        ("title", "x" * 161, "cannot be longer than 160"),
        ("seats", "", "Enter a number."),
        ("seats", "three", "Not a valid integer value."),
        ("seats", "0", "Number must be between 1 and 10000."),
        ("points", "-5", "Number must be between 0 and 100000."),
        ("starts_at", "", "Enter a date and time."),
        ("starts_at", "tomorrow", "Not a valid datetime value."),
        ("ends_at", "2030-03-10T09:00", "The end must be after the start."),
        ("application_deadline", "2030-03-11T09:00", "on or before the start"),
        ("type", "party", "Not a valid choice."),
        ("timezone", "Mars/Olympus", "Not a valid choice."),
        ("min_tier", "99999", "Not a valid choice."),
        ("description", "x" * 20001, "cannot be longer than 20000"),
    ],
)
def test_bad_opportunity_input_is_refused_with_a_message(app, make, login, field, value, message):
    client = login(make.manager())
    response = client.post("/manage/opportunities/new", data={**VALID, field: value})
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0


def test_publish_close_reopen_cancel(app, make, login):
    opportunity = make.opportunity(state=OpportunityState.DRAFT)
    client = login(make.manager())
    url = f"/manage/opportunities/{opportunity.id}/state"
    for action, state in (
        ("publish", OpportunityState.PUBLISHED),
        ("close", OpportunityState.CLOSED),
        ("reopen", OpportunityState.PUBLISHED),
        ("cancel", OpportunityState.CANCELLED),
    ):
        assert client.post(url, data={"action": action}).status_code == 302
        with app.app_context():
            assert db.session.get(Opportunity, opportunity.id).state == state
    refused = client.post(url, data={"action": "publish"}, follow_redirects=True)
    assert "can't be published" in text(refused)
    assert client.post(url, data={"action": "explode"}).status_code == 400


def test_decisions_through_the_queue(app, make, login):
    opportunity = make.opportunity(seats=1)
    first = make.participation(opportunity, make.advocate())
    second = make.participation(opportunity, make.advocate())
    client = login(make.manager())
    queue = text(client.get("/manage/applications"))
    assert "To review (2)" in queue
    client.post(
        f"/manage/participations/{first.id}/decide",
        data={"approve": "Approve", "message": "See you there"},
    )
    full = client.post(
        f"/manage/participations/{second.id}/decide",
        data={"approve": "Approve"},
        follow_redirects=True,
    )
    assert "All 1 seats are taken" in text(full)
    client.post(f"/manage/participations/{second.id}/decide", data={"waitlist": "Waitlist"})
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Participation.id, Participation.status)).all())
        assert statuses == {first.id: S.APPROVED, second.id: S.WAITLISTED}
    assert client.post(f"/manage/participations/{first.id}/decide", data={}).status_code == 400
    assert (
        client.post("/manage/participations/999999/decide", data={"approve": "1"}).status_code
        == 404
    )


def test_advocate_sees_the_manager_message_on_the_dashboard(app, make, login):
    opportunity = make.opportunity(title="Great panel")
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate)
    manager_client = login(make.manager())
    manager_client.post(
        f"/manage/participations/{participation.id}/decide",
        data={"decline": "Decline", "message": "We picked another industry this time."},
    )
    advocate_client = app.test_client()
    advocate_client.post(
        "/auth/sign-in", data={"email": advocate.email, "password": "correct horse battery staple"}
    )
    dashboard = text(advocate_client.get("/dashboard"))
    assert "Great panel" in dashboard and "Declined" in dashboard
    assert "We picked another industry this time." in dashboard


def test_marking_completed_awards_points_once(app, make, login):
    opportunity = make.opportunity(points=75)
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate, S.APPROVED)
    manager = make.manager()
    with time_machine.travel(opportunity.starts_at + timedelta(hours=1)):
        client = login(manager)
        for _ in range(2):
            client.post(
                f"/manage/participations/{participation.id}/mark", data={"completed": "Completed"}
            )
    with app.app_context():
        assert ledger.total_for(advocate.id) == 75
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 1


def test_add_advocate_gives_a_one_time_link(app, make, login):
    account = make.account(name="Acme Health")
    client = login(make.manager())
    response = client.post(
        "/manage/advocates/new",
        data={
            "name": "Noor Haddad",
            "email": "Noor@Acme.example",
            "account": account.id,
            "title": "CTO",
        },
    )
    assert response.status_code == 200
    link = re.search(r'value="(http://portal\.test/auth/set-password/[^"]+)"', page(response))
    assert link, text(response)
    duplicate = client.post(
        "/manage/advocates/new",
        data={
            "name": "Noor Again",
            "email": "noor@acme.example",
            "account": account.id,
            "title": "CTO",
        },
    )
    assert duplicate.status_code == 422
    assert "already exists" in text(duplicate)
    newcomer = app.test_client()
    path = link.group(1).removeprefix("http://portal.test")
    assert newcomer.get(path).status_code == 200
    newcomer.post(
        path, data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    )
    assert newcomer.get("/dashboard").headers["Location"] == "/welcome"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "email": "a@b.example", "title": "CTO"}, "This field is required."),
        ({"name": "A", "email": "not-an-email", "title": "CTO"}, "Invalid email address."),
        ({"name": "A", "email": "a@b.example", "title": "x" * 121}, "cannot be longer than 120"),
        (
            {"name": "A", "email": "a@b.example", "title": "CTO", "account": "0"},
            "Choose a company.",
        ),
        ({"name": "A", "email": "a@b.example", "title": "CTO", "account": "abc"}, "Invalid Choice"),
    ],
)
def test_add_advocate_bad_input(app, make, login, data, message):
    account = make.account()
    client = login(make.manager())
    response = client.post("/manage/advocates/new", data={"account": account.id, **data})
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_manual_award_double_submit_awards_once(app, make, login):
    advocate = make.advocate()
    client = login(make.manager())
    form = {"points": "30", "reason": "Spoke at a meetup", "key": "form-key-1"}
    client.post(f"/manage/advocates/{advocate.id}/points", data=form)
    second = client.post(
        f"/manage/advocates/{advocate.id}/points", data=form, follow_redirects=True
    )
    assert "already added" in text(second)
    with app.app_context():
        assert ledger.total_for(advocate.id) == 30


@pytest.mark.parametrize(
    "form, message",
    [
        ({"points": "10", "reason": "", "key": "k"}, "Say why"),
        ({"points": "0", "reason": "r", "key": "k"}, "Zero points"),
        ({"points": "ten", "reason": "r", "key": "k"}, "Not a valid integer"),
        ({"points": "10", "reason": "x" * 201, "key": "k"}, "cannot be longer than 200"),
    ],
)
def test_manual_award_needs_a_reason_and_a_number(app, make, login, form, message):
    advocate = make.advocate()
    client = login(make.manager())
    response = client.post(
        f"/manage/advocates/{advocate.id}/points", data=form, follow_redirects=True
    )
    assert message in text(response)
    with app.app_context():
        assert ledger.total_for(advocate.id) == 0


def test_deactivated_advocate_vanishes_from_leaderboard_and_public_pages(app, make, login):
    advocate = make.advocate(name="Quinn Gone", public=True)
    make.points(advocate, 40)
    viewer = make.advocate(name="Viewer")
    client = login(make.manager())
    assert "Quinn Gone" in text(client.get("/leaderboard"))
    client.post(f"/manage/users/{advocate.id}/deactivate", follow_redirects=True)
    assert "Quinn Gone" not in text(client.get("/leaderboard"))
    anonymous = app.test_client()
    assert anonymous.get(f"/people/{advocate.id}").status_code == 404
    assert "Quinn Gone" not in text(anonymous.get("/showcase"))
    assert viewer.id


def test_managers_cannot_deactivate_staff(make, login):
    other_manager = make.manager()
    client = login(make.manager())
    assert client.post(f"/manage/users/{other_manager.id}/deactivate").status_code == 403


def test_manager_home_shows_what_waits(make, login):
    opportunity = make.opportunity(title="Panel soon")
    make.participation(opportunity, make.advocate(name="Waiting Wanda"))
    body = text(login(make.manager()).get("/manage/"))
    assert "Applications to review 1" in body
    assert "Waiting Wanda" in body


def test_invite_page_explains_who_cannot_be_invited(app, make, login):
    from portal.opportunities.models import OpportunityType

    opportunity = make.opportunity(type=OpportunityType.WEBINAR)
    make.advocate(name="Closed Carla", open_types=[OpportunityType.EVENT])
    make.advocate(name="Capped Cyrus", max_asks=0)
    open_one = make.advocate(name="Olga Open")
    client = login(make.manager())
    body = text(client.get(f"/manage/opportunities/{opportunity.id}/invite"))
    assert "not open to webinar" in body
    assert "asked 0 of 0 times this quarter" in body
    assert "Invite Olga" in body
    client.post(f"/manage/opportunities/{opportunity.id}/invite", data={"advocate_id": open_one.id})
    with app.app_context():
        rows = db.session.execute(sa.select(Participation.advocate_id, Participation.status)).all()
        assert rows == [(open_one.id, S.INVITED)]
    assert (
        client.post(
            f"/manage/opportunities/{opportunity.id}/invite", data={"advocate_id": "nope"}
        ).status_code
        == 404
    )


def test_admin_changes_roles_but_not_between_advocate_and_staff(app, make, login):
    requester = make.requester()
    advocate = make.advocate()
    client = login(make.admin())
    client.post(f"/admin/users/{requester.id}/role", data={"role": "manager"})
    refused = client.post(
        f"/admin/users/{advocate.id}/role", data={"role": "admin"}, follow_redirects=True
    )
    assert "add a new user" in text(refused)
    with app.app_context():
        assert db.session.get(User, requester.id).role == "manager"
        assert db.session.get(User, advocate.id).role == "advocate"


def test_opportunity_page_for_managers_groups_by_status(make, login):
    opportunity = make.opportunity(title="Grouped")
    make.participation(opportunity, make.advocate(name="Ann Applied"))
    make.participation(opportunity, make.advocate(name="Ada Approved"), S.APPROVED)
    body = text(login(make.manager()).get(f"/manage/opportunities/{opportunity.id}"))
    assert "Applied (1)" in body and "Approved (1)" in body
    assert body.index("Ann Applied") < body.index("Ada Approved")
    assert utcnow()


@pytest.mark.parametrize(
    "path",
    ["/manage/accounts?q={}", "/manage/advocates?q={}", "/admin/users?q={}"],
)
def test_searches_take_percent_and_underscore_literally(app, make, login, path):
    make.advocate(name="Plain Person", account=make.account(name="Plain Company"))
    make.advocate(name="Odd_Person 100%", account=make.account(name="Odd_Co 100%"))
    client = login(make.admin())
    for typed, found in (("%", "Odd_"), ("_", "Odd_"), ("0%", "Odd_")):
        body = text(client.get(path.format(typed.replace("%", "%25"))))
        assert found in body, (path, typed)
        assert "Plain" not in body, (path, typed)


def test_the_invite_page_says_who_the_opportunity_is_not_open_to(app, make, login):
    from portal.advocates.models import Industry

    opportunity = make.opportunity(industries=[Industry.HEALTHCARE])
    outsider = make.advocate(name="Rita Retail", industry=Industry.RETAIL)
    client = login(make.manager())
    body = text(client.get(f"/manage/opportunities/{opportunity.id}/invite?q=Rita"))
    assert "Can't invite" in body and "For customers in Healthcare" in body
    assert "Invite Rita" not in body
    response = client.post(
        f"/manage/opportunities/{opportunity.id}/invite?q=Rita",
        data={"advocate_id": outsider.id},
        follow_redirects=True,
    )
    assert "Rita Retail is not eligible" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0


def test_links_for_people_use_base_url_whatever_the_host_header(app, make, login):
    from portal.urls import absolute_url

    with app.test_request_context("/", headers={"Host": "attacker.example"}):
        assert absolute_url("auth.sign_in") == "http://portal.test/auth/sign-in"
    advocate = make.advocate(password=False)
    response = login(make.manager()).post(f"/manage/users/{advocate.id}/link")
    links = re.findall(r"https?://[^\"'<>\s]+/auth/set-password/", page(response))
    assert links and all(link.startswith("http://portal.test/") for link in links)


def test_admin_adds_a_staff_member_with_a_one_time_link(app, make, login):
    client = login(make.admin())
    data = {"name": "Sam Sales", "email": "Sam@Example.com", "role": "requester"}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert re.search(r"http://portal\.test/auth/set-password/[^\"'<\s]+", page(response))
    again = client.post("/admin/users/new", data=data)
    assert again.status_code == 422
    with app.app_context():
        users = db.session.scalars(sa.select(User).where(User.email == "sam@example.com")).all()
        assert [user.role.value for user in users] == ["requester"]


def test_the_staff_page_about_an_advocate_gathers_every_domain(app, make, login):
    advocate = make.advocate(name="Gina Gather")
    make.points(advocate, 120)
    opportunity = make.opportunity(title="Panel on pipelines")
    make.participation(opportunity, advocate)
    body = text(login(make.manager()).get(f"/manage/advocates/{advocate.id}"))
    for part in ("Profile and consent", "Employment", "Points", "Tiers", "Badges", "Opportunities"):
        assert part in body, part
    assert "Points, all time 120" in body
    assert "Asks this quarter 0 / 3" in body
    assert "Panel on pipelines" in body
