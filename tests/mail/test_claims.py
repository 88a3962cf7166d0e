"""Two mail workers and an SMTP server that hangs longer than a lease: nothing is sent twice.

Worker A runs in a thread and hangs on the server (a real aiosmtpd server
whose first DATA gets no answer); meanwhile the test moves the frozen clock
past A's lease and runs worker B, with its own connection, then lets the
server answer A. The steps are taken by the test, not left to chance.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import utcnow
from portal.extensions import db
from portal.mail import delivery, outbox
from portal.mail.models import MessageStatus, OutboxMessage
from tests.helpers import free_port
from tests.mail_server import SMTPServer, StallingInbox


def _queue(app, count: int) -> None:
    with app.app_context():
        for number in range(count):
            outbox.enqueue(
                kind="test",
                to_address=f"person{number}@example.com",
                subject=f"Hello {number}",
                template="notification",
                context={"name": "P", "message": f"Message {number}", "action_url": None},
            )
        db.session.commit()


def _round(app) -> delivery.Outcome:
    """One delivery round of a mail worker, with its own session and connection."""
    with app.app_context():
        outcome = delivery.send_due(limit=50)
        db.session.remove()
        return outcome


class WorkerThread(threading.Thread):
    def __init__(self, app) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.outcome: delivery.Outcome | None = None

    def run(self) -> None:
        self.outcome = _round(self.app)


@pytest.fixture
def hanging_server(app, monkeypatch):
    def start(inbox: StallingInbox) -> SMTPServer:
        server = SMTPServer(free_port(), inbox=inbox)
        server.start()
        started.append(server)
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        # Longer than the test ever lets the server hang: A waits for its answer.
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 60)
        return server

    started: list[SMTPServer] = []
    yield start
    for server in started:
        server.inbox.release.set()
        server.stop()


def _leases_renewed_past(app, moment) -> bool:
    """Wait (briefly, in real time) until every claimed message's lease reaches past `moment`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            leases = db.session.scalars(
                sa.select(OutboxMessage.locked_until).where(
                    OutboxMessage.status == MessageStatus.SENDING
                )
            ).all()
            db.session.remove()
        if leases and all(lease > moment for lease in leases):
            return True
        time.sleep(0.02)
    return False


def _deliveries(server: SMTPServer) -> Counter:
    return Counter(received.recipients[0] for received in server.inbox.received)


def _statuses(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
        ).all()


def test_a_live_worker_keeps_its_claim_while_the_server_hangs(app, hanging_server, monkeypatch):
    monkeypatch.setattr(delivery, "RENEW_EVERY", timedelta(milliseconds=50), raising=False)
    server = hanging_server(StallingInbox())
    _queue(app, 6)
    with time_machine.travel(utcnow(), tick=False) as clock:
        worker_a = WorkerThread(app)
        worker_a.start()
        assert server.inbox.stalled.wait(10)
        # The server has hung for longer than a lease; A is alive and renews it.
        clock.shift(delivery.LEASE + timedelta(minutes=1))
        assert _leases_renewed_past(app, utcnow()), "worker A's leases ran out"
        worker_b = _round(app)
        assert (worker_b.sent, worker_b.lost) == (0, 0)  # nothing was due for B
        server.inbox.release.set()
        worker_a.join(30)
    assert worker_a.outcome.sent == 6
    assert _deliveries(server) == Counter(f"person{n}@example.com" for n in range(6))
    assert _statuses(app) == [(MessageStatus.SENT, 1)] * 6


def test_a_worker_never_sends_what_another_has_taken_over(app, hanging_server, monkeypatch):
    # A's renewals stop (a paused process, a database that did not answer it):
    # when its lease runs out, B takes its messages over and sends them.
    monkeypatch.setattr(delivery, "RENEW_EVERY", timedelta(hours=1), raising=False)
    server = hanging_server(StallingInbox(reply="451 4.3.0 Try again later"))
    _queue(app, 6)
    with time_machine.travel(utcnow(), tick=False) as clock:
        worker_a = WorkerThread(app)
        worker_a.start()
        assert server.inbox.stalled.wait(10)
        clock.shift(delivery.LEASE + timedelta(minutes=1))
        worker_b = _round(app)
        assert worker_b.sent == 6
        # The server answers A at last, refusing the message it held.
        server.inbox.release.set()
        worker_a.join(30)
    assert _deliveries(server) == Counter(f"person{n}@example.com" for n in range(6))
    # A's late failure did not overwrite B's success.
    assert _statuses(app) == [(MessageStatus.SENT, 1)] * 6
    assert (worker_a.outcome.sent, worker_a.outcome.retrying, worker_a.outcome.lost) == (0, 0, 6)


def test_a_dead_workers_messages_are_taken_over_when_its_lease_runs_out(app, smtp):
    _queue(app, 2)
    with app.app_context():
        dead = delivery.claim(utcnow(), 10)  # a worker that claimed, then crashed
        assert len(dead.ids) == 2
    assert _round(app).sent == 0
    with time_machine.travel(utcnow() + delivery.LEASE + timedelta(seconds=1)):
        assert _round(app).sent == 2
    assert _statuses(app) == [(MessageStatus.SENT, 1)] * 2
