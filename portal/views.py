"""Small helpers shared by the views of every blueprint."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for


def render_form(template: str, **context):
    """Render a page with a form: 422 when a submitted form is shown again with errors."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, **context), status


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for people to use outside the portal (BASE_URL, not the Host header)."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)
