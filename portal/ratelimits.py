"""Rate limits, and what happens to them when Redis fails.

Limits are counted in Redis when REDIS_URL is set, so every worker of every
node counts together. Redis must never stop the portal: each call waits at
most REDIS_TIMEOUT seconds and is not retried, and when Redis fails the
limits are counted per process (Flask-Limiter's in-memory fallback, which
logs a warning) until it answers again. An error while counting is logged,
never turned into an error page.
"""

from __future__ import annotations

from flask import Flask, request

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
    _check_only_limited_routes(app)


def _check_only_limited_routes(app: Flask) -> None:
    """Ask Flask-Limiter only on the routes that carry a limit.

    Its own hook works out the limits of every request, a sixth of what a
    bare /healthz costs; the portal has no default or blueprint-wide limits,
    so the routes decorated with `limiter.limit` are the only ones to check.
    """
    manager = limiter.limit_manager
    if manager._default_limits or manager._blueprint_limits or manager._application_limits:
        return  # limits on every route: Flask-Limiter's hook stays as it is
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.setdefault(None, [])
    if check not in hooks:
        return
    limited: set[str] | None = None

    def check_limited_routes() -> None:
        nonlocal limited
        if limited is None:  # every route is registered once the first request comes
            limited = {
                endpoint
                for endpoint, view in app.view_functions.items()
                if f"{view.__module__}.{view.__name__}" in manager._decorated_limits
            }
        if request.endpoint in limited:
            check()

    hooks[hooks.index(check)] = check_limited_routes
