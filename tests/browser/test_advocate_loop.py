"""The whole loop in a real browser: apply, approve, complete, see the points and rank."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from portal.db import utcnow
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Page, email: str) -> None:
    page.goto("/auth/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_advocate_applies_manager_approves_and_completes(make, new_page):
    opportunity = make.opportunity(
        title="Panel: scaling analytics",
        starts_at=utcnow() + timedelta(hours=3),
        deadline=utcnow() + timedelta(hours=2),
        points=150,
        seats=2,
    )
    rival = make.advocate(name="Rita Rival")
    make.points(rival, 100)
    advocate = make.advocate(name="Dana Meyer")
    manager = make.manager(name="Morgan Manager")

    page = new_page()
    sign_in(page, advocate.email)
    expect(page.get_by_role("heading", name="My program")).to_be_visible()
    expect(page.get_by_test_id("points-all")).to_have_text("0")
    page.get_by_role("link", name="Opportunities").first.click()
    page.get_by_role("link", name="Panel: scaling analytics").click()
    page.get_by_label("Note to the program team (optional)").fill("I have a great story.")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Thanks for applying!")).to_be_visible()
    expect(page.get_by_text("Applied", exact=True)).to_be_visible()

    staff = new_page()
    sign_in(staff, manager.email)
    staff.get_by_role("link", name="Applications").first.click()
    expect(staff.get_by_text("I have a great story.")).to_be_visible()
    staff.get_by_text("Add a message for Dana").click()
    staff.get_by_label("Message to Dana Meyer (optional)").fill("Welcome aboard!")
    staff.get_by_role("button", name="Approve", exact=True).click()
    expect(staff.get_by_text("Dana Meyer: approved.")).to_be_visible()

    page.goto("/dashboard")
    expect(page.get_by_text("Welcome aboard!")).to_be_visible()

    with time_machine.travel(opportunity.starts_at + timedelta(minutes=30), tick=False):
        staff.goto(f"/manage/opportunities/{opportunity.id}")
        staff.get_by_role("button", name="Completed").click()
        expect(staff.get_by_text("Dana Meyer: completed, points awarded.")).to_be_visible()

        page.goto("/dashboard")
        expect(page.get_by_test_id("points-all")).to_have_text("150")
        expect(page.get_by_text("Rank #1", exact=True)).to_be_visible()
        page.get_by_role("link", name="Leaderboard").click()
        expect(page.get_by_test_id("my-standing")).to_contain_text("You are #1 with 150 points")
        rows = page.locator("table.board tbody tr")
        expect(rows.first).to_contain_text("Dana Meyer")
        expect(rows.nth(1)).to_contain_text("Rita Rival")


def test_menu_works_with_keyboard_on_a_phone(make, new_page):
    advocate = make.advocate()
    page = new_page(width=390, height=844)
    sign_in(page, advocate.email)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Leaderboard")).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Leaderboard").click()
    expect(page).to_have_url(re.compile(r"/leaderboard$"))
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
