"""Readiness: can this process serve requests (database and, when configured, Redis)?

`/healthz` answers "the process is up" and touches nothing; `/readyz` asks the
dependencies, so a load balancer stops sending traffic to a node that lost its
database instead of turning every request into a 500.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db

# A probe must answer quickly, whatever state Redis is in.
REDIS_TIMEOUT_SECONDS = 2.0


def check_database() -> str | None:
    """None when a query round-trips, else why not."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        return f"database unreachable ({type(cause).__name__})"
    return None


def _redis():
    # Imported here: a node without Redis never loads the client (5 MiB per worker).
    from redis import Redis

    clients = current_app.extensions.setdefault("portal.readiness_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in clients:
        clients[url] = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
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
    """(problems, each dependency's state: "ok", "not configured" or why it failed)."""
    database = check_database()
    redis = check_redis()
    problems = [problem for problem in (database, redis) if problem]
    checks = {
        "database": database or "ok",
        "redis": redis or ("ok" if current_app.config.get("REDIS_URL") else "not configured"),
    }
    return problems, checks
