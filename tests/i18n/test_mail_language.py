"""Mail speaks its recipient's language, whoever sent it."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import Participation
from tests.factories import PASSWORD


def french(app, msgid: str, **values) -> str:
    with app.test_request_context(), force_locale("fr"):
        translated = gettext(msgid, **values)
    assert translated != msgid % values, f"{msgid!r} has no French translation"
    return translated


def test_an_english_manager_s_decision_reaches_a_french_advocate_in_french(
    app, make, login, smtp, deliver
):
    opportunity = make.opportunity(title="Panel analytique", points=1500)
    advocate = make.advocate(email="camille@example.com", name="Camille Martin")
    manager = make.manager()
    with app.app_context():
        db.session.get(User, advocate.id).locale = "fr"
        db.session.get(User, manager.id).locale = "en"
        db.session.commit()
    login(advocate).post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
    deliver()
    smtp.inbox.clear()

    staff = app.test_client()
    staff.post(
        "/auth/sign-in",
        data={"email": manager.email, "password": PASSWORD},
        headers={"Accept-Language": "en-GB"},
    )
    with app.app_context():
        participation_id = db.session.scalar(sa.select(Participation.id))
    response = staff.post(
        f"/manage/participations/{participation_id}/decide",
        data={"approve": "1", "message": "Bienvenue !"},
        headers={"Accept-Language": "en-GB"},
        follow_redirects=True,
    )
    assert "Camille Martin: approved." in response.get_data(as_text=True)  # the manager: English
    deliver()

    (received,) = smtp.inbox.to("camille@example.com")
    assert received.subject == french(app, "Approved: %(title)s", title="Panel analytique")
    assert received.message["Content-Language"] == "fr", received.message.keys()
    assert '<html lang="fr">' in received.html
    body = french(
        app, "Your application for “%(title)s”: approved. %(message)s",
        title="Panel analytique", message="Bienvenue !",
    )  # fmt: skip
    assert body in received.text
    assert "Approved" not in received.text and "application" not in received.text.lower()


def test_mail_to_an_address_without_an_account_follows_the_program_language(app, make, login):
    from portal.mail import outbox
    from portal.mail.models import OutboxMessage
    from portal.settings import get_setting, set_setting

    with app.test_request_context(headers={"Accept-Language": "en"}):
        set_setting("branding", {**(get_setting("branding", {}) or {}), "language": "de"})
        from portal import branding

        branding.forget()
        outbox.enqueue(
            kind="test",
            to_address="someone@example.com",
            subject=_lazy("Language saved."),
            template="notification",
            context={"name": "", "message": "Hallo", "action_url": None, "action_label": ""},
        )
        db.session.commit()
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.subject == "Sprache gespeichert."
        assert message.headers["Content-Language"] == "de"
        branding.forget()


def _lazy(text: str):
    from flask_babel import lazy_gettext

    return lazy_gettext(text)
