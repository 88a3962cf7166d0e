"""Errors of the API as `application/problem+json` (RFC 9457).

Every refusal under /api/ — a missing token, a broken rule, an unknown id,
a body that fails validation, a route that doesn't exist — answers with the
same shape: `type`, `title`, `status`, `detail`, the request id, and for
validation failures `errors`, one entry per field.
"""

from __future__ import annotations

import json

from flask import Response, current_app

from portal.logs import current_request_id

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Server error",
    503: "Temporarily unavailable",
}


class ApiProblem(Exception):
    """A refusal of the API; `slug` names its kind in the problem's `type`."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}


def problem_type(slug: str) -> str:
    return f"{current_app.config['BASE_URL']}/static/api/reference.html#problem-{slug}"


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
    body: dict = {
        "type": problem_type(slug),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "request_id": current_request_id() or "",
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_problem(problem: ApiProblem) -> Response:
    return problem_response(
        problem.status,
        problem.detail,
        slug=problem.slug,
        errors=problem.errors,
        headers=problem.headers,
    )


def field_errors(validation_errors: list[dict]) -> list[dict]:
    """Pydantic's errors as `{"field": "points", "message": "..."}`, one per field."""
    result = []
    for error in validation_errors:
        location = [str(part) for part in error.get("loc", ()) if part != "__root__"]
        result.append(
            {"field": ".".join(location) or "body", "message": str(error.get("msg", "invalid"))}
        )
    return result
