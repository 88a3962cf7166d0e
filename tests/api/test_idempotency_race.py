"""Ten identical POSTs with one Idempotency-Key at once: one effect, ten equal answers.

PostgreSQL only. The test holds a lock that every request's INSERT of its
key must wait for, until all ten are waiting; then it lets them go at once.
The first to insert the key holds its row until it commits; the other nine
wait on the unique index, then find the stored answer and replay it.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import sqlalchemy as sa
from werkzeug.test import EnvironBuilder

from portal.extensions import db
from portal.recognition.models import PointsEntry
from tests.postgres import libpq_url

pytestmark = pytest.mark.postgresql

REQUESTS = 10


def _waiting(app) -> int:
    with app.app_context():
        url = libpq_url(db.engine.url.render_as_string(hide_password=False))
    with psycopg.connect(url, autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]


def test_ten_identical_posts_at_once_have_one_effect(app, make, make_token, api):
    ann = make.advocate()
    secret = make_token(make.admin(), ["ledger:write"])
    body = {"advocate_id": ann.id, "points": 15, "reason": "Reference call"}
    answers: list = [None] * REQUESTS

    def post(index: int) -> None:
        client = app.test_client()
        answers[index] = client.post(
            "/api/v1/ledger/awards",
            json=body,
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "call-7"},
            base_url="http://portal.test",
        )

    with app.app_context():
        db.session.execute(sa.text("LOCK TABLE api_idempotent_request IN SHARE ROW EXCLUSIVE MODE"))
        threads = [threading.Thread(target=post, args=(i,)) for i in range(REQUESTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while _waiting(app) < REQUESTS:  # polling an observable state, not ordering by time
            assert time.monotonic() < deadline, "the requests never all waited"
            time.sleep(0.01)
        db.session.commit()
    for thread in threads:
        thread.join(30)
    assert [answer.status_code for answer in answers] == [201] * REQUESTS
    assert len({answer.get_data() for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 9
    with app.app_context():
        assert db.session.scalars(sa.select(PointsEntry.points)).all() == [15]
    for answer in answers:  # each one matches the document
        request = EnvironBuilder(
            "/api/v1/ledger/awards", method="POST", json=body, base_url="http://portal.test"
        ).get_request()
        api.check(request, answer)
