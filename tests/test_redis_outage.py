"""Redis stopped or hung: people still sign in, quickly, and limits still hold per process.

A production node (gunicorn with gunicorn.conf.py, one worker) runs in
another process against a real redis-server that the test stops, or against
a listener that accepts connections and never answers.
"""

from __future__ import annotations

import time

import pytest

from tests import factories
from tests.nodes import Cluster, Node, ProxiedClient
from tests.outages import RedisServer, SilentListener

# Sign-in must answer within this many seconds whatever Redis does.
ANSWER_WITHIN = 2.0


def _node_url(database_url: str) -> str:
    if database_url.startswith("sqlite"):
        return database_url
    from tests.postgres import libpq_url

    return libpq_url(database_url)


@pytest.fixture
def node_with_redis(database_url, tmp_path):
    """Start one production node using `redis_url`; stopped after the test."""
    clusters: list[Cluster] = []

    def start(redis_url: str) -> Node:
        cluster = Cluster(
            _node_url(database_url), redis_url, tmp_path / "node", count=1, workers=1, threads=2
        )
        clusters.append(cluster)
        return cluster.start().nodes[0]

    yield start
    for cluster in clusters:
        cluster.stop()


def _timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def _sign_in_within_limit(node: Node, email: str, client_address: str):
    person = ProxiedClient(client_address=client_address)
    person.get(node, "/auth/sign-in")
    response, seconds = _timed(
        lambda: person.post(node, "/auth/sign-in", {"email": email, "password": factories.PASSWORD})
    )
    assert response.status_code == 302, response.text[:300]
    assert seconds < ANSWER_WITHIN, seconds
    return person


def _fallback_warnings(node: Node) -> list[dict]:
    return [
        line
        for line in node.log_lines()
        if line.get("logger") == "flask-limiter"
        and line.get("level") == "WARNING"
        and "in-memory" in line.get("message", "")
    ]


def test_sign_in_and_reset_work_when_redis_stops(app, make, node_with_redis, tmp_path):
    advocate = make.advocate()
    with RedisServer(tmp_path) as redis_server:
        node = node_with_redis(redis_server.url)
        _sign_in_within_limit(node, advocate.email, "198.51.100.1")
        redis_server.stop()

        _sign_in_within_limit(node, advocate.email, "198.51.100.2")
        person = ProxiedClient("198.51.100.3")
        person.get(node, "/auth/reset")
        reset, seconds = _timed(lambda: person.post(node, "/auth/reset", {"email": advocate.email}))
        assert reset.status_code == 200 and seconds < ANSWER_WITHIN

        # Failures are still counted, now by this process.
        stranger = ProxiedClient("198.51.100.4")
        stranger.get(node, "/auth/sign-in")
        for _ in range(10):
            response = stranger.post(
                node, "/auth/sign-in", {"email": advocate.email, "password": "a wrong guess"}
            )
            assert response.status_code == 422
        held_back = stranger.post(
            node, "/auth/sign-in", {"email": advocate.email, "password": factories.PASSWORD}
        )
        assert held_back.status_code == 429 and "Try again in" in held_back.text

    assert _fallback_warnings(node), "no warning that limits are counted per process"
    ready = ProxiedClient().get(node, "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert not [line for line in node.log_lines() if line.get("status") == 500]


def test_sign_in_answers_quickly_when_redis_hangs(app, make, node_with_redis):
    advocate = make.advocate()
    with SilentListener() as hung_redis:
        node = node_with_redis(f"redis://127.0.0.1:{hung_redis.port}/0")
        for number in range(3):
            _sign_in_within_limit(node, advocate.email, f"198.51.100.{20 + number}")
        person = ProxiedClient("198.51.100.30")
        person.get(node, "/auth/reset")
        reset, seconds = _timed(lambda: person.post(node, "/auth/reset", {"email": advocate.email}))
        assert reset.status_code == 200 and seconds < ANSWER_WITHIN
        assert _fallback_warnings(node)
