"""Structured logs: one JSON object per line, each carrying the request id.

Every request gets an id: a sane incoming `X-Request-ID` (set by the reverse
proxy, so its log and ours can be joined) or a fresh one. It is returned in
the response's `X-Request-ID` header and added to every log line written
while the request runs, including the one access line logged per request.

The stdlib `logging` module is enough here: a formatter and a filter, set up
once by `logging_config()` (gunicorn.conf.py passes it to gunicorn, whose own
lines then come out as JSON too). No extra dependency, and libraries that log
through stdlib (SQLAlchemy, gunicorn) need no adapter.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators, as proxies and tracing systems make
# them (UUIDs, hex, "abc-123.4"); anything else is replaced, never logged.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

access_logger = logging.getLogger("portal.access")

# Attributes every LogRecord has; anything else was passed through `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)


def clean_request_id(value: str | None) -> str:
    """The incoming id if it looks like one, else a new random one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts": ..., "level": ..., "logger": ..., "message": ..., "request_id": ..., ...}`."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict:
    """A `logging.config.dictConfig` dict: JSON lines on stderr for the app and gunicorn."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "root": {"level": level, "handlers": ["json"]},
        "loggers": {
            # gunicorn's own messages, in our format; its access lines are
            # replaced by ours (portal.access), which carry the request id.
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # Migrations tooling chatters at INFO when the app is imported.
            "alembic": {"level": "WARNING"},
        },
    }


def register_request_logging(app: Flask) -> None:
    """Give every request an id, return it in a header and log one access line."""

    @app.before_request
    def start_request_log() -> None:
        g.request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request_log(response: Response) -> Response:
        # A before_request hook that answered early may have run before ours.
        request_id = g.get("request_id") or clean_request_id(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        if access_logger.isEnabledFor(logging.INFO):
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "remote_addr": request.remote_addr,
                    "user_id": _signed_in_user_id(),
                },
            )
        return response


def _signed_in_user_id() -> int | None:
    # Only if this request already loaded the user: logging must not add a query.
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
