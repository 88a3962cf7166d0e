"""Webhooks delivered to a real receiver on loopback: signed, retried, paused, never twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import BackgroundJob, JobStatus
from portal.notifications.models import Notification
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.webhooks import delivery as deliveries
from portal.webhooks import endpoints
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.webhooks.receiver import start_receiver

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


@pytest.fixture
def clock():
    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller


def _endpoint(make, receiver, events=("points.awarded",)) -> WebhookEndpoint:
    admin = make.admin()
    endpoint = endpoints.register(
        endpoints.EndpointDetails(url=receiver.url, description="CRM", event_types=list(events)),
        by=db.session.get(User, admin.id),
    )
    db.session.commit()
    return endpoint


def _award(advocate, points=10, key="k1"):
    ledger.award(advocate.id, points, reason="Webinar", key=key, source=PointsSource.MANUAL)
    db.session.commit()


def _delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalar(sa.select(WebhookDelivery))


def test_an_event_is_delivered_signed_per_standard_webhooks(make, receiver):
    endpoint = _endpoint(make, receiver)
    ann = make.advocate()
    _award(ann, 25)
    assert queue.run_due() == {JobStatus.DONE: 1}
    [message] = receiver.received
    payload = Webhook(endpoint.secret).verify(message.body, message.headers)
    assert payload["type"] == "points.awarded"
    assert payload["data"]["advocate_id"] == ann.id and payload["data"]["points"] == 25
    event = db.session.scalar(sa.select(WebhookEvent))
    assert message.headers["webhook-id"] == event.uid
    delivery = _delivery()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.last_status_code == 204
    assert delivery.last_duration_ms is not None
    with pytest.raises(WebhookVerificationError):  # another endpoint's secret does not verify
        Webhook(deliveries.new_secret()).verify(message.body, message.headers)


def test_events_are_written_with_their_change_or_not_at_all(make, receiver):
    _endpoint(make, receiver)
    ann = make.advocate()
    ledger.award(ann.id, 5, reason="x", key="gone", source=PointsSource.MANUAL)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0
    assert queue.run_due() == {}
    assert receiver.received == []


def test_only_subscribed_endpoints_get_an_event(make, receiver):
    _endpoint(make, receiver, events=("badge.awarded",))
    _award(make.advocate())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0


def test_a_failing_receiver_is_tried_again_with_backoff(make, receiver, clock):
    _endpoint(make, receiver)
    receiver.answers = [500, 503]
    _award(make.advocate())
    queue.run_due()
    delivery = _delivery()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert queue.run_due() == {}  # the next try waits a minute
    clock.shift(timedelta(minutes=1))
    queue.run_due()
    assert _delivery().attempts == 2 and _delivery().last_status_code == 503
    clock.shift(timedelta(minutes=5))
    queue.run_due()
    delivery = _delivery()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    ids = {message.headers["webhook-id"] for message in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # every try: the same message id
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint.failing_since is None


def test_an_endpoint_failing_for_three_days_is_paused_and_its_owner_told(make, receiver, clock):
    endpoint = _endpoint(make, receiver)
    receiver.answers = [500] * 100
    _award(make.advocate())
    for _ in range(40):
        queue.run_due()
        clock.shift(timedelta(hours=2))
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.paused_at is not None
    assert _delivery().status == DeliveryStatus.PAUSED
    tries = len(receiver.received)
    assert 5 <= tries < 40
    note = db.session.scalar(sa.select(Notification))
    assert note.user_id == endpoint.created_by_id and "paused" in note.message
    _award(make.advocate(), key="k2")  # a paused endpoint gets no new events
    clock.shift(timedelta(days=1))
    queue.run_due()
    assert len(receiver.received) == tries
    receiver.answers = []
    assert endpoints.resume(endpoint) == 1
    db.session.commit()
    queue.run_due()
    assert _delivery().status == DeliveryStatus.DELIVERED


def test_no_event_goes_twice_while_workers_live(make, receiver):
    _endpoint(make, receiver)
    _award(make.advocate())
    delivery = _delivery()
    # A second job for the same delivery (a "send again" clicked before it went).
    queue.enqueue(deliveries.DELIVER_JOB, {"delivery_id": delivery.id}, dedupe_key="extra")
    db.session.commit()
    # Worker A takes every due job; worker B, alive beside it, finds nothing to take.
    token, claimed = queue.claim(utcnow(), 10)
    assert len(claimed) == 2
    assert queue.run_due() == {}
    for job_id in claimed:
        queue._run_one(job_id, token)
    assert len(receiver.received) == 1
    assert _delivery().attempts == 1


def test_a_worker_that_dies_after_sending_leaves_a_resend_with_the_same_id(
    make, receiver, clock, monkeypatch
):
    _endpoint(make, receiver)
    _award(make.advocate())

    class WorkerDied(BaseException):
        pass

    real_send = deliveries._send

    def send_then_die(*args):
        real_send(*args)
        raise WorkerDied

    monkeypatch.setattr(deliveries, "_send", send_then_die)
    with pytest.raises(WorkerDied):
        queue.run_due()
    db.session.rollback()
    monkeypatch.setattr(deliveries, "_send", real_send)
    assert queue.run_due() == {}  # the dead worker's lease still holds the job
    clock.shift(queue.LEASE + timedelta(seconds=1))
    assert queue.run_due() == {JobStatus.DONE: 1}
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert _delivery().status == DeliveryStatus.DELIVERED


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(make, receiver, clock):
    endpoint = _endpoint(make, receiver)
    old = endpoint.secret
    new = endpoints.rotate_secret(endpoint)
    db.session.commit()
    _award(make.advocate())
    queue.run_due()
    message = receiver.received[-1]
    assert len(message.headers["webhook-signature"].split()) == 2
    Webhook(old).verify(message.body, message.headers)
    Webhook(new).verify(message.body, message.headers)
    clock.shift(endpoints.ROTATION_OVERLAP + timedelta(seconds=1))
    _award(make.advocate(), key="k2")
    queue.run_due()
    message = receiver.received[-1]
    Webhook(new).verify(message.body, message.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(message.body, message.headers)


def test_send_again_delivers_once_more_with_the_same_id(make, receiver):
    _endpoint(make, receiver)
    _award(make.advocate())
    queue.run_due()
    deliveries.send_again(_delivery())
    db.session.commit()
    queue.run_due()
    assert len(receiver.received) == 2
    assert len({m.headers["webhook-id"] for m in receiver.received}) == 1
    assert _delivery().attempts == 2


def test_each_event_kind_reaches_its_endpoint(make, receiver):
    from portal.advocates.employment import record_move
    from portal.recognition import badges
    from portal.recognition.models import Badge

    _endpoint(make, receiver, events=("badge.awarded", "advocate.moved", "tier.changed"))
    ann = make.advocate()
    badge = Badge(
        slug="b",
        name="B",
        rule_kind="first_of_type",
        rule_params={"type": "speaking_panel"},
        image=b"x",
    )
    db.session.add(badge)
    db.session.flush()
    badges.award(badge, ann.id)
    other = make.account()
    record_move(
        db.session.get(User, ann.id), account=other, title="CTO", started_on=utcnow().date()
    )
    db.session.commit()
    queue.run_due(limit=20)
    types = sorted(json.loads(m.body)["type"] for m in receiver.received)
    assert "badge.awarded" in types and "advocate.moved" in types


def test_jobs_left_failed_are_none(make, receiver):
    _endpoint(make, receiver)
    _award(make.advocate())
    queue.run_due()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BackgroundJob)
            .where(BackgroundJob.status == JobStatus.FAILED)
        )
        == 0
    )


def test_https_receivers_must_present_a_trusted_certificate(make, tmp_path):
    from tests.webhooks.receiver import start_tls_receiver

    receiver, server = start_tls_receiver(tmp_path)
    try:
        _endpoint(make, receiver)
        _award(make.advocate())
        queue.run_due()
        delivery = _delivery()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
        assert receiver.received == []
    finally:
        server.shutdown()


def test_a_delivery_connects_to_the_address_it_checked(make, receiver, monkeypatch):
    import socket

    real = socket.getaddrinfo
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    answers = iter(["127.0.0.1"] * 2 + ["203.0.113.9"] * 10)

    def resolve(host, *args, **kwargs):
        if host == "hooks.example":  # the name resolves anew for each check
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    receiver.url = f"http://hooks.example:{port}/hooks"
    _endpoint(make, receiver)
    _award(make.advocate())
    queue.run_due()
    [message] = receiver.received
    assert message.headers["host"] == f"hooks.example:{port}"
    assert _delivery().status == DeliveryStatus.DELIVERED
