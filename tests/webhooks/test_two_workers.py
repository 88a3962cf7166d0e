"""Two live workers with jobs for the same delivery: the event goes once (PostgreSQL).

Worker A (the test's own transaction) sends the delivery and holds its row
until it commits; worker B's job for the same delivery (a "send again"
clicked meanwhile) waits for that row, then finds it delivered.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.webhooks import delivery as deliveries
from portal.webhooks import endpoints
from portal.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.races import Meanwhile
from tests.webhooks.receiver import start_receiver

pytestmark = pytest.mark.postgresql


def test_a_delivery_being_sent_is_not_sent_by_a_second_worker(app, make):
    receiver, server = start_receiver()
    try:
        admin, ann = make.admin(), make.advocate()
        with app.app_context():
            endpoints.register(
                endpoints.EndpointDetails(receiver.url, "", ["points.awarded"]),
                by=db.session.get(User, admin.id),
            )
            db.session.commit()
            ledger.award(ann.id, 5, reason="x", key="k", source=PointsSource.MANUAL)
            db.session.commit()
            delivery_id = db.session.scalar(sa.select(WebhookDelivery.id))
            _token, [first_job] = queue.claim(utcnow(), 1)
            deliveries.send_again(db.session.get(WebhookDelivery, delivery_id))
            db.session.commit()

            # Worker A sends, and has not recorded it yet.
            context = queue.JobContext(first_job, {"delivery_id": delivery_id}, current_app)
            assert deliveries.deliver(context) == {"status": 204}
            worker_b = Meanwhile(app, lambda: queue.run_due())
            worker_b.wait_until_blocked()
            db.session.commit()
        worker_b.finish()
        assert len(receiver.received) == 1
        with app.app_context():
            delivery = db.session.get(WebhookDelivery, delivery_id)
            assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    finally:
        server.shutdown()
