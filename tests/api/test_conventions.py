"""Cursor pagination, ETags, Idempotency-Key and per-token rate limits."""

import pytest
import sqlalchemy as sa

from portal.api.models import IdempotentRequest
from portal.extensions import db
from portal.recognition.models import PointsEntry


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_cursor_pages_follow_next_to_the_end(api, make, make_token):
    advocates = [make.advocate() for _ in range(5)]
    api.token = make_token(make.admin(), ["advocates:read"])
    seen, url = [], "/api/v1/advocates?limit=2"
    while url:
        body = api.get(url).get_json()
        seen += [item["id"] for item in body["items"]]
        assert len(body["items"]) <= 2
        url = body["next"]
        if url:
            assert url.startswith("http://portal.test/api/v1/advocates?") and "limit=2" in url
    assert seen == [a.id for a in advocates]


@pytest.mark.parametrize("cursor", ["nonsense", "eyJhZnRlciI6ICJ4In0", "e30"])
def test_a_forged_cursor_is_refused(api, make, make_token, cursor):
    api.token = make_token(make.admin(), ["advocates:read"])
    response = api.get(f"/api/v1/advocates?cursor={cursor}")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_page_sizes_are_bounded(api, make, make_token, limit):
    api.token = make_token(make.admin(), ["advocates:read"])
    assert api.get(f"/api/v1/advocates?limit={limit}").status_code == 422


def test_etag_and_if_none_match(api, make, make_token):
    ann = make.advocate()
    api.token = make_token(make.admin())
    first = api.get(f"/api/v1/advocates/{ann.id}")
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = api.get(f"/api/v1/advocates/{ann.id}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["ETag"] == tag
    make.points(ann, 5)
    changed = api.get(f"/api/v1/advocates/{ann.id}", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def _award(api, ann, key, points=25):
    return api.post(
        "/api/v1/ledger/awards",
        json={"advocate_id": ann.id, "points": points, "reason": "Case study"},
        headers={"Idempotency-Key": key},
    )


def test_a_replay_with_the_same_key_returns_the_first_answer(api, make, make_token, app):
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    first = _award(api, ann, "award-1")
    replay = _award(api, ann, "award-1")
    assert first.status_code == replay.status_code == 201
    assert replay.get_json() == first.get_json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert count(app, PointsEntry) == 1
    assert _award(api, ann, "award-2").status_code == 201
    assert count(app, PointsEntry) == 2


def test_the_same_key_with_another_body_is_refused(api, make, make_token, app):
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    assert _award(api, ann, "award-1").status_code == 201
    other = _award(api, ann, "award-1", points=26)
    assert other.status_code == 422
    assert other.get_json()["type"].endswith("#problem-idempotency-key-reused")
    assert count(app, PointsEntry) == 1


def test_keys_belong_to_one_token(api, make, make_token, app):
    ann, admin = make.advocate(), make.admin()
    first, second = make_token(admin, ["ledger:write"]), make_token(admin, ["ledger:write"])
    api.token = first
    assert _award(api, ann, "shared").status_code == 201
    api.token = second
    assert _award(api, ann, "shared").status_code == 201
    assert count(app, PointsEntry) == 2


def test_a_refused_request_keeps_no_key(api, make, make_token, app):
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    refused = _award(api, ann, "deduction", points=-10)  # below zero, not confirmed
    assert refused.status_code == 409
    assert count(app, IdempotentRequest) == 0
    response = api.post(
        "/api/v1/ledger/awards",
        json={
            "advocate_id": ann.id,
            "points": -10,
            "reason": "Case study",
            "confirm_below_zero": True,
        },
        headers={"Idempotency-Key": "deduction"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there"])
def test_malformed_keys_are_refused(api, make, make_token, app, key):
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    assert _award(api, ann, key).status_code == 400
    assert count(app, PointsEntry) == 0


def test_rate_limit_headers_and_429(api, make, make_token):
    api.token = make_token(make.admin(), rate_limit=3)
    for remaining in (2, 1, 0):
        response = api.get("/api/v1/me")
        assert response.status_code == 200
        assert response.headers["RateLimit-Policy"] == '"token";q=3;w=60'
        assert response.headers["RateLimit"].startswith(f'"token";r={remaining};t=')
    refused = api.get("/api/v1/me")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit"].startswith('"token";r=0;')
    assert refused.get_json()["type"].endswith("#problem-rate-limited")


def test_each_token_has_its_own_limit(api, make, make_token):
    admin = make.admin()
    busy, quiet = make_token(admin, rate_limit=1), make_token(admin, rate_limit=1)
    assert api.get("/api/v1/me", token=busy).status_code == 200
    assert api.get("/api/v1/me", token=busy).status_code == 429
    assert api.get("/api/v1/me", token=quiet).status_code == 200


def test_a_body_that_is_not_json_is_refused_before_anything_happens(api, make, make_token, app):
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    response = api.post(
        "/api/v1/ledger/awards", data={"advocate_id": ann.id, "points": 5, "reason": "x"}
    )
    assert response.status_code == 415
    assert count(app, PointsEntry) == 0


def test_stored_answers_are_forgotten_after_a_day(api, make, make_token, app, time_machine):
    from datetime import timedelta

    from portal.db import utcnow
    from portal.jobs import runner

    time_machine.move_to(utcnow(), tick=False)
    ann = make.advocate()
    api.token = make_token(make.admin(), ["ledger:write"])
    assert _award(api, ann, "old").status_code == 201
    with app.app_context():
        assert runner.run_due(utcnow())["old idempotency keys"] == 0
        assert runner.run_due(utcnow() + timedelta(hours=25))["old idempotency keys"] == 1
    assert count(app, IdempotentRequest) == 0
