"""Delivery: real SMTP, retries with backoff, outages, TLS that verifies, no header injection."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import utcnow
from portal.extensions import db
from portal.mail import delivery, outbox
from portal.mail.models import MessageStatus, OutboxMessage
from tests.factories import PASSWORD
from tests.helpers import free_port, text
from tests.mail_server import SMTPServer, make_certificate, server_tls_context


def _queue(app, count: int = 1, **overrides) -> None:
    with app.app_context():
        for number in range(count):
            outbox.enqueue(
                kind="test",
                to_address=overrides.get("to", f"person{number}@example.com"),
                to_name=overrides.get("name", f"Person {number}"),
                subject=overrides.get("subject", f"Hello {number}"),
                template="notification",
                context={"name": "P", "message": f"Message {number}", "action_url": None},
                dedupe_key=overrides.get("key", None),
            )
        db.session.commit()


def _statuses(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
        ).all()


def test_a_message_arrives_with_both_parts(app, smtp, deliver):
    _queue(app, to="dana@example.com", name="Dana Meyer", subject="Welcome")
    assert deliver().sent == 1
    (received,) = smtp.inbox.received
    assert received.recipients == ["dana@example.com"]
    assert received.message["To"] == "Dana Meyer <dana@example.com>"
    assert received.subject == "Welcome"
    assert "Message 0" in received.text and "Message 0" in received.html
    assert received.message["Message-ID"].endswith("@portal.test>")
    assert _statuses(app) == [(MessageStatus.SENT, 1)]


def test_the_same_dedupe_key_queues_once(app, smtp, deliver):
    _queue(app, key="reminder:7")
    _queue(app, key="reminder:7")
    deliver()
    assert len(smtp.inbox.received) == 1


def test_outage_then_recovery_delivers_each_message_exactly_once(app, make, login, deliver):
    server = SMTPServer(free_port())
    app.config["MAIL_PORT"] = server.port
    try:
        # The server is down while people act: the actions still succeed.
        manager = make.manager()
        client = login(manager)
        account = make.account()
        for number in range(3):
            response = client.post(
                "/manage/advocates/new",
                data={
                    "name": f"New Person {number}",
                    "email": f"new{number}@example.com",
                    "account": account.id,
                    "title": "CTO",
                },
            )
            assert response.status_code == 200
        outcome = deliver()
        assert (outcome.sent, outcome.retrying) == (0, 3)
        assert {status for status, _ in _statuses(app)} == {MessageStatus.PENDING}

        server.start()
        assert deliver().sent == 0  # not due yet: the backoff holds them back
        with time_machine.travel(utcnow() + timedelta(minutes=1, seconds=1)):
            assert deliver().sent == 3
            assert deliver().sent == 0
        addresses = sorted(r.recipients[0] for r in server.inbox.received)
        assert addresses == ["new0@example.com", "new1@example.com", "new2@example.com"]
        assert len({r.message["Message-ID"] for r in server.inbox.received}) == 3
    finally:
        server.stop()
        app.config["MAIL_PORT"] = 9


def test_backoff_doubles_then_the_message_fails_and_admins_see_it(app, make, login, deliver):
    admin = make.admin()
    make.manager()  # managers can't act on mail: only admins are told
    _queue(app, to="unlucky@example.com")
    start = utcnow()
    waits = []
    moment = start
    for _ in range(delivery.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            deliver()
        with app.app_context():
            message = db.session.scalar(sa.select(OutboxMessage))
            if message.status == MessageStatus.FAILED:
                break
            waits.append(message.next_attempt_at - moment)
            moment = message.next_attempt_at
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert _statuses(app) == [(MessageStatus.FAILED, delivery.MAX_ATTEMPTS)]
    with app.app_context():
        from portal.notifications.models import Notification

        told = db.session.execute(sa.select(Notification.user_id, Notification.message)).all()
    assert len(told) == 1 and told[0][0] == admin.id and "unlucky@example.com" in told[0][1]
    client = login(admin)
    page = client.get("/admin/mail?status=failed").get_data(as_text=True)
    assert "unlucky@example.com" in page and "ConnectionRefusedError" in page
    with app.app_context():
        message_id = db.session.scalar(sa.select(OutboxMessage.id))
    client.post(f"/admin/mail/{message_id}/retry")
    assert _statuses(app) == [(MessageStatus.PENDING, 0)]


def test_two_workers_never_take_the_same_message(app):
    _queue(app, count=5)
    with app.app_context():
        first = delivery.claim(utcnow(), 3).ids
        second = delivery.claim(utcnow(), 10).ids
        assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
        # A claim whose worker died is taken again when its lease runs out.
        assert delivery.claim(utcnow() + delivery.LEASE + timedelta(seconds=1), 10).ids == sorted(
            first + second
        )


def test_a_server_that_never_answers_times_out(app, monkeypatch, deliver):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    monkeypatch.setitem(app.config, "MAIL_PORT", listener.getsockname()[1])
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.5)
    _queue(app)
    done = threading.Event()
    outcome = {}

    def run():
        outcome["value"] = deliver()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(10), "delivery hung on a silent server"
    listener.close()
    assert outcome["value"].retrying == 1
    with app.app_context():
        assert "timed out" in db.session.scalar(sa.select(OutboxMessage.last_error))


@pytest.fixture
def tls_server(app, tmp_path, monkeypatch):
    cert, key = make_certificate(tmp_path)
    server = SMTPServer(free_port(), tls_context=server_tls_context(cert, key))
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    server.start()
    yield server, cert
    server.stop()


def test_starttls_refuses_a_self_signed_certificate(app, tls_server, deliver):
    server, _ = tls_server
    _queue(app)
    assert deliver().retrying == 1
    assert server.inbox.received == []
    with app.app_context():
        assert "CERTIFICATE_VERIFY_FAILED" in db.session.scalar(sa.select(OutboxMessage.last_error))


def test_starttls_with_a_trusted_certificate_delivers(app, tls_server, deliver, monkeypatch):
    server, cert = tls_server
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", str(cert))
    _queue(app)
    assert deliver().sent == 1
    assert len(server.inbox.received) == 1


def test_no_plain_text_fallback_when_starttls_is_missing(app, smtp, deliver, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    _queue(app)
    assert deliver().retrying == 1
    assert smtp.inbox.received == []
    with app.app_context():
        assert "STARTTLS" in db.session.scalar(sa.select(OutboxMessage.last_error))


def test_names_and_subjects_cannot_inject_headers(app, smtp, deliver):
    _queue(
        app,
        to="target@example.com",
        name="Eve\r\nBcc: victim@example.com",
        subject="Hi\r\nBcc: victim@example.com",
    )
    assert deliver().sent == 1
    (received,) = smtp.inbox.received
    assert received.recipients == ["target@example.com"]
    assert received.message["Bcc"] is None
    assert "\n" not in received.subject


def test_file_backend_writes_eml_files(app, tmp_path, monkeypatch, deliver):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "file")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    _queue(app, count=2)
    assert deliver().sent == 2
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def _after_an_outage(app, deliver, count: int = 3) -> SMTPServer:
    """Messages that failed while the server was down, then the server back up."""
    server = SMTPServer(free_port())
    app.config["MAIL_PORT"] = server.port
    _queue(app, count)
    assert deliver().retrying == count
    server.start()
    assert deliver().sent == 0  # the backoff holds them back
    return server


def test_an_admin_sends_waiting_mail_now_after_an_outage(app, make, login, deliver):
    server = _after_an_outage(app, deliver)
    try:
        manager = app.test_client()
        manager.post("/auth/sign-in", data={"email": make.manager().email, "password": PASSWORD})
        assert manager.post("/admin/mail/send-waiting").status_code == 403
        admin = login(make.admin())
        assert "Send waiting mail now" in text(admin.get("/admin/mail"))
        response = admin.post("/admin/mail/send-waiting", follow_redirects=True)
        assert "3 waiting messages will go out on the mail worker's next round" in text(response)
        assert deliver().sent == 3
        assert len(server.inbox.received) == 3
    finally:
        server.stop()
        app.config["MAIL_PORT"] = 9


def test_mail_send_now_sends_waiting_mail_at_once(app, runner, deliver):
    server = _after_an_outage(app, deliver, count=2)
    try:
        result = runner.invoke(args=["mail", "send", "--now"])
        assert result.exit_code == 0, result.output
        assert "2 waiting messages due now." in result.output
        assert "Sent 2" in result.output
        assert len(server.inbox.received) == 2
    finally:
        server.stop()
        app.config["MAIL_PORT"] = 9
