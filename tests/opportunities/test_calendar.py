"""Adding an opportunity to a calendar: the .ics keeps the opportunity's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar

from portal.opportunities.models import ParticipationStatus as S
from tests.helpers import text

# 10:00 in Auckland on 3 March 2030 (NZDT, UTC+13) is 21:00 UTC the day before.
STARTS = datetime(2030, 3, 2, 21, 0, tzinfo=UTC)


def _seated(make, status=S.APPROVED):
    opportunity = make.opportunity(
        title="Panel: data at the edge", starts_at=STARTS, timezone="Pacific/Auckland"
    )
    advocate = make.advocate()
    make.participation(opportunity, advocate, status=status)
    return opportunity, advocate


def test_an_approved_advocate_downloads_the_event_in_its_own_time_zone(make, login):
    opportunity, advocate = _seated(make)
    client = login(advocate)
    response = client.get(f"/opportunities/{opportunity.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    start = event["DTSTART"]
    assert start.params["TZID"] == "Pacific/Auckland"
    assert start.dt.replace(tzinfo=None) == datetime(2030, 3, 3, 10, 0)
    assert start.dt.astimezone(UTC) == STARTS
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2030, 3, 2, 23, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Panel: data at the edge"
    assert f"/opportunities/{opportunity.id}" in str(event["URL"])
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Pacific/Auckland"


def test_the_page_offers_the_file_and_web_calendars_to_seated_advocates_only(make, login):
    opportunity, advocate = _seated(make)
    page = login(advocate).get(f"/opportunities/{opportunity.id}")
    body = page.get_data(as_text=True)
    assert "Add to calendar (.ics)" in body
    google = next(
        link
        for link in body.split('"')
        if link.startswith("https://calendar.google.com/calendar/render?")
    )
    dates = parse_qs(urlsplit(google.replace("&amp;", "&")).query)["dates"]
    assert dates == ["20300302T210000Z/20300302T230000Z"]
    assert "Outlook" in text(page)


def test_only_advocates_with_a_seat_get_the_file(make, login, client):
    opportunity, waitlisted = _seated(make, status=S.WAITLISTED)
    waiting = login(waitlisted)
    assert waiting.get(f"/opportunities/{opportunity.id}/calendar.ics").status_code == 404
    assert "Add to calendar" not in waiting.get(f"/opportunities/{opportunity.id}").get_data(
        as_text=True
    )
    waiting.post("/auth/sign-out")
    assert client.get(f"/opportunities/{opportunity.id}/calendar.ics").status_code == 302
