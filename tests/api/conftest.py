"""An API client that validates every answer against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask import Flask
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.test import EnvironBuilder

from portal.api import tokens
from portal.api.openapi import document
from portal.auth.models import User
from portal.extensions import db

BASE_URL = "http://portal.test"


@pytest.fixture(scope="session")
def openapi_document(app: Flask) -> dict:
    with app.test_request_context(base_url=BASE_URL):
        return document()


@pytest.fixture(scope="session")
def openapi(openapi_document: dict) -> OpenAPI:
    from openapi_core import Config

    return OpenAPI.from_dict(
        openapi_document,
        config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}),
    )


class ApiClient:
    """The test client for /api/v1: a token per call, every answer checked against the document."""

    def __init__(self, client, openapi: OpenAPI) -> None:
        self.client, self.openapi = client, openapi
        self.token: str | None = None

    def call(self, method: str, path: str, *, token: str | None = "default", **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        token = self.token if token == "default" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(
            path, method=method, headers=headers, base_url=BASE_URL, **kwargs
        )
        # The request as sent, read again (the app consumed the original's body).
        request = EnvironBuilder(
            path, method=method, headers=headers, base_url=BASE_URL, **kwargs
        ).get_request()
        self.check(request, response)
        return response

    def check(self, request, response) -> None:
        """The answer matches the document (paths the API doesn't have are not in it)."""
        if response.status_code == 304:
            assert not response.get_data()
        try:
            self.openapi.validate_response(
                WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)
            )
        except OperationNotFound:  # a method the API doesn't have on a path it has
            assert response.status_code == 405
        except PathNotFound:
            if request.path.startswith("/api/v1/") and response.status_code != 404:
                raise
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", response.get_data(as_text=True)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)


@pytest.fixture
def api(client, openapi) -> ApiClient:
    return ApiClient(client, openapi)


@pytest.fixture
def make_token(app: Flask):
    """`make_token(user, scopes, **options)` -> the secret."""

    def _make(
        user: User,
        scopes: list[str] | None = None,
        *,
        expires_at: datetime | None = None,
        networks: list[str] = (),
        rate_limit: int = 120,
    ) -> str:
        with app.app_context():
            person = db.session.get(User, user.id)
            wanted = tokens.TokenRequest(
                name="Test token",
                scopes=tokens.scopes_for(person) if scopes is None else scopes,
                expires_at=expires_at,
                allowed_networks=list(networks),
                rate_limit=rate_limit,
            )
            _token, secret = tokens.create_token(person, wanted)
            db.session.commit()
            return secret

    return _make
