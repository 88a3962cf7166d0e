"""An advocate completes a panel and sees the badge on their public profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from portal.db import utcnow
from portal.extensions import db
from portal.recognition import badges
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser


def test_completing_a_panel_earns_a_badge_shown_on_the_public_profile(app, make, new_page):
    manager = make.manager()
    with app.app_context():
        badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Panel Pioneer",
                description="Spoke on a first panel.",
                rule_kind="first_of_type",
                rule_params={"type": "speaking_panel"},
                color="#0f7a4a",
            ),
            by=db.session.get(type(manager), manager.id),
        )
        db.session.commit()
    opportunity = make.opportunity(
        title="Panel: data at scale", starts_at=utcnow() + timedelta(hours=3), created_by=manager
    )
    advocate = make.advocate(name="Dana Meyer", public=True)
    make.participation(opportunity, advocate, "approved")

    with time_machine.travel(opportunity.starts_at + timedelta(minutes=20), tick=False):
        staff = new_page()
        sign_in(staff, manager.email)
        staff.goto(f"/manage/opportunities/{opportunity.id}")
        staff.get_by_role("button", name="Completed").click()
        expect(staff.get_by_text("Dana Meyer: completed, points awarded.")).to_be_visible()

        page = new_page()
        sign_in(page, advocate.email)
        expect(page.get_by_role("heading", name="My badges")).to_be_visible()
        expect(page.get_by_role("link", name="Panel Pioneer")).to_be_visible()
        expect(page.get_by_role("link", name="Download credential")).to_be_visible()

        visitor = new_page(width=390, height=844)
        visitor.goto("/showcase")
        visitor.get_by_role("link", name="Dana Meyer").click()
        expect(visitor.get_by_role("heading", name="Dana Meyer")).to_be_visible()
        expect(visitor.get_by_role("link", name="Panel Pioneer")).to_be_visible()
        expect(visitor.get_by_text("Panel: data at scale")).to_be_visible()
        visitor.get_by_role("link", name="Panel Pioneer").click()
        expect(visitor.get_by_role("heading", name="Panel Pioneer")).to_be_visible()
        expect(visitor.get_by_role("link", name="Dana Meyer")).to_be_visible()
