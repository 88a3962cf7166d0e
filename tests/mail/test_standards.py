"""Every kind of message, with long content, as a standards-following mail program reads it.

The checks read the raw bytes the SMTP server received, not the parsed
message: a parser decodes RFC 2047 words and joins folded lines, and so hides
exactly what mail programs and strict SMTP servers stumble over.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from portal.auth.models import User
from portal.extensions import db
from portal.jobs import runner
from portal.mail import outbox
from portal.mail.models import Frequency, OutboxMessage
from portal.opportunities.models import Opportunity, OpportunityType
from portal.settings import set_setting
from tests.factories import PASSWORD

MAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates" / "mail"

# Names people really have, with the characters that separate addresses.
COMMA_NAME = "Schmidt, Johann (Data Platform: EMEA) @ Example Analytics Group, Team North"
ACCENT_NAME = "Müller-Lüdenscheidt, Ännchen (Vertrieb: Süd-West) <chef@elsewhere.example>, Bob"
QUOTE_NAME = 'Eve "The Reviewer" O\'Brien; Platform, Data & AI: Europe'
LONG_TITLE = (
    "Customer advisory board on data platforms, governance and analytics: "
    "what the next three years hold for teams in {region}"
)
BASE_URL = "https://advocates.customer-programs.example.com"
SUNDAY = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)  # Sunday 21:00 in Auckland
MONDAY = SUNDAY + timedelta(days=1)  # after Monday 08:00 in Auckland: digests are due

# Each kind of message and the template it is written with.
KIND_TEMPLATES = {
    "account_invitation": "account_invitation",
    "verify_email": "verify_email",
    "registration_attempt": "registration_attempt",
    "password_reset": "password_reset",
    "email_change": "email_change",
    "email_changed": "email_changed",
    "application_received": "notification",
    "digest": "digest",
    "opportunity_digest": "opportunity_digest",
    "manager_digest": "manager_digest",
    "reference_ask": "reference_ask",
    "referral_introduction": "referral_introduction",
}
UNSUBSCRIBABLE = {"application_received", "digest", "opportunity_digest", "manager_digest"}


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _every_kind_of_message(app, make, monkeypatch) -> None:
    """Cause each kind of message through the pages and jobs that send it."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    with app.app_context():
        set_setting("registration_mode", "open")
        db.session.commit()
    with time_machine.travel(SUNDAY, tick=False):
        manager = make.manager(name=QUOTE_NAME, email="morgan@example.com")
        staff = _signed_in(app, manager)
        added = staff.post(
            "/manage/advocates/new",
            data={
                "name": COMMA_NAME,
                "email": "invited@example.com",
                "account": make.account().id,
                "title": "CTO",
            },
        )
        assert added.status_code == 200
        johann = make.advocate(name=COMMA_NAME, email="johann@example.com", open_types=[])
        stranger = app.test_client()
        for address in ("registered@example.com", johann.email):
            response = stranger.post(
                "/auth/register",
                data={"name": ACCENT_NAME, "email": address, "password": "a long passphrase 1"},
            )
            assert response.status_code == 200
        assert stranger.post("/auth/reset", data={"email": johann.email}).status_code == 200
        changed = _signed_in(app, johann).post(
            "/auth/security",
            data={
                "email-email": "johann.schmidt@example.com",
                "email-current_password": PASSWORD,
                "email-submit": "Change email",
            },
        )
        assert changed.status_code == 302

        opportunities = []
        for region in ("Northern Europe", "the Americas", "Asia and the Pacific", "Africa"):
            opportunity = make.opportunity(
                title=LONG_TITLE.format(region=region),
                type=OpportunityType.ADVISORY_BOARD,
                created_by=manager,
            )
            opportunities.append(opportunity)
        with app.app_context():
            for opportunity in opportunities:
                db.session.get(Opportunity, opportunity.id).published_at = SUNDAY
            db.session.commit()
        make.advocate(name=ACCENT_NAME, open_types=[OpportunityType.ADVISORY_BOARD])
        right_away = make.advocate(name=ACCENT_NAME, open_types=[])
        weekly = make.advocate(name=QUOTE_NAME, open_types=[])
        with app.app_context():
            outbox.set_frequency(weekly.id, "applications", Frequency.DIGEST)
            db.session.commit()
        referring = _signed_in(app, right_away)
        referring.post(f"/opportunities/{opportunities[0].id}/apply", data={"submit": "Apply"})
        referred = referring.post(
            "/referrals/new",
            data={
                "name": COMMA_NAME,
                "email": "peer@peer-company.example",
                "company": "Peer Company",
                "role": "CTO",
                "why": " ".join([LONG_TITLE.format(region="Europe")] * 12),
                "peer_agreed": "y",
                "send_introduction": "y",
            },
        )
        assert referred.status_code == 302
        weekly_client = _signed_in(app, weekly)
        for opportunity in opportunities:
            weekly_client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
        # A reference ask, with the prospect's long name and a long note.
        asked = make.advocate(name=COMMA_NAME, open_types=[])
        with app.app_context():
            from portal.references import asks
            from tests.references.helpers import new_request, open_to_references

            open_to_references(asked)
            request = new_request(
                make.requester(name=QUOTE_NAME),
                prospect_name=LONG_TITLE.format(region="Europe"),
                note=" ".join([LONG_TITLE.format(region="the Americas")] * 4),
            )
            asks.ask_candidates(request, [asked.id], by=db.session.get(User, manager.id))
            db.session.commit()
    with app.app_context(), time_machine.travel(MONDAY, tick=False):
        assert runner.send_weekly_digests(MONDAY) == 1
        assert runner.send_opportunity_digests(MONDAY) == 1
        assert runner.send_manager_digests(MONDAY) >= 1
        db.session.remove()


