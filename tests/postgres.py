"""Scratch PostgreSQL databases for tests that need one of their own.

The query-plan and two-node tests load far more data than a test should
leave behind for the next one, and the second runs servers in other
processes, so each gets a database created for it and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from config import normalize_database_url
from portal.extensions import db
from tests.conftest import make_test_app


def _admin_conninfo() -> tuple[str, object]:
    server = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    admin = server.set(drivername="postgresql", database="postgres")
    return admin.render_as_string(hide_password=False), server


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test server; yields its SQLAlchemy URL."""
    conninfo, server = _admin_conninfo()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_app(url: str, **overrides) -> Flask:
    app = make_test_app(url, **overrides)
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def libpq_url(url: str) -> str:
    """The same database as a plain postgresql:// URL (for psycopg and child processes)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
