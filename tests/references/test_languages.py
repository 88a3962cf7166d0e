"""References in the reader's language: the shortlist's reasons, money in the program
currency, and the ask written in the advocate's language whoever sends it."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.notifications.models import Notification
from portal.references import rules
from portal.settings import set_setting
from tests.helpers import text
from tests.references.test_routes import _create, people  # noqa: F401


def _speaks(app, user: User, locale: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).locale = locale
        db.session.commit()


def test_a_german_requester_reads_the_shortlist_and_the_deal_in_german(app, login, people):  # noqa: F811
    requester, _advocate = people
    _speaks(app, requester, "de")
    with app.app_context():
        set_setting(rules.CURRENCY_KEY, "EUR")
        db.session.commit()
    client = login(requester)
    body = text(client.get(f"/references/{_create(client)}"))
    assert "Dealvolumen" in body and "250.000 €" in body
    assert "gleiche Branche (" in body and "(+25)" in body
    assert "1 Botschafter berücksichtigt; 0 ausgeschlossen" in body
    assert "Wert " in body and "Passung" in body
    assert "same industry" not in body and "Deal size" not in body


def test_a_french_advocate_is_asked_in_french_by_an_english_requester(app, login, people):  # noqa: F811
    requester, advocate = people
    _speaks(app, advocate, "fr")
    client = login(requester)
    request_id = _create(client)
    response = client.post(f"/references/{request_id}/ask", data={"advocates": [advocate.id]})
    assert response.status_code == 302
    assert "Asked 1 advocate: the first to accept takes the request." in text(
        client.get(f"/references/{request_id}")
    )
    with app.app_context():
        told = db.session.scalar(sa.select(Notification).where(Notification.user_id == advocate.id))
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "reference_ask")
        )
        assert told.message.startswith("Pourriez-vous aider ? Demande : appel de référence.")
        assert mail.subject == "Pourriez-vous aider ? Appel de référence avec Globex"
