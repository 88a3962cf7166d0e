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
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db


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
