"""The advocate's own pages: welcome step, profile and consent, dashboard, leaderboard."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates import visibility
from portal.advocates.models import AdvocateProfile, ConsentAsset, OpenType
from portal.extensions import db
from portal.recognition.models import Standing
from tests.helpers import page, text

WELCOME = {
    "name": "Dana Meyer",
    "title": "Head of Analytics",
    "bio": "I run analytics.",
    "open_types": ["webinar", "case_study"],
    "max_asks_per_quarter": "2",
    "quiet_until": "",
    "show_on_leaderboard": "y",
    "timezone": "",
}


def test_first_sign_in_leads_to_the_welcome_step(make, login):
    client = login(make.advocate(onboarded=False))
    assert client.get("/dashboard").headers["Location"] == "/welcome"
    assert client.get("/opportunities").headers["Location"] == "/welcome"
    body = text(client.get("/welcome"))
    assert (
        "Welcome" in body
        and "Show me on leaderboards" in body
        and "Show me on the public showcase" in body
    )


def test_welcome_saves_consent_and_joins_the_entry_tier(app, make, login):
    advocate = make.advocate(onboarded=False)
    client = login(advocate)
    response = client.post("/welcome", data=WELCOME)
    assert response.status_code == 302 and response.headers["Location"] == "/opportunities"
    with app.app_context():
        profile = db.session.get(AdvocateProfile, advocate.id)
        assert profile.onboarded_at is not None
        assert profile.max_asks_per_quarter == 2
        assert profile.show_on_leaderboard
        assert not visibility.shows_publicly(advocate.id, ConsentAsset.NAME_TITLE)
        assert profile.open_types == {"webinar", "case_study"}
        assert profile.current_tier.name == "Member"
    assert client.get("/dashboard").status_code == 200
    assert client.get("/welcome").headers["Location"] == "/dashboard"


def test_profile_bad_input_changes_nothing(app, make, login):
    advocate = make.advocate(max_asks=3)
    client = login(advocate)
    for field, value, message in [
        ("max_asks_per_quarter", "many", "Not a valid integer value."),
        ("max_asks_per_quarter", "21", "Number must be between 0 and 20."),
        ("name", "", "This field is required."),
        ("bio", "x" * 1001, "cannot be longer than 1000"),
        ("quote", "x" * 301, "cannot be longer than 300"),
        ("quiet_until", "next week", "Not a valid date value."),
        ("open_types", "parachuting", "not a valid choice"),
        ("timezone", "Mars/Olympus", "Not a valid choice"),
    ]:
        response = client.post("/profile", data={**WELCOME, field: value})
        assert response.status_code == 422, field
        assert message in page(response), field
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).max_asks_per_quarter == 3


def test_profile_ignores_fields_it_does_not_offer(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    client.post(
        "/profile",
        data={**WELCOME, "role": "admin", "points": "9999", "user_id": "1", "current_tier_id": "4"},
    )
    with app.app_context():
        from portal.auth.models import User
        from portal.recognition import ledger

        assert db.session.get(User, advocate.id).role == "advocate"
        assert ledger.total_for(advocate.id) == 0
        assert db.session.get(AdvocateProfile, advocate.id).current_tier.name == "Member"


def test_hiding_from_leaderboards_takes_effect_at_once(app, make, login):
    advocate = make.advocate(name="Dana Meyer")
    make.points(advocate, 50)
    other = make.advocate(name="Other One")
    make.points(other, 10)
    client = login(advocate)
    client.post("/profile", data={**WELCOME, "show_on_leaderboard": ""})
    with app.app_context():
        assert db.session.scalars(
            sa.select(Standing.visible).where(Standing.advocate_id == advocate.id)
        ).all() == [False, False, False]
    own = text(client.get("/leaderboard"))
    assert "You would be #1 with 50 points" in own
    viewer = app.test_client()
    viewer.post(
        "/auth/sign-in", data={"email": other.email, "password": "correct horse battery staple"}
    )
    board = text(viewer.get("/leaderboard"))
    assert "Dana Meyer" not in board and "Other One" in board


def test_dashboard_shows_points_tier_and_entries(make, login):
    advocate = make.advocate()
    make.points(advocate, 130)
    body = text(login(advocate).get("/dashboard"))
    assert "Points, all time 130" in body
    assert "Rank #1" in body
    assert "Member" in body and "You can join Insider" in body
    assert "Test award" in body


def test_dashboard_empty_states_point_to_the_next_step(make, login):
    body = text(login(make.advocate()).get("/dashboard"))
    assert "Browse opportunities" in body
    assert "You earn points when you complete an opportunity." in body


def test_open_types_rows_are_replaced_not_duplicated(app, make, login):
    advocate = make.advocate()
    client = login(advocate)
    client.post("/profile", data={**WELCOME, "open_types": ["webinar"]})
    client.post("/profile", data={**WELCOME, "open_types": ["webinar", "review"]})
    with app.app_context():
        assert sorted(
            db.session.scalars(sa.select(OpenType.type).where(OpenType.user_id == advocate.id))
        ) == ["review", "webinar"]


def test_tier_opt_in_page(app, make, login):
    advocate = make.advocate()
    make.points(advocate, 150)
    client = login(advocate)
    body = text(client.get("/tiers"))
    assert "Join Insider" in body
    with app.app_context():
        from portal.recognition.models import Tier

        insider = db.session.scalar(sa.select(Tier.id).where(Tier.name == "Insider"))
    refused = client.post(f"/tiers/{insider}/opt-in", data={}, follow_redirects=True)
    assert "accept what the Insider tier expects" in text(refused)
    joined = client.post(f"/tiers/{insider}/opt-in", data={"accept": "y"}, follow_redirects=True)
    assert "Welcome to the Insider tier" in text(joined)
    assert client.post("/tiers/99999/opt-in", data={"accept": "y"}).status_code == 404


def test_tiers_and_tier_notices_say_which_tier_the_advocate_holds(app, make, login):
    from portal.recognition import tiers
    from portal.recognition.models import Tier

    advocate = make.advocate()
    make.points(advocate, 150)  # Insider eligible: notified
    make.points(advocate, 400)  # Champion eligible: notified
    with app.app_context():
        champion = db.session.scalar(sa.select(Tier).where(Tier.name == "Champion"))
        tiers.opt_in(advocate.id, champion, accepted=True)
        db.session.commit()
    client = login(advocate)
    page = text(client.get("/tiers"))
    assert "You hold the Champion tier, with 550 points." in page
    assert "Part of your Champion tier: nothing to join here." in page  # Member and Insider
    assert "Join Insider" not in page
    notices = text(client.get("/notifications"))
    assert notices.count("You hold the Champion tier now: nothing to do.") == 2


def test_before_joining_the_menu_offers_only_the_welcome_step(make, login):
    client = login(make.advocate(onboarded=False))
    welcome = page(client.get("/welcome"))
    nav = welcome.split('id="site-nav"')[1].split("</nav>")[0]
    assert "Finish joining" in nav and "opens once you've joined" in nav
    for path in ("/dashboard", "/opportunities", "/leaderboard", "/notifications"):
        assert f'href="{path}"' not in nav, path
    # The account page stays reachable, and says the same.
    assert "Finish joining" in page(client.get("/auth/security"))


def test_the_time_zone_picker_lists_current_zones_by_region_program_zone_first(
    app, make, login, monkeypatch
):
    import re

    monkeypatch.setitem(app.config, "PROGRAM_TIMEZONE", "Europe/Berlin")
    body = page(login(make.advocate()).get("/profile"))
    picker = body.split('id="timezone"')[1].split("</select>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)"', picker)
    assert groups[0] == "Suggested" and {"Europe", "Americas", "Asia", "Pacific Ocean"} <= set(
        groups
    )
    suggested = re.findall(r'value="([^"]*)"', picker.split("</optgroup>")[0])
    assert suggested[:3] == ["", "Europe/Berlin", "UTC"]
    values = set(re.findall(r'value="([^"]*)"', picker))
    assert {"Asia/Kolkata", "Europe/Kyiv", "America/New_York", "Europe/Oslo"} <= values
    assert not {"US/Eastern", "Asia/Calcutta", "Europe/Kiev", "GB"} & values
