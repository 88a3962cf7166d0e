"""Two gunicorn nodes on one PostgreSQL and Redis behave as one portal.

The production set-up runs in other processes: gunicorn.conf.py, PORTAL_ENV
production, behind a pretend TLS-terminating proxy (see tests/nodes.py).
Sessions live in the database, so a sign-in on one node is good on the
other; rate limits are counted in Redis, so both nodes (and all their
workers) hold an address back together; seats and awards are settled by
PostgreSQL whichever node a request reaches.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import ApprovalMode, Opportunity, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import ledger
from portal.recognition.models import PointsEntry
from tests import factories
from tests.nodes import Cluster, ProxiedClient
from tests.postgres import libpq_url, migrated_app, scratch_database

pytestmark = pytest.mark.postgresql


@dataclass
class TwoNodes:
    cluster: Cluster
    app: Flask
    make: factories.Factory

    @property
    def a(self):
        return self.cluster.nodes[0]

    @property
    def b(self):
        return self.cluster.nodes[1]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, redis_url):
    with scratch_database("portal_nodes") as url:
        app = migrated_app(url)
        cluster = Cluster(libpq_url(url), redis_url, tmp_path_factory.mktemp("nodes"))
        with cluster:
            yield TwoNodes(cluster, app, factories.Factory(app))
        with app.app_context():
            db.engine.dispose()


def _together(count: int, work) -> list:
    """Run work(i) in `count` threads released at once; returns what each returned."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_both_nodes_are_ready(nodes):
    for node in nodes.cluster.nodes:
        response = ProxiedClient().get(node, "/readyz")
        assert response.status_code == 200, response.text
        checks = response.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["redis"] == "ok"


def test_a_session_started_on_one_node_works_on_the_other(nodes):
    advocate = nodes.make.advocate(name="Nina Nodes")
    person = ProxiedClient()
    signed_in = person.sign_in(nodes.a, advocate.email, factories.PASSWORD)
    # Production cookies: only ever sent back over HTTPS (to the proxy).
    assert "portal_session=" in signed_in.headers["Set-Cookie"]
    assert "Secure" in signed_in.headers["Set-Cookie"]

    on_b = person.get(nodes.b, "/dashboard")
    assert on_b.status_code == 200
    assert "Nina Nodes" in on_b.text

    # Signing out on B ends the server-side session, so A refuses the cookie too.
    assert person.post(nodes.b, "/auth/sign-out").status_code == 302
    after = person.get(nodes.a, "/dashboard")
    assert after.status_code == 302 and "/auth/sign-in" in after.headers["Location"]


def test_a_copied_cookie_is_refused_everywhere_after_sign_out(nodes):
    advocate = nodes.make.advocate()
    person = ProxiedClient()
    person.sign_in(nodes.b, advocate.email, factories.PASSWORD)
    copied = ProxiedClient()
    copied.cookies = dict(person.cookies)
    assert copied.get(nodes.a, "/dashboard").status_code == 200
    person.get(nodes.b, "/dashboard")
    person.post(nodes.b, "/auth/sign-out")
    for node in nodes.cluster.nodes:
        assert copied.get(node, "/dashboard").status_code == 302


def test_an_award_on_one_node_shows_on_the_others_cached_board_at_once(nodes):
    leader = nodes.make.advocate(name="Cached Cora")
    nodes.make.points(leader, 150_000)
    chaser = nodes.make.advocate(name="Chasing Chip")
    viewer = ProxiedClient("203.0.113.31")
    viewer.sign_in(nodes.a, nodes.make.advocate().email, factories.PASSWORD)
    for _ in range(4):  # every worker of node A caches the board
        assert "Cached Cora" in viewer.get(nodes.a, "/leaderboard").text.split("</tr>")[1]
    manager = ProxiedClient("203.0.113.32")
    manager.sign_in(nodes.b, nodes.make.manager().email, factories.PASSWORD)
    manager.get(nodes.b, f"/manage/advocates/{chaser.id}")
    for _ in range(2):  # awards are capped at 100,000 points each
        awarded = manager.post(
            nodes.b,
            f"/manage/advocates/{chaser.id}/points",
            {"points": "100000", "reason": "Keynote", "key": secrets.token_hex(8)},
        )
        assert awarded.status_code == 302
    for _ in range(4):
        top = viewer.get(nodes.a, "/leaderboard").text.split("</tr>")[1]
        assert "Chasing Chip" in top


