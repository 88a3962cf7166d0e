"""Rate limits, and what happens to them when Redis fails.

Limits are counted in Redis when REDIS_URL is set, so every worker of every
node counts together. Redis must never stop the portal: each call waits at
most REDIS_TIMEOUT seconds and is not retried, and when Redis fails the
limits are counted per process (Flask-Limiter's in-memory fallback, which
logs a warning) until it answers again. An error while counting is logged,
never turned into an error page.
"""

from __future__ import annotations

from flask import Flask

from portal.extensions import limiter


def redis_client_options(timeout: float) -> dict:
    """Options for every Redis client of the portal: short timeouts and no retries.

    redis-py retries a timed-out command three times by default, so a Redis
    that accepts connections but never answers held each request for four
    timeouts.
    """
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }


def init_rate_limits(app: Flask) -> None:
    config = app.config
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "unix://")):
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            **redis_client_options(config["REDIS_TIMEOUT"]),
            **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    limiter.init_app(app)
