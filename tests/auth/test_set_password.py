"""One-time, expiring set-password links."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from portal.auth.flows import make_set_password_token
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from tests.factories import PASSWORD
from tests.helpers import page

NEW_PASSWORD = "a brand new passphrase"


def _token(app, user_id: int) -> str:
    with app.app_context():
        return make_set_password_token(db.session.get(User, user_id))


def test_link_sets_the_password_and_signs_in(app, client, make):
    advocate = make.advocate(password=False)
    token = _token(app, advocate.id)
    page = client.get(f"/auth/set-password/{token}")
    assert page.status_code == 200
    assert advocate.email in page.get_data(as_text=True)
    response = client.post(
        f"/auth/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    fresh = app.test_client()
    assert (
        fresh.post(
            "/auth/sign-in", data={"email": advocate.email, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_link_works_only_once(app, client, make):
    advocate = make.advocate(password=False)
    token = _token(app, advocate.id)
    client.post(
        f"/auth/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    again = app.test_client().get(f"/auth/set-password/{token}")
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_expired_link_is_refused(app, client, make):
    advocate = make.advocate(password=False)
    token = _token(app, advocate.id)
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = client.get(f"/auth/set-password/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_link_is_refused(app, client, make):
    advocate = make.advocate(password=False)
    token = _token(app, advocate.id)
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    response = client.get(f"/auth/set-password/{tampered}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_link_for_a_deactivated_user_is_refused(app, client, make):
    advocate = make.advocate(password=False, active=False)
    response = client.get(f"/auth/set-password/{_token(app, advocate.id)}")
    assert response.status_code == 400


def test_weak_or_mismatched_passwords_change_nothing(app, client, make):
    advocate = make.advocate(password=False)
    token = _token(app, advocate.id)
    weak = client.post(
        f"/auth/set-password/{token}", data={"password": "password1", "confirm": "password1"}
    )
    assert weak.status_code == 422
    assert "too common" in weak.get_data(as_text=True)
    mismatch = client.post(
        f"/auth/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": "something else"}
    )
    assert mismatch.status_code == 422
    assert "don't match" in page(mismatch)
    with app.app_context():
        assert db.session.get(User, advocate.id).password_hash is None
    # The link still works after the failed attempts.
    assert client.get(f"/auth/set-password/{token}").status_code == 200


def test_changing_password_ends_other_sessions(app, make, login, client):
    advocate = make.advocate()
    login(advocate)
    other = app.test_client()
    other.post(
        "/auth/sign-in", data={"email": advocate.email, "password": "correct horse battery staple"}
    )
    assert other.get("/dashboard").status_code == 200
    response = client.post(
        "/auth/security",
        data={
            "password-current_password": "correct horse battery staple",
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
            "password-submit": "Change password",
        },
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


# --- links shown to staff ---------------------------------------------------


def test_staff_get_a_link_only_for_someone_who_never_set_a_password(app, make, login):
    invited = make.advocate(password=False)
    client = login(make.manager())
    page = client.get(f"/manage/advocates/{invited.id}").get_data(as_text=True)
    assert "New set-password link" in page
    response = client.post(f"/manage/users/{invited.id}/link")
    assert response.status_code == 200
    assert "/auth/set-password/" in response.get_data(as_text=True)


def test_staff_can_only_mail_a_reset_to_someone_with_a_password(app, make, login, smtp, deliver):
    advocate = make.advocate(email="owner@example.com", name="Olga Owner")
    manager = login(make.manager())
    assert "Mail a password reset" in manager.get(f"/manage/advocates/{advocate.id}").get_data(
        as_text=True
    )
    response = manager.post(
        f"/manage/users/{advocate.id}/link", data={"next": f"/manage/advocates/{advocate.id}"}
    )
    assert response.status_code == 302
    shown = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "we mailed them a link to reset it" in shown
    assert "/auth/set-password/" not in shown and "/auth/reset/" not in shown
    deliver()
    (mail,) = smtp.inbox.received
    assert mail.recipients == ["owner@example.com"]
    assert mail.subject == "Reset your password"
    # The advocate's sessions and password are untouched until they use it.
    assert (
        app.test_client()
        .post("/auth/sign-in", data={"email": advocate.email, "password": PASSWORD})
        .status_code
        == 302
    )


def test_a_set_password_link_never_opens_an_account_with_a_password(app, client, make):
    from portal.auth.flows import make_token

    advocate = make.advocate()  # has a password
    with app.app_context():
        # A link made some other way for this state of the account.
        token = make_token(db.session.get(User, advocate.id), "set-password")
    response = client.get(f"/auth/set-password/{token}")
    assert response.status_code == 400
    taken = client.post(
        f"/auth/set-password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert taken.status_code == 400
    assert client.get("/dashboard").status_code == 302
