"""The OpenAPI 3.1 document, built from the endpoints' own declarations (api.core)."""

from __future__ import annotations

import copy

from flask import current_app, jsonify

from portal.api import bp
from portal.api.conventions import RATE_LIMIT_DRAFT
from portal.api.problems import PROBLEM_TYPE
from portal.api.schemas import MAX_ID
from portal.api.tokens import all_scopes

DESCRIPTION = f"""\
The Advocate Portal's REST API. Every call sends a token:
`Authorization: Bearer apt_…` (admins make them under Admin → API tokens;
advocates make read-only tokens for their own data on their account page).

- Lists are paged with a cursor: follow `next` until it is null.
  `updated_since` (or `created_since` for the append-only ledger) syncs
  what changed.
- GET answers carry an `ETag`; send it back in `If-None-Match` to get 304.
- POST accepts an `Idempotency-Key` header: a replay with the same key and
  body returns the first answer (with `Idempotent-Replayed: true`); the same
  key with another body answers 422.
- Errors are `application/problem+json` (RFC 9457), with `errors` listing
  the fields of an invalid request.
- Each token has a rate limit per minute, announced with the `RateLimit-Policy`
  and `RateLimit` fields of {RATE_LIMIT_DRAFT}; when it is spent the
  answer is 429 with `Retry-After`.
- Cross-origin requests (CORS) are not enabled.

Scopes: {", ".join(all_scopes())}. A write scope includes reading the same resource.
"""


HEADERS = {
    "ETag": {"description": "A strong tag of the body: send it in If-None-Match"},
    "RateLimit-Policy": {"description": f"The token's quota ({RATE_LIMIT_DRAFT})"},
    "RateLimit": {"description": f"What is left of it and when it resets ({RATE_LIMIT_DRAFT})"},
    "Retry-After": {"description": "Seconds to wait before trying again"},
    "Location": {"description": "The address of what was created"},
    "Idempotent-Replayed": {"description": "true when this is the stored first answer"},
}
REQUEST_HEADERS = {
    "get": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The ETag you have: 304 when it is still current",
        "schema": {"type": "string"},
    },
    "post": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "1 to 255 printable characters; a replay returns the first answer",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    },
}


def _headers(status: str, method: str) -> dict:
    names = ["RateLimit-Policy", "RateLimit"]
    if status in ("200", "304") and method == "get":
        names.append("ETag")
    if status == "201":
        names.append("Location")
    if status.startswith("2") and method == "post":
        names.append("Idempotent-Replayed")
    if status == "429":
        names.append("Retry-After")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _finish(document: dict) -> dict:
    document = copy.deepcopy(document)
    document["info"]["description"] = DESCRIPTION
    components = document.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API token (apt_…)"}
    }
    components["headers"] = {
        name: {**header, "schema": {"type": "string"}} for name, header in HEADERS.items()
    }
    document["servers"] = [{"url": current_app.config["BASE_URL"] or "/"}]
    for methods in document["paths"].values():
        for method, operation in methods.items():
            operation.setdefault("parameters", []).append(REQUEST_HEADERS[method])
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and not parameter.get("schema"):
                    # Ids in paths (the `id` converter): whole numbers within INTEGER.
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                    parameter.pop("description", None)
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content:
                    response["content"] = {PROBLEM_TYPE: content["application/json"]}
                if status == "304":
                    response.pop("content", None)
                if status != "401":
                    response["headers"] = _headers(status, method)
    return document


def document() -> dict:
    """The document for this app, built once (the endpoints don't change while it runs)."""
    cached = current_app.extensions.get("api_openapi")
    if cached is None:
        from portal.api.core import spec

        cached = _finish(spec._generate_spec())
        current_app.extensions["api_openapi"] = cached
    return cached


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document (no token needed)."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
