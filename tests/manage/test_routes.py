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
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
)
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


def test_staff_search_finds_advocates_accounts_and_opportunities(make, login):
    make.advocate(name="Nadia Northwind", account=make.account(name="Northwind Bank"))
    make.advocate(name="Someone Else")
    make.opportunity(title="Northwind customer summit")
    client = login(make.manager())
    body = text(client.get("/manage/search?q=northwind"))
    assert "Advocates 1" in body and "Nadia Northwind" in body
    assert "Accounts 1" in body and "Northwind Bank" in body
    assert "Opportunities 1" in body and "Northwind customer summit" in body
    assert "Someone Else" not in body
    assert "Search the program" in text(client.get("/manage/search"))
    # The header carries the box on every staff page.
    assert 'id="staff-search"' in page(client.get("/manage/"))


def test_an_account_status_reads_the_same_on_every_staff_page(app, make, login):
    from portal.auth.models import AccountStatus

    invited = make.advocate(name="Ivy Invited", onboarded=False)
    with app.app_context():
        user = db.session.get(User, invited.id)
        user.password_hash = None
        db.session.commit()
    joining = make.advocate(name="Jo Joining", onboarded=False)
    active = make.advocate(name="Ada Active")
    gone = make.advocate(name="Dee Deactivated", active=False)
    client = login(make.admin())
    expected = {
        invited: AccountStatus.INVITED,
        joining: AccountStatus.JOINING,
        active: AccountStatus.ACTIVE,
        gone: AccountStatus.DEACTIVATED,
    }
    advocates = text(client.get("/manage/advocates"))
    users = text(client.get("/admin/users"))
    for person, status in expected.items():
        label = str(status.label)
        assert label in advocates and label in users, status
        detail = text(client.get(f"/manage/advocates/{person.id}"))
        assert f"{person.email} · {label}" in detail, status


def test_a_new_opportunity_is_worth_its_type_default_unless_the_manager_says_so(app, make, login):
    from portal.opportunities import posting
    from portal.opportunities.models import OpportunityType

    with app.app_context():
        posting.set_default_points({**posting.default_points(), OpportunityType.CASE_STUDY: 250})
        db.session.commit()
    client = login(make.manager())
    form = page(client.get("/manage/opportunities/new"))
    assert 'data-follows="type"' in form and '"case_study": 250' in form
    client.post(
        "/manage/opportunities/new",
        data={**VALID, "type": "case_study", "points": "", "title": "Story of a year"},
    )
    client.post("/manage/opportunities/new", data={**VALID, "type": "case_study", "points": "80"})
    with app.app_context():
        points = dict(db.session.execute(sa.select(Opportunity.title, Opportunity.points)).all())
    assert points == {"Story of a year": 250, VALID["title"]: 80}


def test_a_manager_writes_to_everyone_confirmed_or_to_the_waitlist(app, make, login):
    from portal.notifications.models import Notification

    opportunity = make.opportunity(title="Panel on pipelines", seats=1)
    confirmed = make.advocate(name="Cora Confirmed")
    waiting = make.advocate(name="Walt Waiting")
    make.participation(opportunity, confirmed, status=S.APPROVED)
    make.participation(opportunity, waiting, status=S.WAITLISTED)
    client = login(make.manager(name="Mona Manager"))
    assert "Write to the participants" in text(
        client.get(f"/manage/opportunities/{opportunity.id}")
    )
    response = client.post(
        f"/manage/opportunities/{opportunity.id}/message",
        data={"audience": "confirmed", "message": "The room changed to B2."},
        follow_redirects=True,
    )
    assert "Sent to 1 advocate." in text(response)
    bad = client.post(
        f"/manage/opportunities/{opportunity.id}/message",
        data={"audience": "everyone", "message": "x" * 401},
        follow_redirects=True,
    )
    assert "Nothing was sent" in text(bad)
    with app.app_context():
        told = db.session.execute(sa.select(Notification.user_id, Notification.message)).all()
    assert told == [
        (confirmed.id, "From Mona Manager about “Panel on pipelines”: The room changed to B2.")
    ]


