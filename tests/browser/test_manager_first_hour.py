"""A manager's first hour in Chromium: bulk decisions against the seat limit,
reopening a declined application before its mail leaves, the points field
following the type, an advocate's calendar file read back by a library, and
the time-zone picker suggesting the browser's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa
import time_machine
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import MessageStatus, OutboxMessage
from portal.opportunities.models import OpportunityType, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.opportunities.posting import set_default_points
from tests.browser.test_accessibility import OPTIONS
from tests.browser.test_advocate_loop import sign_in

pytestmark = pytest.mark.browser


def statuses(app, opportunity) -> dict[int, S]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Participation.advocate_id, Participation.status).where(
                Participation.opportunity_id == opportunity.id
            )
        ).all()
        db.session.remove()
    return dict(rows)


def test_bulk_approval_stops_at_the_seat_limit(app, make, new_page):
    manager = make.manager()
    opportunity = make.opportunity(title="Roundtable", seats=2, created_by=manager)
    applicants = [make.advocate(name=f"Applicant {n}") for n in range(3)]
    for person in applicants:
        make.participation(opportunity, person, S.APPLIED)

    page = new_page()
    sign_in(page, manager.email)
    page.goto("/manage/applications")
    for person in applicants:
        page.get_by_label(f"Select {person.name}'s application").check()
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_text("Approved: Applicant 0, Applicant 1")).to_be_visible()
    refused = page.locator(".alert-error").filter(has_text="Applicant 2")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("seat", ignore_case=True)
    assert statuses(app, opportunity) == {
        applicants[0].id: S.APPROVED,
        applicants[1].id: S.APPROVED,
        applicants[2].id: S.APPLIED,
    }


def test_a_declined_application_reopened_in_time_never_gets_its_mail(
    app, make, new_page, smtp, deliver
):
    manager = make.manager()
    opportunity = make.opportunity(title="Advisory board", created_by=manager)
    kept, reopened = make.advocate(name="Kim Kept"), make.advocate(name="Ria Reopened")
    make.participation(opportunity, kept, S.APPLIED)
    make.participation(opportunity, reopened, S.APPLIED)

    with time_machine.travel(utcnow(), tick=True) as traveller:
        page = new_page()
        sign_in(page, manager.email)
        page.goto("/manage/applications")
        page.get_by_label("Select Kim Kept's application").check()
        page.get_by_label("Select Ria Reopened's application").check()
        page.get_by_role("button", name="Decline selected").click()
        # Declining asks first and names who is declined.
        expect(page.get_by_role("heading", name="Decline 2 applications?")).to_be_visible()
        axe = Axe().run(page, options=OPTIONS)
        assert axe.violations_count == 0, axe.generate_report()
        assert statuses(app, opportunity) == {kept.id: S.APPLIED, reopened.id: S.APPLIED}
        page.get_by_role("button", name="Decline 2 applications").click()
        assert statuses(app, opportunity) == {kept.id: S.DECLINED, reopened.id: S.DECLINED}

        # The mail waits: nothing leaves at once.
        deliver()
        assert smtp.inbox.received == []

        page.goto(f"/manage/opportunities/{opportunity.id}")
        page.get_by_role("listitem").filter(has_text="Ria Reopened").get_by_role(
            "button", name="Reopen"
        ).click()
        assert statuses(app, opportunity) == {kept.id: S.DECLINED, reopened.id: S.APPLIED}

        traveller.shift(timedelta(minutes=3))
        deliver()

    assert [r.recipients for r in smtp.inbox.received] == [[kept.email]]
    assert "declined" in smtp.inbox.received[0].text.lower()
    with app.app_context():
        withdrawn = db.session.scalars(
            sa.select(OutboxMessage.to_address).where(
                OutboxMessage.status == MessageStatus.WITHDRAWN
            )
        ).all()
        db.session.remove()
    assert withdrawn == [reopened.email]


def test_the_points_field_shows_the_default_of_the_chosen_type(app, make, new_page):
    manager = make.manager()
    with app.app_context():
        set_default_points({**{t: 100 for t in OpportunityType}, OpportunityType.WEBINAR: 40})
        db.session.commit()
    page = new_page()
    sign_in(page, manager.email)
    page.goto("/manage/opportunities/new")
    points = page.get_by_label("Points for taking part")
    page.get_by_label("Type", exact=True).select_option(OpportunityType.WEBINAR.value)
    assert points.get_attribute("placeholder") == "40"
    page.get_by_label("Type", exact=True).select_option(OpportunityType.SPEAKING_PANEL.value)
    assert points.get_attribute("placeholder") == "100"


def test_the_calendar_file_holds_the_local_time_of_the_opportunity(app, make, new_page):
    tokyo = ZoneInfo("Asia/Tokyo")
    starts = datetime(2031, 3, 14, 18, 30, tzinfo=tokyo)
    opportunity = make.opportunity(
        title="Tokyo user group",
        starts_at=starts.astimezone(UTC),
        duration=timedelta(minutes=90),
        timezone="Asia/Tokyo",
    )
    advocate = make.advocate()
    make.participation(opportunity, advocate, S.APPROVED)

    page = new_page()
    sign_in(page, advocate.email)
    page.goto(f"/opportunities/{opportunity.id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    calendar = icalendar.Calendar.from_ical(open(download_info.value.path(), "rb").read())

    (event,) = calendar.walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(event["summary"]) == "Tokyo user group"
    assert event["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert (start.hour, start.minute) == (18, 30) and start.utcoffset() == timedelta(hours=9)
    assert end - start == timedelta(minutes=90)
    assert start == starts
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    # The web calendars get the same moment in UTC.
    google = page.get_by_role("link", name="Google Calendar").get_attribute("href")
    assert "20310314T093000Z" in google


def test_the_time_zone_picker_suggests_the_browsers_own_zone(make, browser, live_server):
    context = browser.new_context(base_url=live_server, timezone_id="America/Toronto")
    try:
        page = context.new_page()
        sign_in(page, make.advocate().email)
        page.goto("/profile")
        suggested = page.locator("#timezone optgroup").first
        expect(suggested.locator('option[value="America/Toronto"]')).to_have_text(
            "America/Toronto (this device)"
        )
        values = suggested.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert values.index("America/Toronto") <= 2, values  # among the first suggestions
    finally:
        context.close()


LONG_EMAIL = (
    "maximiliane.alexandra.von-hohenzollern-sigmaringen@subsidiary-of-a-very-long-company.example"
)


def test_staff_lists_fit_a_phone_with_a_long_email(make, new_page):
    person = make.advocate(name="Maximiliane von Hohenzollern", email=LONG_EMAIL)
    make.participation(make.opportunity(title="Panel"), person, S.APPLIED)
    page = new_page(width=390, height=844)
    sign_in(page, make.admin().email)
    # Where a list shows the email, it is cut short with the whole in its title.
    lists = ("/manage/advocates", "/admin/users", "/manage/search?q=Hohenzollern")
    for path in (*lists, f"/manage/advocates/{person.id}", "/manage/applications"):
        page.goto(path)
        wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{path} scrolls sideways: {wide[0]} px in {wide[1]} px"
        if path in lists:
            expect(page.locator(f'[title="{LONG_EMAIL}"]').first).to_be_visible()
