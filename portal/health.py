"""Readiness: can this process serve requests (database and, when configured, Redis)?

`/healthz` answers "the process is up" and touches nothing; `/readyz` asks the
dependencies, so a load balancer stops sending traffic to a node that lost its
database instead of turning every request into a 500. A node whose Redis
fails stays ready: it counts rate limits per process meanwhile (see
portal/ratelimits.py), and taking every node out because a shared Redis
failed would stop everyone from signing in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.extensions import db, login_manager

# The probe's own limits, whatever DATABASE_URL says, so /readyz answers
# within 3 seconds: 2 s to connect (psycopg's shortest connect timeout) and
# 1 s for the query.
PROBE_CONNECT_SECONDS = 2
PROBE_QUERY_MILLISECONDS = 1000
# Answered without loading the signed-in user, so without the database: the
# probes, and the stylesheet and images the portal's own 503 page needs.
WITHOUT_USER = frozenset({"static", "main.healthz", "main.readyz"})


def keep_probes_off_the_database(app: Flask) -> None:
    """/healthz needs no database at all, and /readyz asks it only through its
    own short-lived connection, whatever cookies the request carries."""

    @app.before_request
    def treat_as_anonymous() -> None:
        if request.endpoint in WITHOUT_USER:
            g._login_user = login_manager.anonymous_user()


def _probe_engine() -> sa.Engine:
    """A connection per probe (no pool), with the probe's own timeouts."""
    engines = current_app.extensions.setdefault("portal.readiness_engine", {})
    url = db.engine.url
    if url not in engines:
        if url.get_backend_name() == "postgresql":
            server_options = url.query.get("options")
            statement_timeout = f"-c statement_timeout={PROBE_QUERY_MILLISECONDS}"
            connect_args = {
                "connect_timeout": PROBE_CONNECT_SECONDS,
                "options": f"{server_options} {statement_timeout}"
                if isinstance(server_options, str)
                else statement_timeout,
            }
        else:
            connect_args = {"timeout": PROBE_CONNECT_SECONDS, "check_same_thread": False}
        engines[url] = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    return engines[url]


def check_database() -> str | None:
    """None when a query round-trips within the probe's limits, else why not."""
    try:
        with _probe_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        return f"database unreachable ({type(cause).__name__})"
    return None


def _redis():
    # Imported here: a node without Redis never loads the client (5 MiB per worker).
    from redis import Redis

    from portal.ratelimits import redis_client_options

    clients = current_app.extensions.setdefault("portal.readiness_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in clients:
        # A probe must answer quickly, whatever state Redis is in.
        options = redis_client_options(current_app.config["REDIS_TIMEOUT"])
        clients[url] = Redis.from_url(url, **options)
    return clients[url]


def check_redis() -> str | None:
    """None when Redis answers PING or is not configured, else why not."""
    if not current_app.config.get("REDIS_URL"):
        return None
    from redis.exceptions import RedisError

    try:
        _redis().ping()
    except (RedisError, OSError) as error:
        return f"redis unreachable ({type(error).__name__})"
    return None


def readiness() -> tuple[list[str], dict[str, str]]:
    """(what makes the node unready, each dependency's state: "ok", "not configured"
    or why it failed). Only the database makes it unready."""
    database = check_database()
    redis = check_redis()
    if redis:
        redis = f"{redis}: rate limits are counted per process"
    elif current_app.config.get("REDIS_URL"):
        redis = "ok"
    else:
        redis = "not configured"
    return [database] if database else [], {"database": database or "ok", "redis": redis}
