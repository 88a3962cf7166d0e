"""Filters and globals for the templates."""

from __future__ import annotations

import re

from flask import Flask, has_request_context, url_for
from flask_login import current_user

from portal import clock, i18n
from portal.auth.browsers import describe as describe_browser
from portal.branding import DEFAULT_ACCENT, branding
from portal.markdown import render_markdown
from portal.urls import this_page_url


def initials(name: str) -> str:
    """A person's initials for the portrait shown when there is no photo: the first
    letters of their first and last names ("Zoë van Dijk" -> "ZD")."""
    words = re.findall(r"[^\W_]+", name or "")
    letters = [words[0][0], words[-1][0]] if len(words) > 1 else [w[0] for w in words]
    return "".join(letters).upper()


def type_label(value: str) -> str:
    from portal.advocates import topics
    from portal.opportunities.models import OpportunityType

    try:
        return str(OpportunityType(value).label)
    except ValueError:
        return topics.label(value)


def in_sentence(label) -> str:
    from portal.opportunities.models import in_sentence as written_in_sentence

    return written_in_sentence(label)


def _linkedin_url(badge_award) -> str:
    from portal.recognition.openbadges import linkedin_url

    return linkedin_url(badge_award)


def notification_url(notification) -> str:
    if not notification.endpoint:
        return url_for("notifications.index")
    return url_for(notification.endpoint, **(notification.endpoint_args or {}))


def register_template_helpers(app: Flask) -> None:
    i18n.register_filters(app)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["type_label"] = type_label
    app.jinja_env.filters["in_sentence"] = in_sentence
    app.jinja_env.filters["browser"] = describe_browser
    app.jinja_env.filters["initials"] = initials
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
