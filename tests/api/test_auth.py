"""Tokens: who may call, with what, from where; and refusals as problem details."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.api.models import ApiToken
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db


def test_no_token_is_refused(api):
    response = api.get("/api/v1/me", token=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json()
    assert problem["status"] == 401 and problem["type"].endswith("#problem-token-missing")
    assert problem["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ", "apt_nothing"])
def test_a_malformed_header_is_refused(api, header):
    response = api.get("/api/v1/me", token=None, headers={"Authorization": header})
    assert response.status_code == 401


def test_an_unknown_token_is_refused(api):
    assert api.get("/api/v1/me", token="apt_" + "x" * 43).status_code == 401


def test_a_valid_token_says_who_it_acts_for(api, make, make_token, app):
    admin = make.admin(name="Ada Admin")
    secret = make_token(admin)
    response = api.get("/api/v1/me", token=secret)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"id": admin.id, "name": "Ada Admin", "role": "admin"}
    assert secret.startswith(body["prefix"])
    with app.app_context():
        token = db.session.scalar(sa.select(ApiToken))
        assert token.last_used_at is not None
        assert secret not in (token.secret_hash, token.prefix)  # only a hash is kept


def test_an_expired_token_is_refused(api, make, make_token, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    admin = make.admin()
    secret = make_token(admin, expires_at=utcnow() + timedelta(days=1))
    assert api.get("/api/v1/me", token=secret).status_code == 200
    time_machine.shift(timedelta(days=1, seconds=1))
    response = api.get("/api/v1/me", token=secret)
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("#problem-token-expired")


def test_a_revoked_token_stops_on_the_next_call(api, make, make_token, app):
    admin = make.admin()
    secret = make_token(admin)
    assert api.get("/api/v1/me", token=secret).status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(ApiToken)).revoked_at = utcnow()
        db.session.commit()
    response = api.get("/api/v1/me", token=secret)
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("#problem-token-revoked")


def test_a_deactivated_makers_tokens_stop(api, make, make_token, app):
    admin = make.admin()
    secret = make_token(admin)
    with app.app_context():
        db.session.get(User, admin.id).active = False
        db.session.commit()
    assert api.get("/api/v1/me", token=secret).status_code == 401


def test_a_token_acts_with_its_makers_role_as_it_is_now(api, make, make_token, app):
    admin = make.admin()
    secret = make_token(admin, ["accounts:read"])
    assert api.get("/api/v1/accounts", token=secret).status_code == 200
    with app.app_context():
        from portal.auth.models import Role

        db.session.get(User, admin.id).role = Role.REQUESTER
        db.session.commit()
    assert api.get("/api/v1/accounts", token=secret).status_code == 403


def test_the_address_allowlist(api, make, make_token):
    admin = make.admin()
    inside = make_token(admin, networks=["127.0.0.0/8"])
    outside = make_token(admin, networks=["10.1.0.0/16", "2001:db8::/32"])
    assert api.get("/api/v1/me", token=inside).status_code == 200
    response = api.get("/api/v1/me", token=outside)
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("#problem-address")


def test_a_missing_scope_is_refused(api, make, make_token):
    admin = make.admin()
    secret = make_token(admin, ["badges:read"])
    response = api.get("/api/v1/advocates", token=secret)
    assert response.status_code == 403
    assert "advocates:read" in response.get_json()["detail"]
    assert api.get("/api/v1/badges", token=secret).status_code == 200


def test_a_write_scope_includes_reading(api, make, make_token):
    admin = make.admin()
    secret = make_token(admin, ["ledger:write"])
    assert api.get("/api/v1/ledger/entries", token=secret).status_code == 200


def test_a_session_cookie_never_signs_an_api_call_in(api, client, make, login):
    admin = make.admin()
    login(admin)
    assert api.get("/api/v1/me", token=None).status_code == 401


def test_api_posts_need_no_csrf_token_and_set_no_cookie(api, app, make, make_token, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    admin = make.admin()
    advocate = make.advocate()
    secret = make_token(admin)
    response = api.post(
        "/api/v1/ledger/awards",
        token=secret,
        json={"advocate_id": advocate.id, "points": 10, "reason": "Webinar host"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_cors_is_off(api, make, make_token):
    secret = make_token(make.admin())
    response = api.get("/api/v1/me", token=secret, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_unknown_api_paths_answer_problem_details(api):
    response = api.get("/api/v1/no-such-thing", token=None)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_nul_byte_is_refused_as_a_problem(api, make, make_token):
    secret = make_token(make.admin())
    response = api.get("/api/v1/advocates?cursor=%00", token=secret)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
