"""A reference in Chromium: request, shortlist, ask, accept by mailed link, outcome, points."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.advocates.models import Industry
from tests.browser.test_advocate_loop import sign_in
from tests.references.helpers import open_to_references

pytestmark = pytest.mark.browser


def test_request_shortlist_ask_accept_by_link_outcome_points(app, make, new_page, smtp, deliver):
    requester = make.requester(name="Sam Sales")
    advocate = make.advocate(
        name="Priya Patel", email="priya@example.com", industry=Industry.HEALTHCARE
    )
    rival = make.advocate(name="Rita Rival", industry=Industry.RETAIL)
    make.points(rival, 30)
    with app.app_context():
        open_to_references(advocate, rival)

    page = new_page(width=390, height=844)
    sign_in(page, requester.email)
    page.goto("/references/new")
    page.get_by_label("…or the prospect's name").fill("Initech")
    page.get_by_label("Industry").select_option(label="Healthcare & life sciences")
    page.get_by_label("Deal size (USD)").fill("180000")
    page.get_by_label("Needed by").fill("2099-06-30")
    page.get_by_role("button", name="Find advocates").click()
    expect(page.get_by_role("heading", name="Reference call for Initech")).to_be_visible()
    first = page.locator(".candidate").first
    expect(first).to_contain_text("Priya Patel")
    expect(first).to_contain_text("same industry (Healthcare & life sciences) (+25)")
    expect(page.get_by_text("priya@example.com")).to_have_count(0)
    page.get_by_label("Priya Patel").check()
    page.get_by_role("button", name="Ask").click()
    expect(page.get_by_text("Asked 1 advocate")).to_be_visible()

    assert deliver().sent == 1
    (mail,) = smtp.inbox.to("priya@example.com")
    accept = next(link for link in mail.links() if "/references/answer/" in link)
    advocate_page = new_page()
    advocate_page.goto(accept.removeprefix("http://portal.test"))
    advocate_page.get_by_role("button", name="Accept").click()
    expect(advocate_page.get_by_text("You accepted the reference call for Initech")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("contact")).to_have_text("priya@example.com")
    page.get_by_label("Yes, it took place").check()
    page.get_by_label("Won").check()
    page.get_by_label("Revenue influenced (USD)").fill("180000")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("Outcome recorded: 50 points to the advocate.")).to_be_visible()

    sign_in(advocate_page, "priya@example.com")
    advocate_page.goto("/dashboard")
    expect(advocate_page.get_by_test_id("points-all")).to_have_text("50")
    expect(advocate_page.get_by_text("Rank #1", exact=True)).to_be_visible()
