"""Every operation of the document refuses a missing token and a token without its scope."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import BASE_URL

MAX_OPERATIONS = 30


def _operations(app) -> list[tuple[str, str, str]]:
    from portal.api.openapi import document

    with app.test_request_context(base_url=BASE_URL):
        paths = document()["paths"]
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path), operation["tags"][0])
        for path, methods in sorted(paths.items())
        for method, operation in methods.items()
    ]


def test_every_operation_is_listed(app):
    assert 20 <= len(_operations(app)) <= MAX_OPERATIONS  # raise it as the API grows


@pytest.mark.parametrize("index", range(MAX_OPERATIONS))
def test_each_operation_refuses_no_token_and_a_token_without_its_scope(
    app, api, make, make_token, index
):
    operations = _operations(app)
    if index >= len(operations):
        return  # room for operations to come
    method, path, tag = operations[index]
    if tag == "token":
        return  # /me needs a valid token only
    kwargs = {"json": {}} if method == "POST" else {}
    assert api.call(method, path, token=None, **kwargs).status_code == 401
    other = "badges:read" if tag != "badges" else "ledger:read"
    response = api.call(method, path, token=make_token(make.admin(), [other]), **kwargs)
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("#problem-scope")
