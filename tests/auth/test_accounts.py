"""Joining, verification, password reset and change of address — through real mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import AccountDomain, Employment
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.settings import set_setting
from tests.factories import PASSWORD
from tests.helpers import text

NEW_PASSWORD = "a brand new passphrase"


def _mode(app, mode: str) -> None:
    with app.app_context():
        set_setting("registration_mode", mode)
        db.session.commit()


def _path(link: str) -> str:
    return link.removeprefix("http://portal.test")


def _link(received, fragment: str) -> str:
    return _path(next(link for link in received.links() if fragment in link))


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


# --- registration modes -------------------------------------------------------


def test_invite_only_has_no_registration(app, client):
    assert client.get("/auth/register").status_code == 404
    assert "Create an account" not in text(client.get("/auth/sign-in"))


def test_open_registration_needs_a_verified_address(app, client, smtp, deliver):
    _mode(app, "open")
    assert "Create an account" in text(client.get("/auth/sign-in"))
    response = client.post(
        "/auth/register",
        data={"name": "Noor Haddad", "email": "Noor@Example.com", "password": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "Check your email" in text(response)
    deliver()
    (mail,) = smtp.inbox.to("noor@example.com")
    assert mail.subject == "Confirm your email address"

    refused = client.post(
        "/auth/sign-in", data={"email": "noor@example.com", "password": NEW_PASSWORD}
    )
    assert "Confirm your email first" in text(refused)
    assert client.get("/dashboard").status_code == 302

    page = client.get(_link(mail, "/auth/verify/"))
    assert page.status_code == 200 and "Confirm my address" in text(page)
    verified = client.post(_link(mail, "/auth/verify/"))
    assert verified.status_code == 302
    signed_in = client.post(
        "/auth/sign-in", data={"email": "noor@example.com", "password": NEW_PASSWORD}
    )
    assert signed_in.headers["Location"] == "/dashboard"
    # Used once: the link is spent.
    again = client.get(_link(mail, "/auth/verify/"))
    assert again.status_code == 400 and "already been used" in text(again)
    assert client.post(_link(mail, "/auth/verify/")).status_code == 400


def test_registration_answers_the_same_for_a_taken_address(app, client, make, smtp, deliver):
    _mode(app, "open")
    make.advocate(email="taken@example.com", name="Tara Taken")
    fresh = client.post(
        "/auth/register", data={"name": "A", "email": "fresh@example.com", "password": NEW_PASSWORD}
    )
    taken = client.post(
        "/auth/register", data={"name": "A", "email": "taken@example.com", "password": NEW_PASSWORD}
    )
    assert fresh.status_code == taken.status_code == 200
    assert text(fresh).replace("fresh@", "X@") == text(taken).replace("taken@", "X@")
    deliver()
    (notice,) = smtp.inbox.to("taken@example.com")
    assert notice.subject == "Someone tried to register with your address"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_repeated_registrations_send_the_owner_one_notice_a_day(app, make, smtp, deliver):
    _mode(app, "open")
    make.advocate(email="taken@example.com")
    for number in range(4):
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = f"10.3.0.{number}"
        response = stranger.post(
            "/auth/register",
            data={"name": "A", "email": "Taken@Example.com", "password": NEW_PASSWORD},
        )
        assert response.status_code == 200 and "Check your email" in text(response)
    deliver()
    assert len(smtp.inbox.to("taken@example.com")) == 1
    with time_machine.travel(utcnow() + timedelta(days=1)):
        app.test_client().post(
            "/auth/register",
            data={"name": "A", "email": "taken@example.com", "password": NEW_PASSWORD},
        )
        deliver()
    assert len(smtp.inbox.to("taken@example.com")) == 2


def test_domain_registration_only_for_customer_domains(app, client, make):
    _mode(app, "domains")
    account = make.account(name="Acme Health")
    with app.app_context():
        db.session.add(AccountDomain(domain="acme.example", account_id=account.id))
        db.session.commit()
    outsider = client.post(
        "/auth/register", data={"name": "O", "email": "o@gmail.example", "password": NEW_PASSWORD}
    )
    assert outsider.status_code == 422 and "work addresses of our customers" in text(outsider)
    insider = client.post(
        "/auth/register",
        data={"name": "Ines", "email": "ines@ACME.example", "password": NEW_PASSWORD},
    )
    assert insider.status_code == 200
    with app.app_context():
        job = db.session.scalar(sa.select(Employment))
        assert job.account_id == account.id


def test_weak_password_at_registration(app, client):
    _mode(app, "open")
    response = client.post(
        "/auth/register", data={"name": "W", "email": "w@example.com", "password": "password1"}
    )
    assert response.status_code == 422 and "too common" in text(response)
    assert _user(app, "w@example.com") is None


# --- password reset -----------------------------------------------------------


def test_reset_answers_the_same_and_mails_only_real_accounts(app, client, make, smtp, deliver):
    make.advocate(email="real@example.com")
    real = client.post("/auth/reset", data={"email": "real@example.com"})
    ghost = client.post("/auth/reset", data={"email": "ghost@example.com"})
    assert real.status_code == ghost.status_code == 200
    assert text(real).replace("real@", "X@") == text(ghost).replace("ghost@", "X@")
    deliver()
    assert [r.recipients for r in smtp.inbox.received] == [["real@example.com"]]


def test_reset_link_sets_a_new_password_once_and_ends_sessions(app, client, make, smtp, deliver):
    advocate = make.advocate(email="dana@example.com")
    other = app.test_client()
    other.post("/auth/sign-in", data={"email": advocate.email, "password": PASSWORD})
    client.post("/auth/reset", data={"email": advocate.email})
    deliver()
    (mail,) = smtp.inbox.received
    assert mail.subject == "Reset your password"
    link = _link(mail, "/auth/reset/")
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert other.get("/dashboard").status_code == 302  # the other session ended
    reused = app.test_client().get(link)
    assert reused.status_code == 400 and "already been used" in text(reused)


def test_reset_link_expires_after_an_hour(app, client, make, smtp, deliver):
    make.advocate(email="dana@example.com")
    client.post("/auth/reset", data={"email": "dana@example.com"})
    deliver()
    link = _link(smtp.inbox.received[0], "/auth/reset/")
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1)):
        response = client.get(link)
    assert response.status_code == 400 and "expired" in text(response)


def test_tokens_of_one_purpose_do_not_open_another(app, client, make, smtp, deliver):
    _mode(app, "open")
    client.post(
        "/auth/register", data={"name": "V", "email": "v@example.com", "password": NEW_PASSWORD}
    )
    deliver()
    token = _link(smtp.inbox.received[0], "/auth/verify/").rsplit("/", 1)[1]
    for path in (f"/auth/reset/{token}", f"/auth/set-password/{token}", f"/auth/email/{token}"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "not valid" in text(response)


def test_opening_mailed_links_changes_nothing_until_the_button_is_pressed(
    app, make, login, smtp, deliver
):
    """Mail scanners open every link in a message; only a person presses the button."""
    _mode(app, "open")
    app.test_client().post(
        "/auth/register",
        data={"name": "Sam Scan", "email": "sam@example.com", "password": NEW_PASSWORD},
    )
    client = login(make.advocate(email="moving@example.com"))
    client.post(
        "/auth/security",
        data={
            "email-email": "moved@example.com",
            "email-current_password": PASSWORD,
            "email-submit": "Change email",
        },
    )
    deliver()
    verify = _link(smtp.inbox.to("sam@example.com")[0], "/auth/verify/")
    change = _link(smtp.inbox.to("moved@example.com")[0], "/auth/email/")
    scanner = app.test_client()
    for _ in range(2):
        assert scanner.get(verify).status_code == 200
        assert scanner.head(verify).status_code == 200
        assert scanner.get(change).status_code == 200
    assert _user(app, "sam@example.com").email_verified_at is None
    assert _user(app, "moving@example.com") is not None
    assert _user(app, "moved@example.com") is None

    assert app.test_client().post(verify).status_code == 302
    assert _user(app, "sam@example.com").email_verified_at is not None
    assert client.post(change).status_code == 302
    assert _user(app, "moved@example.com") is not None


# --- change of address ----------------------------------------------------------


def test_change_of_email_confirms_the_new_and_tells_the_old(app, make, login, smtp, deliver):
    advocate = make.advocate(email="old@example.com", name="Dana Meyer")
    client = login(advocate)
    response = client.post(
        "/auth/security",
        data={
            "email-email": "New@Example.com",
            "email-current_password": PASSWORD,
            "email-submit": "Change email",
        },
    )
    assert response.status_code == 302
    deliver()
    (confirm,) = smtp.inbox.to("new@example.com")
    (requested,) = smtp.inbox.to("old@example.com")
    assert confirm.subject == "Confirm your new email address"
    assert "new@example.com" in requested.text
    assert _user(app, "old@example.com") is not None  # nothing changed yet

    page = client.get(_link(confirm, "/auth/email/"))
    assert "from old@example.com to new@example.com" in text(page)
    assert client.post(_link(confirm, "/auth/email/")).status_code == 302
    assert _user(app, "new@example.com").email_verified_at is not None
    smtp.inbox.clear()
    deliver()
    (done,) = smtp.inbox.to("old@example.com")
    assert done.subject == "Your email address was changed"


def test_someone_elses_change_link_is_refused(app, make, login, smtp, deliver):
    owner = make.advocate(email="owner@example.com")
    intruder = make.advocate(email="intruder@example.com")
    owner_client = login(owner)
    owner_client.post(
        "/auth/security",
        data={
            "email-email": "fresh@example.com",
            "email-current_password": PASSWORD,
            "email-submit": "1",
        },
    )
    deliver()
    link = _link(smtp.inbox.to("fresh@example.com")[0], "/auth/email/")
    intruder_client = app.test_client()
    intruder_client.post("/auth/sign-in", data={"email": intruder.email, "password": PASSWORD})
    for response in (intruder_client.get(link), intruder_client.post(link)):
        assert response.status_code == 400 and "for another account" in text(response)
    assert _user(app, "owner@example.com") is not None


def test_change_to_a_taken_address_sends_no_link(app, make, login, smtp, deliver):
    make.advocate(email="taken@example.com")
    client = login(make.advocate(email="me@example.com"))
    response = client.post(
        "/auth/security",
        data={
            "email-email": "taken@example.com",
            "email-current_password": PASSWORD,
            "email-submit": "1",
        },
    )
    assert response.status_code == 302
    deliver()
    assert smtp.inbox.to("taken@example.com") == []
    assert len(smtp.inbox.to("me@example.com")) == 1


def test_change_of_email_needs_the_current_password(app, make, login):
    client = login(make.advocate(email="me@example.com"))
    response = client.post(
        "/auth/security",
        data={
            "email-email": "x@example.com",
            "email-current_password": "wrong one",
            "email-submit": "1",
        },
    )
    assert response.status_code == 422 and "not your current password" in text(response)


# --- rate limits ----------------------------------------------------------------


def _sign_in_from(app, address: str, email: str, password: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/auth/sign-in", data={"email": email, "password": password})


def test_a_strangers_failures_do_not_lock_the_owner_out(app, make):
    advocate = make.advocate(email="target@example.com")
    for number in range(10):
        guess = _sign_in_from(app, "10.0.0.66", advocate.email, f"guess {number}")
        assert guess.status_code == 422
    # The stranger's client is held back, even with the right password...
    blocked = _sign_in_from(app, "10.0.0.66", advocate.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Try again in 15 minutes" in text(blocked)
    assert int(blocked.headers["Retry-After"]) > 800
    # ...the owner, from their own browser, is not.
    assert _sign_in_from(app, "10.0.7.7", advocate.email, PASSWORD).status_code == 302
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        assert _sign_in_from(app, "10.0.0.66", advocate.email, PASSWORD).status_code == 302


def test_failures_from_many_clients_hold_an_address_back_more_slowly(app, make):
    advocate = make.advocate(email="target@example.com")
    for client_number in range(10):
        for guess in range(10):
            response = _sign_in_from(
                app, f"10.0.{client_number}.1", advocate.email, f"guess {guess}"
            )
            assert response.status_code == 422, (client_number, guess)
        if client_number == 0:
            # Ten failures from other clients leave the owner's sign-in alone.
            assert _sign_in_from(app, "10.9.9.9", advocate.email, PASSWORD).status_code == 302
    # A hundred failures a day, from any clients, hold the address back everywhere.
    blocked = _sign_in_from(app, "10.9.9.9", advocate.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Try again in 24 hours" in text(blocked)
    other = make.advocate(email="someone-else@example.com")
    assert _sign_in_from(app, "10.9.9.9", other.email, PASSWORD).status_code == 302
    with time_machine.travel(utcnow() + timedelta(days=1, minutes=1)):
        assert _sign_in_from(app, "10.9.9.9", advocate.email, PASSWORD).status_code == 302


def test_sign_in_is_limited_per_client(app, make):
    client = app.test_client()
    for number in range(30):
        client.post("/auth/sign-in", data={"email": f"p{number}@example.com", "password": "x" * 9})
    response = client.post("/auth/sign-in", data={"email": "last@example.com", "password": "x" * 9})
    assert response.status_code == 429 and "Try again in 1 minute" in text(response)


def test_reset_requests_are_limited_per_address(app, smtp, deliver, make):
    make.advocate(email="flooded@example.com")
    for number in range(5):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.1.0.{number}"
        assert other.post("/auth/reset", data={"email": "flooded@example.com"}).status_code == 200
    sixth = app.test_client()
    sixth.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    assert sixth.post("/auth/reset", data={"email": "flooded@example.com"}).status_code == 429
    deliver()
    assert len(smtp.inbox.received) == 5


@pytest.mark.parametrize("mode", ["invite", "open"])
def test_successful_sign_ins_do_not_count_against_the_address(app, make, mode):
    _mode(app, mode)
    advocate = make.advocate()
    for number in range(12):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.2.0.{number}"
        assert (
            client.post(
                "/auth/sign-in", data={"email": advocate.email, "password": PASSWORD}
            ).status_code
            == 302
        )