def test_the_review_queue_gives_what_a_decision_needs(app, make, login):
    rich = make.advocate(name="Rita Rich", account=make.account(name="Acme Bank"))
    make.points(rich, 600)
    poor = make.advocate(name="Pete Poor")
    past = make.opportunity(title="Old panel", starts_at=utcnow() - timedelta(days=30))
    make.participation(past, poor, status=S.COMPLETED)
    make.participation(
        make.opportunity(starts_at=utcnow() - timedelta(days=20)), poor, status=S.NO_SHOW
    )
    panel = make.opportunity(title="Panel on pipelines")
    webinar = make.opportunity(title="Webinar on dashboards", type=OpportunityType.WEBINAR)
    make.participation(panel, poor, status=S.APPLIED, note="I have a story")
    make.participation(webinar, rich, status=S.APPLIED)
    client = login(make.manager())
    body = text(client.get("/manage/applications"))
    assert "Acme Bank · Member · 600 points · asked 0 of 3 times this quarter · 0 completed" in body
    assert "1 completed, 1 no-show" in body and "“I have a story”" in body
    assert body.index("Pete Poor") < body.index("Rita Rich")  # oldest first
    by_points = text(client.get("/manage/applications?order=points"))
    assert by_points.index("Rita Rich") < by_points.index("Pete Poor")
    only_webinars = text(client.get("/manage/applications?type=webinar"))
    assert "Rita Rich" in only_webinars and "Pete Poor" not in only_webinars
    only_panel = text(client.get(f"/manage/applications?opportunity={panel.id}"))
    assert "Pete Poor" in only_panel and "Rita Rich" not in only_panel
    assert (
        client.get("/manage/applications?order=nonsense&type=party&opportunity=x").status_code
        == 200
    )


def test_several_applications_are_decided_at_once_within_the_seats(app, make, login):
    opportunity = make.opportunity(title="Small room", seats=2)
    people = [make.advocate(name=f"Person {n}") for n in range(3)]
    ids = [make.participation(opportunity, p, status=S.APPLIED).id for p in people]
    client = login(make.manager())
    response = client.post(
        "/manage/applications/decide",
        data={"ids": ids, "approve": "Approve selected"},
        follow_redirects=True,
    )
    body = text(response)
    assert "Approved: Person 0, Person 1." in body
    assert "Person 2: All 2 seats are taken." in body
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Participation.id, Participation.status)).all())
        assert [statuses[i] for i in ids] == [S.APPROVED, S.APPROVED, S.APPLIED]
        assert db.session.get(Opportunity, opportunity.id).seats_taken == 2


def test_declining_several_asks_for_confirmation_first(app, make, login):
    opportunity = make.opportunity(title="Panel")
    ids = [make.participation(opportunity, make.advocate(), status=S.APPLIED).id for _ in range(2)]
    client = login(make.manager())
    ask = client.post("/manage/applications/decide", data={"ids": ids, "decline": "Decline"})
    assert ask.status_code == 200 and "Decline 2 applications?" in text(ask)
    with app.app_context():
        assert {p.status for p in db.session.scalars(sa.select(Participation))} == {S.APPLIED}
    client.post(
        "/manage/applications/decide", data={"ids": ids, "decline": "Decline", "confirmed": "1"}
    )
    with app.app_context():
        assert {p.status for p in db.session.scalars(sa.select(Participation))} == {S.DECLINED}
    nothing = client.post(
        "/manage/applications/decide", data={"approve": "Approve"}, follow_redirects=True
    )
    assert "Tick the applications to decide first." in text(nothing)


def test_admins_brand_the_program_in_pages_and_mail(app, make, login):
    from portal.mail.models import OutboxMessage

    admin = login(make.admin())
    base = {"registration_mode": "invite", "tier_grace_days": "90", "language": "en"}
    base.update({f"points_{kind.value}": "100" for kind in OpportunityType})
    too_light = admin.post(
        "/admin/settings", data={**base, "program_name": "Acme Voices", "accent_color": "#ffd700"}
    )
    assert too_light.status_code == 422
    assert "too light to read against the page" in text(too_light)
    saved = admin.post(
        "/admin/settings",
        data={**base, "program_name": "Acme Voices", "accent_color": "#0b6e4f"},
        follow_redirects=True,
    )
    assert "Settings saved." in text(saved)
    visitor = app.test_client()
    home = page(visitor.get("/auth/sign-in"))
    assert "<title>Sign in · Acme Voices</title>" in home
    theme = re.search(r'href="(/theme.css\?accent=0b6e4f)"', home).group(1)
    assert "--brand: #0b6e4f;" in visitor.get(theme).get_data(as_text=True)
    admin.post(
        "/admin/users/new", data={"name": "Sue", "email": "sue@example.com", "role": "manager"}
    )
    with app.app_context():
        invitation = db.session.scalar(sa.select(OutboxMessage))
    assert "Acme Voices" in invitation.subject and "#0b6e4f" in invitation.html_body