def test_rate_limits_are_shared_by_both_nodes(nodes):
    """Ten failed sign-ins per address and client per 15 minutes, counted in Redis by every worker."""
    # A fresh address: the limits outlive a test run in Redis.
    advocate = nodes.make.advocate(email=f"limited-{secrets.token_hex(6)}@example.com")
    stranger = ProxiedClient(client_address="198.51.100.100")
    node_of = {}
    for attempt in range(10):
        node = nodes.cluster.nodes[attempt % 2]
        stranger.get(node, "/auth/sign-in")
        response = stranger.post(
            node, "/auth/sign-in", {"email": advocate.email, "password": "not the password"}
        )
        assert response.status_code == 422, attempt
        assert "Email or password is incorrect." in response.text
        node_of[attempt] = node.name
    assert set(node_of.values()) == {"A", "B"}

    for node in nodes.cluster.nodes:
        stranger.get(node, "/auth/sign-in")
        refused = stranger.post(
            node, "/auth/sign-in", {"email": advocate.email, "password": factories.PASSWORD}
        )
        assert refused.status_code == 429
        assert "Try again in" in refused.text
    # The owner, from their own client, is not held back by the stranger's failures.
    ProxiedClient(client_address="198.51.100.200").sign_in(
        nodes.a, advocate.email, factories.PASSWORD
    )


def test_each_node_logs_json_lines_with_the_request_id(nodes):
    person = ProxiedClient(client_address="198.51.100.7")
    response = person.get(nodes.a, "/healthz", headers={"X-Request-ID": "two-nodes-0001"})
    assert response.headers["X-Request-ID"] == "two-nodes-0001"
    generated = person.get(nodes.b, "/healthz").headers["X-Request-ID"]

    def access_lines(node, request_id):
        return [
            line
            for line in node.log_lines()
            if line.get("logger") == "portal.access" and line.get("request_id") == request_id
        ]

    (line,) = access_lines(nodes.a, "two-nodes-0001")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["remote_addr"] == "198.51.100.7"  # through ProxyFix
    assert line["duration_ms"] >= 0
    assert access_lines(nodes.b, "two-nodes-0001") == []
    assert len(access_lines(nodes.b, generated)) == 1
    assert all("unparsed" not in line for line in nodes.a.log_lines())


def test_applications_spread_over_both_nodes_never_overbook(nodes):
    opportunity = nodes.make.opportunity(mode=ApprovalMode.FIRST_COME, seats=5)
    people = []
    for index in range(24):
        advocate = nodes.make.advocate()
        person = ProxiedClient(client_address=f"203.0.113.{index + 20}")
        person.sign_in(nodes.cluster.nodes[index % 2], advocate.email, factories.PASSWORD)
        # The form comes from one node, the application goes to the other.
        assert person.get(nodes.cluster.nodes[index % 2], f"/opportunities/{opportunity.id}")
        people.append(person)

    def apply(index: int):
        return people[index].post(
            nodes.cluster.nodes[(index + 1) % 2],
            f"/opportunities/{opportunity.id}/apply",
            {"note": "", "waitlist": "y"},
        )

    responses = _together(len(people), apply)
    assert [r.status_code for r in responses] == [302] * len(people)
    with nodes.app.app_context():
        statuses = Counter(
            db.session.scalars(
                sa.select(Participation.status).where(
                    Participation.opportunity_id == opportunity.id
                )
            )
        )
        seats_taken = db.session.get(Opportunity, opportunity.id).seats_taken
        db.session.remove()
    assert statuses == Counter({S.APPROVED: 5, S.WAITLISTED: 19})
    assert seats_taken == 5


def test_completions_spread_over_both_nodes_award_once(nodes):
    opportunity = nodes.make.opportunity(
        points=130, starts_at=utcnow() - timedelta(hours=3), duration=timedelta(hours=1)
    )
    advocate = nodes.make.advocate()
    participation = nodes.make.participation(opportunity, advocate, S.APPROVED)
    manager = nodes.make.manager()
    browsers = []
    for node in nodes.cluster.nodes:  # the same manager, signed in on each node
        browser = ProxiedClient()
        browser.sign_in(node, manager.email, factories.PASSWORD)
        assert browser.get(node, f"/manage/opportunities/{opportunity.id}").status_code == 200
        browsers.append(browser)

    def complete(index: int):
        return browsers[index % 2].post(
            nodes.cluster.nodes[index % 2],
            f"/manage/participations/{participation.id}/mark",
            {"completed": "Completed"},
        )

    responses = _together(10, complete)
    assert {r.status_code for r in responses} == {302}
    with nodes.app.app_context():
        entries = db.session.scalars(
            sa.select(PointsEntry).where(
                PointsEntry.award_key == f"participation:{participation.id}"
            )
        ).all()
        assert len(entries) == 1
        assert ledger.total_for(advocate.id) == 130
        assert list(ledger.mismatches()) == []
        assert db.session.get(Participation, participation.id).status == S.COMPLETED
        db.session.remove()


def test_a_node_stops_gracefully_on_sigterm(tmp_path):
    with scratch_database("portal_stop") as url:
        migrated_app(url)
        cluster = Cluster(libpq_url(url), None, tmp_path, count=1)
        with cluster:  # stopped even when an assertion fails
            (node,) = cluster.nodes
            assert len(node.worker_pids()) == cluster.workers
            cluster.stop()
            assert node.process.returncode == 0
        messages = [line.get("message", "") for line in node.log_lines()]
        assert "Handling signal: term" in messages
        assert "Shutting down: Master" in messages
