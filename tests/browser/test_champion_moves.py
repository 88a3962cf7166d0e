"""A champion moves: the advocate records a new job, a manager sees the champion and the
prospect, points and badges stay, leaderboard filters follow the new company."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.recognition import badges
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser


def test_an_advocate_moves_and_the_manager_sees_the_champion(app, make, new_page):
    manager = make.manager(name="Morgan Manager")
    with app.app_context():
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Century",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 100, "period": "all"},
                color="#4338ca",
            ),
            by=db.session.get(User, manager.id),
        )
        db.session.commit()
        started = (clock.today() - timedelta(days=2)).isoformat()
    old = make.account(name="Initech")
    advocate = make.advocate(name="Rosa Diaz", account=old)
    make.points(advocate, 120)

    page = new_page()
    sign_in(page, advocate.email)
    expect(page.get_by_role("heading", name="My program")).to_be_visible()
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="Record your new job").click()
    page.get_by_label("New company").fill("Hooli Labs")
    page.get_by_label("New job title").fill("Chief Data Officer")
    page.get_by_label("Started on").fill(started)
    page.get_by_label("Its region").select_option(label="Europe")
    page.get_by_role("button", name="Record my new job").click()
    expect(page.get_by_text("Congratulations on your new job at Hooli Labs!")).to_be_visible()
    expect(page.locator("#employment")).to_contain_text("Chief Data Officer, Hooli Labs")
    expect(page.locator("#employment")).to_contain_text("Initech")
    expect(page.locator("#employment")).to_contain_text("Century")

    staff = new_page()
    sign_in(staff, manager.email)
    staff.get_by_role("link", name="Referrals").first.click()
    staff.get_by_role("link", name="Champions at new companies").click()
    row = staff.get_by_role("row", name="Rosa Diaz")
    expect(row).to_contain_text("Initech")
    expect(row).to_contain_text("Hooli Labs")
    expect(row).to_contain_text("Prospect")
    row.get_by_role("link", name="Hooli Labs").click()
    expect(staff.get_by_label("Prospect")).to_be_checked()
    expect(staff.get_by_label("Industry")).to_have_value("unknown")
    expect(staff.get_by_label("Region")).to_have_value("europe")

    page.get_by_role("link", name="My program").click()
    expect(page.get_by_text("120", exact=True).first).to_be_visible()
    page.get_by_role("link", name="Leaderboard").click()
    page.get_by_role("link", name="Only Hooli Labs").click()
    expect(page.get_by_role("row", name="Rosa Diaz")).to_contain_text("120")
