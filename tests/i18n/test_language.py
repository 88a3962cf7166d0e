"""Which language a page speaks: the person's choice, else the browser's, else the program's."""

from __future__ import annotations

import re

import pytest

from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import OpportunityType

SETTINGS = {
    "registration_mode": "invite",
    "tier_grace_days": "90",
    "accent_color": "#4338ca",
    **{f"points_{kind.value}": "100" for kind in OpportunityType},
}


def language_of(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def read(client, path: str, accept: str | None = None):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return language_of(response)


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("fr-CH, fr;q=0.9, en;q=0.5", "fr"),
        ("de-AT", "de"),
        ("es, de;q=0.3", "de"),
        ("es, it", "en"),  # none of ours: the program's default
        (None, "en"),
    ],
)
def test_signed_out_pages_follow_the_browser(client, accept, expected):
    assert read(client, "/auth/sign-in", accept) == expected


def test_the_program_default_is_an_admin_setting(client, make, login):
    admin = make.admin()
    login(admin)
    response = client.post("/admin/settings", data={**SETTINGS, "language": "de"})
    assert response.status_code == 302
    assert read(client, "/auth/security", "es") == "de"  # the admin chose none: the program's
    client.post("/auth/sign-out")
    assert read(client, "/auth/sign-in") == "de"
    assert read(client, "/auth/sign-in", "fr") == "fr"  # the browser still wins over it


def test_the_program_default_must_be_one_of_the_languages(client, make, login):
    login(make.admin())
    response = client.post("/admin/settings", data={**SETTINGS, "language": "xx"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert read(client, "/auth/security") == "en"


def test_a_person_s_choice_wins_over_their_browser(app, client, make, login):
    advocate = make.advocate()
    login(advocate)
    assert read(client, "/auth/security", "fr") == "fr"
    response = client.post(
        "/auth/security", data={"language-locale": "de", "language-submit": "Save language"}
    )
    assert response.status_code == 302
    assert read(client, "/auth/security", "fr") == "de"
    assert read(client, "/notifications", "fr") == "de"
    with app.app_context():
        assert db.session.get(User, advocate.id).locale == "de"

    # Back to the browser's language.
    client.post("/auth/security", data={"language-locale": "", "language-submit": "Save language"})
    assert read(client, "/auth/security", "fr") == "fr"


@pytest.mark.parametrize("bad", ["xx", "en_001", "d" * 5000, "de\x00"])
def test_an_unknown_language_is_refused_and_changes_nothing(app, client, make, login, bad):
    advocate = make.advocate()
    login(advocate)
    response = client.post(
        "/auth/security", data={"language-locale": bad, "language-submit": "Save language"}
    )
    assert response.status_code in (400, 422)
    with app.app_context():
        assert db.session.get(User, advocate.id).locale is None