def _lines(raw: bytes) -> list[bytes]:
    return [line.removesuffix(b"\r") for line in raw.split(b"\n")]


def _header_lines(raw: bytes, name: bytes) -> list[bytes]:
    """One header's value as sent, folded lines joined (RFC 5322 unfolding)."""
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b"\t")
    return [
        line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")
        if line.lower().startswith(name.lower() + b":")
    ]


@pytest.fixture
def delivered(app, make, monkeypatch, smtp, deliver):
    """Every kind of message, each as received: {kind: [Received, ...]}."""
    _every_kind_of_message(app, make, monkeypatch)
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        outcome = deliver()
    assert outcome.retrying == outcome.failed == 0
    with app.app_context():
        kinds = dict(
            db.session.execute(sa.select(OutboxMessage.message_id, OutboxMessage.kind)).all()
        )
    by_kind: dict[str, list] = {}
    for received in smtp.inbox.received:
        by_kind.setdefault(kinds[received.message["Message-ID"]], []).append(received)
    return by_kind


def test_every_template_is_among_the_kinds_checked():
    templates = {
        path.stem for path in MAIL_TEMPLATES.glob("*.txt") if not path.stem.startswith("_")
    }
    assert templates == set(KIND_TEMPLATES.values())


def test_every_kind_of_message_reads_right_in_a_standards_following_program(delivered):
    assert set(delivered) == set(KIND_TEMPLATES)
    for kind, messages in delivered.items():
        for received in messages:
            raw = received.raw
            assert raw, kind

            # SMTP's limit (RFC 5321): 998 octets a line, whatever the content.
            longest = max(len(line) for line in _lines(raw))
            assert longest <= 998, (kind, longest)

            # Exactly one address in To:, the one the message went to, read by
            # the standard library's RFC 5322 parser and by the older one.
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            addresses = parsed["To"].addresses
            assert [a.addr_spec for a in addresses] == received.recipients, (kind, parsed["To"])
            (to_value,) = _header_lines(raw, b"To")
            old_parser = getaddresses([to_value.decode("ascii")])
            assert [address for _, address in old_parser] == received.recipients, (kind, to_value)

            # List-Unsubscribe as RFC 2369 / 8058 want it: <https://…>, not encoded.
            unsubscribe = _header_lines(raw, b"List-Unsubscribe")
            if kind in UNSUBSCRIBABLE:
                assert len(unsubscribe) == 1, kind
                assert re.fullmatch(rb"<https://[!-;=?-~]+>", unsubscribe[0]), unsubscribe[0]
                assert unsubscribe[0].startswith(f"<{BASE_URL}/mail/unsubscribe/".encode())
                assert _header_lines(raw, b"List-Unsubscribe-Post") == [
                    b"List-Unsubscribe=One-Click"
                ]
            else:
                assert unsubscribe == [], kind


def test_display_names_survive_the_round_trip(delivered):
    (invitation,) = delivered["account_invitation"]
    assert invitation.message["To"].addresses[0].display_name == COMMA_NAME
    digests = delivered["digest"]
    assert [d.message["To"].addresses[0].display_name for d in digests] == [QUOTE_NAME]


def test_long_digest_lines_arrive_whole(delivered):
    (digest,) = delivered["opportunity_digest"]
    for region in ("Northern Europe", "the Americas", "Asia and the Pacific", "Africa"):
        title = LONG_TITLE.format(region=region)
        assert title in digest.text
        assert title in digest.html
