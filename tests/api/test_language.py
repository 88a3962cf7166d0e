"""The JSON API answers in English, whatever its caller's language or browser."""

from __future__ import annotations

from portal.auth.models import User
from portal.extensions import db


def test_a_german_speaking_admin_gets_english_problems(app, api, make, make_token):
    admin = make.admin()
    with app.app_context():
        db.session.get(User, admin.id).locale = "de"
        db.session.commit()
    api.token = make_token(admin, ["insight:read"])
    response = api.call(
        "GET",
        "/api/v1/insight/program?period=custom&first=2026-10-10&last=2026-10-01",
        headers={"Accept-Language": "de-DE"},
    )
    assert response.status_code == 422
    (error,) = response.json["errors"]
    assert error["message"] == "The last day can't be before the first day."
