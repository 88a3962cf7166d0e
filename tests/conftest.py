"""Shared fixtures: a migrated database per run, a clean one per test, clients, factories.

The database comes from TEST_DATABASE_URL: unset means a SQLite file in a
temporary folder; a PostgreSQL URL names a server on which a fresh database
is created for this run (and this xdist worker) and dropped afterwards.
Tests marked `postgresql` are deselected, not skipped, on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from config import TestConfig, normalize_database_url
from portal import branding, create_app
from portal.extensions import db, limiter
from tests import factories

# Tables whose rows come from migrations; restored after every test.
REFERENCE_TABLES = ("tier", "setting")


def _backend() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql")) else "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    """Every app of the run reads catalogues compiled from the .po files as they are now."""
    from pathlib import Path
    from tempfile import mkdtemp

    from portal import catalogues

    target = Path(mkdtemp(prefix="portal-translations-"))
    catalogues.compile_all(target)
    os.environ["TRANSLATIONS_DIR"] = str(target)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _backend() == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgresql") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a skip there fails the run."""
    if os.environ.get("CI", "").lower() not in ("1", "true"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} tests were skipped; failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def backend() -> str:
    return _backend()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    if _backend() == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        return
    server = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"portal_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = server.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_test_app(database_url: str, **overrides) -> Flask:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    with app.app_context():
        upgrade()
        app.extensions["test_reference_rows"] = {
            name: (
                db.metadata.tables[name],
                [
                    dict(row._mapping)
                    for row in db.session.execute(db.metadata.tables[name].select())
                ],
            )
            for name in REFERENCE_TABLES
        }
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_every_table(connection: sa.Connection) -> None:
    if connection.dialect.name != "postgresql":
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        return
    # PostgreSQL refuses to DELETE ledger entries (an append-only trigger);
    # TRUNCATE fires no row trigger. Identities continue, as after a DELETE:
    # the reference rows come back with their ids, past which the sequences
    # must stay. TRUNCATE waits for every other session's lock on these
    # tables, so a session left open fails the wipe rather than hanging it.
    quote = connection.dialect.identifier_preparer.format_table
    names = ", ".join(quote(table) for table in db.metadata.sorted_tables)
    connection.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
    connection.execute(sa.text(f"TRUNCATE TABLE {names}"))


def wipe_database(app: Flask) -> None:
    """Back to what the migrations leave: no users, the default tiers and settings."""
    with app.app_context():
        limiter.reset()
        branding.forget()
        # Cache versions start again with the emptied tables: forget what was kept.
        app.extensions.pop("portal.cache", None)
        db.session.remove()
        with db.engine.begin() as connection:
            _empty_every_table(connection)
            for table, rows in app.extensions["test_reference_rows"].values():
                if rows:
                    connection.execute(table.insert(), rows)


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from what the migrations leave."""
    yield
    if "app" in request.fixturenames:
        wipe_database(request.getfixturevalue("app"))


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that call services directly (not the client)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class Auth:
    """Sign people in through the real sign-in form."""

    def __init__(self, client) -> None:
        self.client = client

    def sign_in(self, email: str, password: str = factories.PASSWORD, remember: bool = False):
        return self.client.post(
            "/auth/sign-in",
            data={"email": email, "password": password, "remember": "y" if remember else ""},
        )

    def sign_out(self):
        return self.client.post("/auth/sign-out")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def login(client):
    """Sign a user in (through the form) and return the client."""

    def _login(user) -> object:
        response = client.post(
            "/auth/sign-in", data={"email": user.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


@pytest.fixture
def make(app: Flask) -> factories.Factory:
    return factories.Factory(app)


@pytest.fixture
def count_queries(app: Flask):
    """`with count_queries() as counted: ...` then `counted.total`."""

    @contextlib.contextmanager
    def _count():
        counter = factories.QueryCounter()
        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return _count


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on 127.0.0.1 for the browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server (aiosmtpd) that the portal is configured to use."""
    from tests.helpers import free_port
    from tests.mail_server import SMTPServer

    server = SMTPServer(free_port())
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def deliver(app):
    """Run one delivery round of the mail worker; returns its outcome."""
    from portal.mail.delivery import send_due

    def _deliver():
        with app.app_context():
            outcome = send_due(limit=500)
            db.session.remove()
            return outcome

    return _deliver


# --- services for the production tests (Redis, several nodes) ----------------

# A database number of its own, so tests never touch data of a local Redis.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis that answers: TEST_REDIS_URL (scripts/test.sh sets it), else the local one."""
    import redis

    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"no Redis at {url} ({error}): scripts/test.sh starts one")
    return url
