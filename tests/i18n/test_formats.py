"""Dates, times, numbers and money as each language writes them, in the reader's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from portal import i18n
from portal.auth.models import User
from portal.extensions import db

NOW = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Berlin and Paris
STARTS = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reader(locale: str, zone: str):
    return SimpleNamespace(locale=locale, timezone=zone)


EXPECTED = {
    ("en", "America/New_York"): {
        "datetime": "Thu, Dec 3, 2026, 4:00\u202fAM EST",
        "date": "Dec 3, 2026",
        "today": "Dec 1, 2026",
        "range": "Thu, Dec 3, 2026, 4:00\u202fAM–5:30\u202fAM EST",
        "number": "1,234,567",
        "money": "€250,000",
        "percent": "42%",
        "month": "December 2026",
    },
    ("de", "Europe/Berlin"): {
        "datetime": "Do., 3. Dez. 2026, 10:00 CET",
        "date": "3. Dez. 2026",
        "today": "2. Dez. 2026",
        "range": "Do., 3. Dez. 2026, 10:00–11:30 CET",
        "number": "1.234.567",
        "money": "250.000\xa0€",
        "percent": "42\xa0%",
        "month": "Dezember 2026",
    },
    ("fr", "Europe/Paris"): {
        "datetime": "jeu. 3 déc. 2026, 10:00 CET",
        "date": "3 déc. 2026",
        "today": "2 déc. 2026",
        "range": "jeu. 3 déc. 2026, 10:00–11:30 CET",
        "number": "1\u202f234\u202f567",
        "money": "250\u202f000\xa0€",
        "percent": "42\xa0%",
        "month": "décembre 2026",
    },
}


@pytest.mark.parametrize("locale, zone", list(EXPECTED))
def test_each_language_writes_its_own_formats(app, frozen, locale, zone):
    expected = EXPECTED[(locale, zone)]
    with app.test_request_context(), i18n.speaking_to(reader(locale, zone)):
        assert i18n.format_datetime(STARTS) == expected["datetime"]
        assert i18n.format_date(STARTS) == expected["date"]
        assert i18n.format_date(datetime.now(UTC)) == expected["today"]
        assert i18n.format_time_range(STARTS, STARTS + timedelta(minutes=90)) == expected["range"]
        assert i18n.format_number(1234567) == expected["number"]
        assert i18n.format_money(250_000, "EUR") == expected["money"]
        assert i18n.format_percent(0.42) == expected["percent"]
        assert i18n.format_month(date(2026, 12, 1)) == expected["month"]


def test_a_page_shows_times_and_numbers_in_the_reader_s_language_and_zone(
    app, client, make, login, frozen
):
    advocate = make.advocate()
    with app.app_context():
        user = db.session.get(User, advocate.id)
        user.locale, user.timezone = "de", "Europe/Berlin"
        db.session.commit()
    opportunity = make.opportunity(
        starts_at=STARTS, duration=timedelta(minutes=90), points=1500, timezone="America/Chicago"
    )
    login(advocate)
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    # In the opportunity's zone, and in the reader's own.
    assert "Do., 3. Dez. 2026, 03:00–04:30 CST" in page
    assert "Do., 3. Dez. 2026, 10:00–11:30 CET" in page
    assert "1.500" in page


def test_money_follows_the_program_currency(app, frozen):
    with app.test_request_context(), i18n.speaking_to(reader("fr", "Europe/Paris")):
        assert i18n.format_money(1_200_000) == "1\u202f200\u202f000\xa0$US"