def test_a_manager_records_who_took_part_in_something_that_already_happened(app, make, login):
    from portal.recognition import ledger

    manager = make.manager()
    client = login(manager)
    yesterday = utcnow() - timedelta(days=1)
    draft = make.opportunity(
        title="Review posted yesterday",
        state=OpportunityState.DRAFT,
        starts_at=yesterday,
        seats=1,
        points=40,
        created_by=manager,
    )
    reviewer = make.advocate(name="Rae Reviewer")
    other = make.advocate(name="Otto Other")
    assert "Record who took part" in text(client.get(f"/manage/opportunities/{draft.id}"))
    for _ in range(2):  # a double click records once
        done = client.post(
            f"/manage/opportunities/{draft.id}/record",
            data={"advocate_id": reviewer.id},
            follow_redirects=True,
        )
    assert "Rae Reviewer: took part, 40 points awarded." in text(done)
    full = client.post(
        f"/manage/opportunities/{draft.id}/record",
        data={"advocate_id": other.id},
        follow_redirects=True,
    )
    assert "All 1 seats are taken: add seats first." in text(full)
    with app.app_context():
        opportunity = db.session.get(Opportunity, draft.id)
        assert opportunity.state == OpportunityState.CLOSED and opportunity.seats_taken == 1
        assert opportunity.starts_at.date() == yesterday.date()  # no dates moved
        assert ledger.total_for(reviewer.id) == 40 and ledger.total_for(other.id) == 0
    future = make.opportunity(created_by=manager)
    too_early = client.post(
        f"/manage/opportunities/{future.id}/record",
        data={"advocate_id": other.id},
        follow_redirects=True,
    )
    assert "It hasn't happened yet" in text(too_early)


def test_staff_add_and_change_companies_customers_and_prospects(app, make, login):
    from portal.advocates.models import Account, AccountKind

    client = login(make.manager())
    form = {
        "name": "Globex",
        "kind": "prospect",
        "industry": "retail",
        "region": "europe",
        "size_band": "large",
        "owner": "0",
        "crm_id": "",
        "domains": "globex.example",
    }
    assert client.post("/manage/accounts/new", data=form).status_code == 302
    again = client.post("/manage/accounts/new", data={**form, "name": "GLOBEX"})
    assert again.status_code == 422 and "already exists" in text(again)
    partner = client.post("/manage/accounts/new", data={**form, "name": "Hooli", "kind": "partner"})
    assert partner.status_code == 422 and "Not a valid choice" in text(partner)
    assert "Globex Prospect" in text(client.get("/manage/accounts"))
    with app.app_context():
        account = db.session.scalar(sa.select(Account))
        assert account.kind == AccountKind.PROSPECT
        account_id = account.id
    client.post(f"/manage/accounts/{account_id}", data={**form, "kind": "customer"})
    with app.app_context():
        assert db.session.get(Account, account_id).kind == AccountKind.CUSTOMER


def test_an_admin_uploads_a_logo_for_every_page(app, make, login):
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (800, 400), "navy").save(picture, format="PNG")
    admin = login(make.admin())
    base = {
        "registration_mode": "invite",
        "tier_grace_days": "90",
        "accent_color": "#4338ca",
        "language": "en",
    }
    base.update({f"points_{kind.value}": "100" for kind in OpportunityType})
    bad = admin.post(
        "/admin/settings",
        data={**base, "logo": (io.BytesIO(b"not an image"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "not a readable PNG or JPEG" in text(bad)
    admin.post(
        "/admin/settings",
        data={**base, "logo": (io.BytesIO(picture.getvalue()), "logo.png")},
        content_type="multipart/form-data",
    )
    header = page(app.test_client().get("/auth/sign-in"))
    logo = re.search(r'<img src="(/images/\d+)" alt="" width="28"', header).group(1)
    served = app.test_client().get(logo)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(served.data)) as stored:
        assert max(stored.size) == 256  # re-encoded and bounded, never the original
    # Mail carries it too, by its absolute address.
    admin.post(
        "/admin/users/new", data={"email": "new@example.com", "name": "New", "role": "manager"}
    )
    with app.app_context():
        from portal.mail.models import OutboxMessage

        html = db.session.scalars(sa.select(OutboxMessage.html_body)).all()[-1]
    assert f'<img src="{app.config["BASE_URL"]}{logo}"' in html
    admin.post("/admin/settings", data={**base, "remove_logo": "y"})
    assert "img/mark.svg" in page(app.test_client().get("/auth/sign-in"))
    assert app.test_client().get(logo).status_code == 404  # no longer the logo: not public
