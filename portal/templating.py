"""Filters and globals for the templates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context, url_for
from flask_login import current_user

from portal import clock
from portal.auth.browsers import describe as describe_browser
from portal.branding import DEFAULT_ACCENT, branding
from portal.markdown import render_markdown
from portal.urls import this_page_url


def viewer_tz() -> ZoneInfo:
    """The signed-in person's time zone, or the program's (worked out once per request)."""
    if not has_request_context():
        return clock.program_tz()
    if "viewer_tz" not in g:
        name = current_user.timezone if current_user.is_authenticated else None
        g.viewer_tz = (
            clock.zone(name) if name and clock.is_valid_timezone(name) else clock.program_tz()
        )
    return g.viewer_tz


def format_datetime(moment: datetime | None, tz: str | None = None, with_zone: bool = True) -> str:
    if moment is None:
        return ""
    local = clock.local(moment, clock.zone(tz) if tz else viewer_tz())
    text = f"{local:%a %-d %b %Y, %H:%M}"
    return f"{text} {local:%Z}" if with_zone else text


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value, viewer_tz()).date()
    return f"{value:%-d %b %Y}"


def format_time_range(starts_at: datetime, ends_at: datetime, tz: str | None = None) -> str:
    """ "Tue 3 Dec 2026, 10:00–11:30 CET", or two dates for a span of days."""
    zone = clock.zone(tz) if tz else viewer_tz()
    start, end = clock.local(starts_at, zone), clock.local(ends_at, zone)
    if start.date() == end.date():
        return f"{start:%a %-d %b %Y, %H:%M}–{end:%H:%M %Z}"
    return f"{start:%a %-d %b %Y, %H:%M} – {end:%a %-d %b %Y, %H:%M %Z}"


def type_label(value: str) -> str:
    from portal.advocates import topics
    from portal.opportunities.models import OpportunityType

    try:
        return OpportunityType(value).label
    except ValueError:
        return topics.label(value)


def _linkedin_url(badge_award) -> str:
    from portal.recognition.openbadges import linkedin_url

    return linkedin_url(badge_award)


def notification_url(notification) -> str:
    if not notification.endpoint:
        return url_for("notifications.index")
    return url_for(notification.endpoint, **(notification.endpoint_args or {}))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["number"] = lambda value: f"{value:,}"
    app.jinja_env.filters["type_label"] = type_label
    app.jinja_env.filters["browser"] = describe_browser
    app.jinja_env.globals["time_range"] = format_time_range
    app.jinja_env.globals["notification_url"] = notification_url
    app.jinja_env.globals["linkedin_url"] = _linkedin_url
    app.jinja_env.globals["this_page_url"] = this_page_url

    @app.context_processor
    def inject_globals() -> dict:
        unread = 0
        if has_request_context() and current_user.is_authenticated:
            unread = current_user.unread_notifications
        brand = branding()
        return {
            "program_name": brand.program_name,
            "brand": brand,
            "custom_accent": brand.accent != DEFAULT_ACCENT,
            "unread_notifications": unread,
            "now": clock.utcnow(),
        }
