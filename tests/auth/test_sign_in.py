"""Signing in and out: generic errors, safe redirects, sessions that really end."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from portal.auth.models import UserSession
from portal.db import utcnow
from portal.extensions import db
from tests.factories import PASSWORD
from tests.helpers import text


def test_sign_in_page_has_labelled_fields(client):
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert '<label for="email" class="required">Email</label>' in page
    assert '<label for="password" class="required">Password</label>' in page
    assert "Sign in" in page


def test_sign_in_sends_an_advocate_to_their_program(client, make, auth):
    advocate = make.advocate()
    response = auth.sign_in(advocate.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_email_is_compared_case_insensitively(make, auth):
    make.advocate(email="Dana@Example.com")
    assert auth.sign_in("  DANA@example.COM ").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("known@example.com", "wrong password here"),
        ("unknown@example.com", PASSWORD),
        ("", PASSWORD),
        ("known@example.com", ""),
        ("not-an-email", PASSWORD),
    ],
)
def test_failed_sign_in_never_says_which_field_was_wrong(make, auth, email, password):
    make.advocate(email="known@example.com")
    response = auth.sign_in(email, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Email or password is incorrect." in page
    assert "not registered" not in page.lower()
    assert "This field is required" not in page


def test_deactivated_user_gets_the_same_answer(make, auth):
    make.advocate(email="gone@example.com", active=False)
    response = auth.sign_in("gone@example.com")
    assert response.status_code == 422
    assert "Email or password is incorrect." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/opportunities", "/opportunities"),
        ("https://evil.example/steal", "/dashboard"),
        ("//evil.example/steal", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_leads_to_this_site(client, make, target, expected):
    advocate = make.advocate()
    response = client.post(
        "/auth/sign-in",
        data={"email": advocate.email, "password": PASSWORD, "next": target},
    )
    assert response.headers["Location"] == expected


def test_protected_page_redirects_to_sign_in_with_next(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in?next=")


def test_sign_in_starts_a_new_session(client, make, auth):
    advocate = make.advocate()
    client.get("/auth/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.sign_in(advocate.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_copied_session_cookie_is_refused_after_sign_out(app, make, auth, client):
    advocate = make.advocate()
    auth.sign_in(advocate.email)
    stolen = client.get_cookie("portal_session").value
    auth.sign_out()

    thief = app.test_client()
    thief.set_cookie("portal_session", stolen)
    response = thief.get("/dashboard")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_copied_remember_cookie_is_refused_after_sign_out(app, make, auth, client):
    advocate = make.advocate()
    auth.sign_in(advocate.email, remember=True)
    remember = client.get_cookie("portal_remember")
    assert remember is not None
    # Without the session cookie the remember cookie alone signs the browser in...
    fresh = app.test_client()
    fresh.set_cookie("portal_remember", remember.value)
    assert fresh.get("/dashboard").status_code == 200
    # ...until the person signs out.
    auth.sign_out()
    thief = app.test_client()
    thief.set_cookie("portal_remember", remember.value)
    assert thief.get("/dashboard").status_code == 302


def test_remember_me_lasts_thirty_days_at_most(app, make, auth, client):
    advocate = make.advocate()
    auth.sign_in(advocate.email, remember=True)
    cookie = client.get_cookie("portal_remember")
    assert cookie.expires is not None
    with app.app_context():
        row = db.session.scalar(db.select(UserSession))
        assert row.expires_at - row.created_at == timedelta(days=30)
    with time_machine.travel(utcnow() + timedelta(days=30, minutes=1)):
        thief = app.test_client()
        thief.set_cookie("portal_remember", cookie.value)
        assert thief.get("/dashboard").status_code == 302


def test_deactivation_ends_every_session(app, make, auth, client, login):
    advocate = make.advocate()
    auth.sign_in(advocate.email, remember=True)
    assert client.get("/dashboard").status_code == 200
    manager = make.manager()
    staff = app.test_client()
    staff.post("/auth/sign-in", data={"email": manager.email, "password": PASSWORD})
    staff.post(f"/manage/users/{advocate.id}/deactivate")
    assert client.get("/dashboard").status_code == 302
    remembered = app.test_client()
    remembered.set_cookie("portal_remember", client.get_cookie("portal_remember").value)
    assert remembered.get("/dashboard").status_code == 302


def test_cookies_are_httponly_and_lax(make, auth, client):
    advocate = make.advocate()
    response = auth.sign_in(advocate.email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("portal_session", "portal_remember"):
        header = next(c for c in cookies if c.startswith(name + "="))
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header


def test_sign_out_is_post_only(make, auth, client):
    advocate = make.advocate()
    auth.sign_in(advocate.email)
    assert client.get("/auth/sign-out").status_code == 405
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize(
    "user_agent, name",
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mobile Safari on iOS",
        ),
        ("", "Unknown browser"),
    ],
)
def test_the_sessions_list_names_browser_and_system(app, make, user_agent, name):
    user = make.advocate()
    client = app.test_client()
    client.post(
        "/auth/sign-in",
        data={"email": user.email, "password": "correct horse battery staple"},
        headers={"User-Agent": user_agent},
    )
    body = text(client.get("/auth/security"))
    assert f"{name} This browser" in body
