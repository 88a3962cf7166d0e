"""The API's request cycle: token, scope, rate limit, validation, problems, ETags.

`operation` declares one endpoint once: the scope it needs and its request
and response models. Spectree (pydantic) validates the request and the
response from those models and builds the OpenAPI 3.1 document from the
same declarations, so the document can't drift from what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from flask import Response, current_app, g, request
from spectree import Response as Responses
from spectree import SpecTree
from werkzeug.exceptions import HTTPException

from portal.api import bp
from portal.api.conventions import (
    add_etag,
    add_rate_limit_headers,
    check_rate_limit,
    idempotent,
    purge_idempotent_requests,
)
from portal.api.problems import ApiProblem, field_errors, from_problem, problem_response
from portal.api.schemas import Problem
from portal.api.tokens import authenticate, has_scope
from portal.errors import PortalError
from portal.extensions import csrf, db, login_manager
from portal.jobs.runner import JOBS

# Refusals every endpoint can answer with (problem+json, added to the document).
COMMON_REFUSALS = ("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_429")


def _before_validation(req, resp, error, instance, model_adapter) -> None:
    if error is not None:
        raise ApiProblem(
            422,
            "The request has invalid fields.",
            slug="invalid",
            errors=field_errors(model_adapter.validation_errors(error)),
        )


def _after_validation(req, resp, error, instance, model_adapter) -> None:
    if error is not None:  # our own answer broke its declaration: a bug, never sent
        current_app.logger.error(
            "API response does not match its schema: %s", model_adapter.validation_errors(error)
        )
        raise ApiProblem(500, "The answer failed its own schema; this was logged.")


spec = SpecTree(
    "flask",
    title="Advocate Portal API",
    version="1",
    path="api-document",  # spectree's own pages are not registered (see api.openapi)
    mode="strict",
    page_templates={},
    before=_before_validation,
    after=_after_validation,
    validation_error_model=Problem,
    annotations=True,
    # Schema names as written (the default adds a hash of the module).
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def operation(
    scope: str | None,
    *,
    resp: Responses,
    tags: Sequence[str],
    query=None,
    json=None,
    refusals: Sequence[str] = (),
) -> Callable:
    """Declare an endpoint: its scope (None: any valid token), models and refusals.

    POST endpoints run through `idempotent`: one transaction, committed with
    the answer, replayed for a repeated Idempotency-Key.
    """

    def decorate(view: Callable) -> Callable:
        if json is not None:
            refusals_ = (*refusals, "HTTP_415")
            view = _json_body(view)
        else:
            refusals_ = refusals
        for code in (*COMMON_REFUSALS, *refusals_):
            resp.add_model(int(code[5:]), Problem, replace=False)
        validated = spec.validate(
            query=query,
            json=json,
            resp=resp,
            tags=tags,
            security=[{"bearer": []}],
            operation_id=view.__name__,
        )(idempotent(view))
        validated.api_scope = scope
        return validated

    return decorate


def _json_body(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        # Spectree validates a body only when it is JSON: anything else is refused here.
        if not request.is_json:
            raise ApiProblem(415, "Send the body as JSON (Content-Type: application/json).")
        return view(*args, **kwargs)

    return wrapped


PUBLIC_ENDPOINTS = {"api.openapi_document"}


@bp.before_request
def authenticate_token() -> None:
    # Token only: a browser's session cookie never signs an API call in.
    g._login_user = login_manager.anonymous_user()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = authenticate(request.headers.get("Authorization"), request.remote_addr)
    g.api_token, g.api_user = token, token.user
    view = current_app.view_functions.get(request.endpoint)
    scope = getattr(view, "api_scope", None)
    if scope is not None and not has_scope(token, scope):
        raise ApiProblem(403, f"This token lacks the scope {scope}.", slug="scope")
    check_rate_limit(token)


@bp.after_request
def finish(response: Response) -> Response:
    response = add_rate_limit_headers(add_etag(response))
    if response.status_code < 400 and request.endpoint not in PUBLIC_ENDPOINTS:
        # Answers differ per token: never from a shared cache; revalidate with the ETag.
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["Vary"] = "Authorization"
    return response


@bp.errorhandler(ApiProblem)
def api_problem(problem: ApiProblem):
    db.session.rollback()
    return add_rate_limit_headers(from_problem(problem))


@bp.errorhandler(PortalError)
def portal_error(error: PortalError):
    db.session.rollback()
    status = error.status_code if error.status_code != 400 else 422
    slug = type(error).__name__
    slug = "".join(f"-{c.lower()}" if c.isupper() else c for c in slug).lstrip("-")
    return add_rate_limit_headers(problem_response(status, error.message, slug=slug))


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    db.session.rollback()
    detail = error.description or ""
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return add_rate_limit_headers(problem_response(error.code, detail, headers=headers))


csrf.exempt(bp)
# Stored answers of idempotency keys are forgotten after a day, with the other timed jobs.
JOBS["old idempotency keys"] = purge_idempotent_requests
