"""Making and revoking tokens on the pages: admins for staff, advocates for themselves."""

import re

import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.extensions import db
from tests.helpers import text


def _secret(response) -> str:
    return re.search(r'value="(apt_[A-Za-z0-9_-]+)"', response.get_data(as_text=True)).group(1)


def test_an_admin_makes_a_token_sees_it_once_and_revokes_it(app, make, login, api):
    client = login(make.admin())
    page = client.get("/admin/api-tokens")
    assert page.status_code == 200 and "ledger:write" in text(page)
    assert "accounts:write" not in text(page)  # no endpoint writes accounts
    response = client.post(
        "/admin/api-tokens",
        data={
            "name": "CRM sync",
            "scopes": ["advocates:read", "ledger:write"],
            "expires_in": "30",
            "networks": "127.0.0.1\n10.0.0.0/8",
            "rate_limit": "60",
        },
    )
    assert response.status_code == 200
    secret = _secret(response)
    assert "not shown again" in text(response)
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.scopes == ["advocates:read", "ledger:write"]
        assert token.allowed_networks == ["127.0.0.1/32", "10.0.0.0/8"]
        assert token.expires_at is not None and token.rate_limit == 60
        token_id = token.id
    assert api.get("/api/v1/me", token=secret).status_code == 200
    listing = client.get("/admin/api-tokens")
    assert secret not in listing.get_data(as_text=True) and "CRM sync" in text(listing)
    assert client.post(f"/api-tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/me", token=secret).status_code == 401


def test_a_bad_allowlist_is_refused_and_nothing_made(app, make, login):
    client = login(make.admin())
    response = client.post(
        "/admin/api-tokens",
        data={
            "name": "x",
            "scopes": ["advocates:read"],
            "expires_in": "30",
            "networks": "not-an-address",
            "rate_limit": "60",
        },
    )
    assert response.status_code == 422
    assert "is not an address or network" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_an_advocate_makes_read_only_tokens_for_their_own_data(app, make, login, api):
    ann = make.advocate()
    client = login(ann)
    assert "API tokens" in text(client.get("/auth/security"))
    page = client.get("/account/api-tokens")
    assert "ledger:read" in text(page) and "ledger:write" not in text(page)
    refused = client.post(
        "/account/api-tokens",
        data={"name": "Mine", "scopes": ["ledger:write"], "expires_in": "30"},
    )
    assert refused.status_code == 422
    response = client.post(
        "/account/api-tokens",
        data={"name": "Mine", "scopes": ["ledger:read", "advocates:read"], "expires_in": "30"},
    )
    secret = _secret(response)
    body = api.get("/api/v1/advocates", token=secret).get_json()
    assert [item["id"] for item in body["items"]] == [ann.id]


def test_a_requester_makes_a_token_for_their_own_reference_requests(app, make, login, api):
    alice = make.requester()
    client = login(alice)
    assert "API tokens" in text(client.get("/auth/security"))
    page = client.get("/account/api-tokens")
    assert "references:read" in text(page) and "advocates:read" not in text(page)
    response = client.post(
        "/account/api-tokens",
        data={"name": "CRM sync", "scopes": ["references:read"], "expires_in": "30"},
    )
    secret = _secret(response)
    assert api.get("/api/v1/reference-requests", token=secret).get_json()["items"] == []
    assert api.get("/api/v1/advocates", token=secret).status_code == 403


def test_tokens_pages_are_for_their_roles(make, login):
    client = login(make.manager())
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.get("/account/api-tokens").status_code == 403


def test_nobody_revokes_anothers_token(app, make, login, make_token):
    ann, ben = make.advocate(), make.advocate()
    make_token(ben)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    client = login(ann)
    assert client.post(f"/api-tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
