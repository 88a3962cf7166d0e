"""Putting an opportunity in a person's calendar: an .ics file and links for common calendars.

The .ics (RFC 5545, through the icalendar library) keeps the opportunity's
own time zone with its VTIMEZONE, so calendar programs show the right local
time wherever the advocate is; the web calendars take UTC.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event

from portal import clock
from portal.db import utcnow
from portal.opportunities.models import Opportunity
from portal.urls import absolute_url

_UTC_STAMP = "%Y%m%dT%H%M%SZ"


def _where(opportunity: Opportunity) -> str:
    if opportunity.is_online:
        return " · ".join(part for part in (_("Online"), opportunity.location) if part)
    return opportunity.location


def _details(opportunity: Opportunity) -> str:
    link = absolute_url("opportunities.detail", opportunity_id=opportunity.id)
    return "\n\n".join(part for part in (opportunity.summary, link) if part)


def ics(opportunity: Opportunity, *, program_name: str) -> bytes:
    """A calendar file with one event, in the opportunity's time zone."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{program_name}//Advocate Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    tz = clock.zone(opportunity.timezone)
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    event = Event()
    event.add("uid", f"opportunity-{opportunity.id}@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", opportunity.starts_at.astimezone(tz))
    event.add("dtend", opportunity.ends_at.astimezone(tz))
    event.add("summary", opportunity.title)
    event.add("description", _details(opportunity))
    event.add("url", absolute_url("opportunities.detail", opportunity_id=opportunity.id))
    if _where(opportunity):
        event.add("location", _where(opportunity))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def web_links(opportunity: Opportunity) -> dict[str, str]:
    """The "add to calendar" links for Google Calendar and Outlook on the web."""
    start = opportunity.starts_at.strftime(_UTC_STAMP)
    end = opportunity.ends_at.strftime(_UTC_STAMP)
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": opportunity.title,
            "dates": f"{start}/{end}",
            "details": _details(opportunity),
            "location": _where(opportunity),
        }
    )
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + urlencode(
        {
            "subject": opportunity.title,
            "startdt": opportunity.starts_at.isoformat(),
            "enddt": opportunity.ends_at.isoformat(),
            "body": _details(opportunity),
            "location": _where(opportunity),
            "path": "/calendar/action/compose",
            "rru": "addevent",
        }
    )
    return {_("Google Calendar"): google, _("Outlook"): outlook}
