"""The advocate's loop in Chromium with a German browser, beside an English-speaking manager."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from tests.browser.test_accessibility import ADVOCATE, MANAGER, check, world  # noqa: F401
from tests.browser.test_advocate_loop import sign_in as advocate_sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def de(app):
    """A message as the German catalogue says it (and proof that it is translated)."""

    def _de(msgid: str, **values) -> str:
        with app.test_request_context(), force_locale("de"):
            translated = gettext(msgid, **values)
        assert translated != msgid % values, f"{msgid!r} has no German translation"
        return translated

    return _de


def sign_in(page: Page, email: str, labels: dict[str, str]) -> None:
    page.goto("/auth/sign-in")
    page.get_by_label(labels["Email"], exact=True).fill(email)
    page.get_by_label(labels["Password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=labels["Sign in"], exact=True).click()


def test_a_german_advocate_applies_and_sees_points_in_german(make, new_page, de):
    opportunity = make.opportunity(
        title="Panel: Analytik skalieren",
        starts_at=utcnow() + timedelta(hours=3),
        deadline=utcnow() + timedelta(hours=2),
        points=1500,
    )
    advocate = make.advocate(name="Dana Meyer")
    manager = make.manager(name="Morgan Manager")

    page = new_page(locale="de-DE")
    german = {label: de(label) for label in ("Email", "Password", "Sign in")}
    sign_in(page, advocate.email, german)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name=de("My program"))).to_be_visible()
    page.get_by_role("link", name=de("Opportunities")).first.click()
    page.get_by_role("link", name="Panel: Analytik skalieren").click()
    page.get_by_label(de("Note to the program team (optional)")).fill("Gern dabei.")
    page.get_by_role("button", name=de("Apply"), exact=True).click()
    expect(
        page.get_by_text(de("Thanks for applying! The program team will get back to you."))
    ).to_be_visible()

    staff = new_page(locale="en-US")
    sign_in(staff, manager.email, {"Email": "Email", "Password": "Password", "Sign in": "Sign in"})
    staff.get_by_role("link", name="Applications").first.click()
    expect(staff.get_by_text("Gern dabei.")).to_be_visible()
    staff.get_by_role("button", name="Approve", exact=True).click()
    expect(staff.get_by_text("Dana Meyer: approved.")).to_be_visible()

    with time_machine.travel(opportunity.starts_at + timedelta(minutes=30), tick=False):
        staff.goto(f"/manage/opportunities/{opportunity.id}")
        staff.get_by_role("button", name="Completed").click()
        expect(staff.get_by_text("Dana Meyer: completed, points awarded.")).to_be_visible()

        page.goto("/dashboard")
        expect(page.get_by_test_id("points-all")).to_have_text("1.500")  # German grouping
        expect(page.get_by_text(de("Rank #%(rank)s", rank="1"), exact=True)).to_be_visible()
        page.get_by_role("link", name=de("Leaderboard")).click()
        expect(page.get_by_test_id("my-standing")).to_contain_text(
            de("You are #%(rank)s with %(points)s points.", rank="1", points="1.500")
        )


def test_german_pages_fit_a_phone_and_pass_axe(app, world, new_page):  # noqa: F811
    with app.app_context():
        for person in (world["advocate"], world["manager"]):
            db.session.get(User, person.id).locale = "de"
        db.session.commit()
    for person, paths in ((world["advocate"], ADVOCATE), (world["manager"], MANAGER)):
        page = new_page(width=390)
        advocate_sign_in(page, person.email)  # an English browser: the choice wins
        for path in paths:
            check(page, path)
            assert page.locator("html").get_attribute("lang") == "de", path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide in German"


@pytest.mark.parametrize("locale", ["en", "de", "fr"])
def test_a_leaderboard_row_on_a_phone_names_the_tier_held_in_every_language(
    app, make, new_page, locale
):
    """The phone layout of the board is chosen by the cells' roles, not by their
    English labels: in German and French too, one compact row per advocate whose
    tier reads as the tier held."""
    from flask_babel import force_locale, gettext

    advocate = make.advocate(name="Lena Leader")
    make.points(advocate, 150)
    with app.app_context():
        db.session.get(User, advocate.id).locale = locale
        db.session.commit()
        with app.test_request_context(), force_locale(locale):
            tier_held = gettext("Tier held")
    page = new_page(width=390)
    advocate_sign_in(page, advocate.email)
    page.goto("/leaderboard")
    row = page.locator("table.board tbody tr").filter(has_text="Lena Leader")
    cells = row.locator("td")
    rank, tier = cells.first, cells.nth(3)
    assert rank.evaluate("td => getComputedStyle(td).fontWeight") == "700"
    assert tier.evaluate("td => getComputedStyle(td).gridColumnStart") == "2"
    label = tier.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.startswith(f'"{tier_held}') and label.rstrip('"').endswith(": "), label
