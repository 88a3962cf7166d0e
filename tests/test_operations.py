"""Production plumbing: request ids and JSON logs, readiness, proxies, gunicorn settings."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import sys
from pathlib import Path

import pytest
from flask import request

from portal.logs import JsonFormatter, RequestIdFilter, clean_request_id, logging_config
from tests.conftest import make_test_app
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent


def _access_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "portal.access"]


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second
    assert len(first) == 32 and int(first, 16) >= 0


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("3f1c9a1e-8c2b-4d55-9a43-2d0a1f6b7c10", True),
        ("a1b2c3d4e5f60718293a4b5c6d7e8f90", True),
        ("lb.edge-7:42", True),
        ("", False),
        ("has space", False),
        ('"><script>', False),
        ("x" * 129, False),
        ("tab\there", False),
        ("ünïcode-id-0001", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept(client, incoming, kept):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert (response.headers["X-Request-ID"] == incoming) is kept
    assert (
        clean_request_id(incoming) == incoming if kept else clean_request_id(incoming) != incoming
    )


def test_one_access_line_per_request_with_the_request_id(client, caplog, make, login):
    caplog.set_level(logging.INFO, logger="portal.access")
    advocate = make.advocate()
    login(advocate)
    caplog.clear()
    response = client.get("/dashboard?x=1", headers={"X-Request-ID": "trace-0001"})
    assert response.status_code == 200
    (line,) = _access_lines(caplog)
    assert line.request_id == "trace-0001"
    assert (line.method, line.path, line.status) == ("GET", "/dashboard", 200)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.user_id == advocate.id

    caplog.clear()
    client.get("/no-such-page")
    (missing,) = _access_lines(caplog)
    assert missing.status == 404


def test_a_request_answered_by_an_earlier_hook_is_still_logged(client, caplog, make, login):
    # New advocates are redirected to the welcome step by a before_request hook.
    caplog.set_level(logging.INFO, logger="portal.access")
    login(make.advocate(onboarded=False))
    caplog.clear()
    response = client.get("/opportunities")
    assert response.status_code == 302
    (line,) = _access_lines(caplog)
    assert line.status == 302 and line.request_id == response.headers["X-Request-ID"]


def test_json_lines_carry_the_request_id_of_the_request_they_belong_to(database_url):
    app = make_test_app(database_url)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("portal.test-json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.get("/_log-something")
    def log_something():
        logger.warning("inside %s", "a request", extra={"opportunity_id": 7})
        return "ok"

    try:
        app.test_client().get("/_log-something", headers={"X-Request-ID": "req-42"})
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside a request"
    assert inside["request_id"] == "req-42"
    assert inside["opportunity_id"] == 7
    assert inside["level"] == "WARNING" and inside["ts"].endswith("+00:00")
    assert inside["logger"] == "portal.test-json"
    assert outside["request_id"] is None


def test_exceptions_are_logged_as_one_json_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exception"]


def test_logging_config_sends_everything_through_one_json_handler():
    config = logging_config("INFO")
    assert config["root"]["handlers"] == ["json"]
    assert config["handlers"]["json"]["filters"] == ["request_id"]
    assert config["loggers"]["gunicorn.access"]["handlers"] == []


# --- readiness --------------------------------------------------------------


def test_healthz_and_readyz_when_everything_answers(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_with_a_reason_without_the_database(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/missing-folder/portal.db")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("database unreachable")
    assert body["checks"]["database"].startswith("database unreachable")
    # The process itself is fine.
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_stays_ready_but_says_so_when_redis_does_not_answer(database_url):
    # Rate limits are then counted per process: taking every node out of the
    # balancer because their shared Redis failed would stop all sign-ins.
    app = make_test_app(database_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("redis unreachable")
    assert body["checks"]["redis"].endswith("rate limits are counted per process")


def test_readyz_checks_a_live_redis(database_url, redis_url):
    app = make_test_app(database_url, REDIS_URL=redis_url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}


# --- behind a reverse proxy -------------------------------------------------


def _echo_app(database_url: str, trusted_proxies: int):
    app = make_test_app(database_url, TRUSTED_PROXIES=trusted_proxies)

    @app.get("/_echo")
    def echo():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


PROXY_HEADERS = {
    "X-Forwarded-For": "203.0.113.9, 10.0.0.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "advocates.example.com",
}


def test_one_trusted_proxy_sets_client_address_scheme_and_host(database_url):
    client = _echo_app(database_url, 1).test_client()
    seen = client.get("/_echo", headers=PROXY_HEADERS).get_json()
    # Only the last hop (added by our proxy) is believed.
    assert seen == {"addr": "10.0.0.2", "scheme": "https", "host": "advocates.example.com"}


def test_two_trusted_proxies_reach_one_hop_further(database_url):
    client = _echo_app(database_url, 2).test_client()
    assert client.get("/_echo", headers=PROXY_HEADERS).get_json()["addr"] == "203.0.113.9"


def test_forwarded_headers_are_ignored_without_trusted_proxies(database_url):
    client = _echo_app(database_url, 0).test_client()
    seen = client.get("/_echo", headers=PROXY_HEADERS).get_json()
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


# --- gunicorn settings ------------------------------------------------------


def _gunicorn_settings(monkeypatch, **environ):
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_settings_are_documented_defaults(monkeypatch):
    monkeypatch.delenv("PORTAL_WORKERS", raising=False)
    monkeypatch.delenv("PORTAL_BIND", raising=False)
    conf = _gunicorn_settings(monkeypatch)
    assert conf.wsgi_app == "portal.wsgi:app"
    assert conf.bind == ["127.0.0.1:8000"]
    assert conf.worker_class in ("sync", "gthread")
    assert conf.workers >= 2 and conf.threads >= 1
    assert conf.timeout >= conf.graceful_timeout > 0
    assert conf.max_requests > 0 and 0 < conf.max_requests_jitter < conf.max_requests
    assert conf.preload_app is True
    assert conf.accesslog is None
    assert conf.secure_scheme_headers == {}
    assert callable(conf.post_fork)


def test_gunicorn_settings_from_the_environment(monkeypatch):
    conf = _gunicorn_settings(
        monkeypatch,
        PORTAL_BIND="127.0.0.1:9001, unix:/run/portal.sock",
        PORTAL_WORKERS="7",
        PORTAL_THREADS="2",
        PORTAL_WORKER_CLASS="sync",
    )
    assert conf.bind == ["127.0.0.1:9001", "unix:/run/portal.sock"]
    assert (conf.workers, conf.threads, conf.worker_class) == (7, 2, "sync")
