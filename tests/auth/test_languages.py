"""Signing in, the account page and account mail in the reader's language."""

from __future__ import annotations

from portal.auth import services
from portal.extensions import db
from tests.factories import PASSWORD
from tests.helpers import text


def _speaks(app, user_id: int, locale: str) -> None:
    with app.app_context():
        services.set_language(user_id, locale)
        db.session.commit()


def test_the_sign_in_page_follows_the_browser(app):
    german = app.test_client()
    german.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de-DE,de;q=0.9"
    page = text(german.get("/auth/sign-in"))
    assert "Anmelden" in page and "Passwort vergessen?" in page
    refused = german.post("/auth/sign-in", data={"email": "x@example.com", "password": "wrong one"})
    assert "E-Mail-Adresse oder Passwort ist falsch." in text(refused)
    french = app.test_client()
    french.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "Mot de passe oublié ?" in text(french.get("/auth/sign-in"))


def test_a_reset_asked_from_an_english_browser_is_mailed_in_the_owners_language(
    app, client, make, smtp, deliver
):
    person = make.advocate(email="camille@example.com", name="Camille Martin")
    _speaks(app, person.id, "fr")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/auth/reset", data={"email": person.email})
    deliver()
    (mail,) = smtp.inbox.received
    assert mail.subject == "Réinitialiser votre mot de passe"
    assert "Bonjour Camille," in mail.text and "Bonjour Camille," in mail.html
    assert "Le lien fonctionne une fois, pendant une heure." in mail.html


def test_the_account_page_counts_sessions_in_german(app, make, login):
    person = make.advocate(email="jonas@example.com")
    _speaks(app, person.id, "de")
    elsewhere = app.test_client()
    elsewhere.post("/auth/sign-in", data={"email": person.email, "password": PASSWORD})
    client = login(person)
    page = text(client.get("/auth/security"))
    assert "Ihr Konto" in page and "Wo Sie angemeldet sind" in page
    ended = client.post(
        "/auth/security",
        data={"everywhere-submit": "1"},
        follow_redirects=True,
    )
    assert "1 andere Sitzung abgemeldet." in text(ended)
