"""What every API resource does alike: cursors, ETags, rate limits, idempotency keys.

- **Cursor pagination**: lists are ordered by id; `next` is an opaque cursor
  naming the last id sent, so rows added meanwhile never shift a page.
- **ETag / If-None-Match** on every GET: a strong tag of the body; a match
  answers 304 with no body.
- **Rate limits** per token, counted in the portal's limiter storage (Redis
  when configured), announced with the `RateLimit-Policy` and `RateLimit`
  fields of draft-ietf-httpapi-ratelimit-headers-09, and 429 with
  `Retry-After` when spent.
- **Idempotency-Key** on POST: the first answer is stored with the effect,
  in the same transaction; a replay with the same body gets it again, the
  same key with another body is refused (422). Two at once: the second waits
  for the first's row (the unique key) and then replays its answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, current_app, g, request
from limits import RateLimitItemPerMinute

from portal.api.models import ApiToken, IdempotentRequest
from portal.api.problems import ApiProblem
from portal.db import dialect_insert, utcnow
from portal.extensions import db, limiter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
RATE_LIMIT_DRAFT = "draft-ietf-httpapi-ratelimit-headers-09"


# --- cursors ----------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id after which the page starts (0 for the first page); raises ApiProblem."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        after = None
    if not isinstance(after, int) or not 0 <= after < 2**31:
        raise ApiProblem(
            422,
            "The cursor is not one this API gave.",
            slug="invalid",
            errors=[{"field": "cursor", "message": "unknown cursor"}],
        )
    return after


def page_of(
    query: sa.Select, id_column, *, cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of `query` ordered by `id_column`, and the cursor of the next (or None)."""
    after = decode_cursor(cursor)
    rows = list(
        db.session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1))
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(_id_of(rows[-1])) if has_more and rows else None)


def _id_of(row) -> int:
    return row.id if hasattr(row, "id") else row.user_id


def next_link(next_cursor: str | None) -> str | None:
    """The URL of the next page: this request's with the cursor replaced."""
    if next_cursor is None:
        return None
    args = request.args.to_dict()
    args["cursor"] = next_cursor
    query = "&".join(f"{key}={_quote(value)}" for key, value in args.items())
    return f"{request.base_url}?{query}"


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def as_utc(value: datetime | None) -> datetime | None:
    """A filter's date-time: naive values are taken as UTC."""
    if value is None:
        return None
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- ETags --------------------------------------------------------------------


def add_etag(response: Response) -> Response:
    """A strong ETag on a successful GET, and 304 when the client has it already."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    tag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(tag)
    if tag in request.if_none_match:
        not_modified = Response(status=304)
        for name in ("ETag", "Cache-Control", "RateLimit", "RateLimit-Policy"):
            if name in response.headers:
                not_modified.headers[name] = response.headers[name]
        return not_modified
    return response


# --- rate limits --------------------------------------------------------------


def check_rate_limit(token: ApiToken) -> None:
    """Count this call against the token's limit; raises ApiProblem (429) when spent."""
    item = RateLimitItemPerMinute(token.rate_limit)
    key = ("api-token", str(token.id))
    try:
        allowed = limiter.limiter.hit(item, *key)
        reset_at, remaining = limiter.limiter.get_window_stats(item, *key)
    except Exception as error:  # the limits' storage failed: never stop the API for it
        current_app.logger.warning("API rate limit not counted: %s", error)
        return
    seconds = max(0, math.ceil(reset_at - time.time()))
    g.rate_limit_headers = {
        "RateLimit-Policy": f'"token";q={token.rate_limit};w=60',
        "RateLimit": f'"token";r={max(remaining, 0)};t={seconds}',
    }
    if not allowed:
        raise ApiProblem(
            429,
            f"This token may make {token.rate_limit} requests a minute. "
            f"Try again in {max(seconds, 1)} seconds.",
            slug="rate-limited",
            headers={**g.rate_limit_headers, "Retry-After": str(max(seconds, 1))},
        )


def add_rate_limit_headers(response: Response) -> Response:
    for name, value in getattr(g, "rate_limit_headers", {}).items():
        response.headers.setdefault(name, value)
    return response


# --- idempotency ---------------------------------------------------------------

MAX_KEY_LENGTH = 255
# How long a key's first answer is kept for replays.
IDEMPOTENCY_KEPT = timedelta(hours=24)


def purge_idempotent_requests(now: datetime) -> int:
    """Forget the answers of keys older than IDEMPOTENCY_KEPT (a timed job)."""
    purged = db.session.execute(
        sa.delete(IdempotentRequest).where(IdempotentRequest.created_at < now - IDEMPOTENCY_KEPT)
    ).rowcount
    db.session.commit()
    return purged


def _request_hash() -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.get_data())
    return digest.hexdigest()


def idempotent(view: Callable) -> Callable:
    """Run a POST once per Idempotency-Key (when sent), and commit its effect with its answer.

    Without the header the view simply runs and commits. A PortalError or
    ApiProblem rolls everything back, the key included, so a corrected retry
    with the same key works.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            response = current_app.make_response(view(*args, **kwargs))
            db.session.commit()
            return response
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ApiProblem(
                400,
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
                slug="idempotency-key",
            )
        token: ApiToken = g.api_token
        request_hash = _request_hash()
        inserted = db.session.execute(
            dialect_insert(IdempotentRequest.__table__)
            .values(token_id=token.id, key=key, request_hash=request_hash, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["token_id", "key"])
            .returning(IdempotentRequest.id)
        ).scalar()
        if inserted is None:
            return _replay(token.id, key, request_hash)
        response = current_app.make_response(view(*args, **kwargs))
        db.session.execute(
            sa.update(IdempotentRequest)
            .where(IdempotentRequest.id == inserted)
            .values(
                status=response.status_code,
                body=response.get_data(as_text=True),
                location=response.headers.get("Location"),
            )
        )
        db.session.commit()
        return response

    return wrapped


def _replay(token_id: int, key: str, request_hash: str) -> Response:
    stored = db.session.scalar(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.token_id == token_id, IdempotentRequest.key == key
        )
    )
    db.session.rollback()
    if stored is None or stored.status is None:
        raise ApiProblem(
            409, "A request with this Idempotency-Key is still running.", slug="idempotency-key"
        )
    if stored.request_hash != request_hash:
        raise ApiProblem(
            422,
            "This Idempotency-Key was used with another request body.",
            slug="idempotency-key-reused",
        )
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    if stored.location:
        response.headers["Location"] = stored.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def answer(model, status: int = 200, **headers: str):
    """A view's answer: the model as JSON (plain data, so a stored replay is the same bytes)."""
    return model.model_dump(mode="json"), status, headers
