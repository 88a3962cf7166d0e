"""API lists and the token and webhook pages run the same number of queries with more data."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue
from portal.opportunities.models import ParticipationStatus
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.webhooks import endpoints
from tests.factories import QueryCounter

API_LISTS = [
    "/api/v1/advocates",
    "/api/v1/accounts",
    "/api/v1/opportunities",
    "/api/v1/participations",
    "/api/v1/ledger/entries",
    "/api/v1/badges",
    "/api/v1/badge-awards",
    "/api/v1/reference-requests",
    "/api/v1/referrals",
]


def _add(app, make, count: int, number: int) -> None:
    for _ in range(count):
        advocate = make.advocate()
        opportunity = make.opportunity()
        make.participation(opportunity, advocate, ParticipationStatus.APPROVED)
        with app.app_context():
            number += 1
            ledger.award(advocate.id, 5, reason="x", key=f"q{number}", source=PointsSource.MANUAL)
            db.session.commit()
            _reference_and_referral(make, advocate, number)


def _reference_and_referral(make, advocate, number: int) -> None:
    """A request accepted by `advocate` (its contact shown) and a referral of theirs."""
    from portal.auth.models import User
    from portal.references import asks
    from portal.referrals import services as referrals
    from tests.references.helpers import new_request, open_to_references

    open_to_references(advocate)
    request = new_request(make.requester())
    manager = db.session.get(User, make.manager().id)
    [ask] = asks.ask_candidates(request, [advocate.id], by=manager)
    asks.answer(ask, db.session.get(User, advocate.id), accept=True)
    peer = referrals.PeerDetails(
        name=f"Peer {number}",
        email=f"peer{number}@company{number}.example",
        company=f"Company {number}",
        role="CIO",
        why="Reports by hand.",
        peer_agreed=True,
    )
    referrals.refer(db.session.get(User, advocate.id), peer)
    db.session.commit()


def _count(app, client, path, headers=None) -> int:
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(path, headers=headers or {})
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    return counter.total


def test_counts_do_not_grow(app, make, make_token, login):
    from portal.auth.models import User

    admin = make.admin()
    secret = make_token(admin)
    headers = {"Authorization": f"Bearer {secret}"}
    with app.app_context():
        endpoint = endpoints.register(
            endpoints.EndpointDetails(
                url="http://127.0.0.1:9/", description="", event_types=["points.awarded"]
            ),
            by=db.session.get(User, admin.id),
        )
        db.session.commit()
        endpoint_id = endpoint.id
    _add(app, make, 3, 0)
    with app.app_context():
        queue.run_due(limit=50)
    api_client = app.test_client()
    _count(app, api_client, "/api/v1/me", headers)  # records the token's last use (once a minute)
    small = {path: _count(app, api_client, path, headers) for path in API_LISTS}
    admin_client = login(admin)
    pages = ["/admin/api-tokens", "/admin/webhooks/", f"/admin/webhooks/{endpoint_id}"]
    _count(app, admin_client, pages[0])  # the first page fills the process's caches
    small_pages = {path: _count(app, admin_client, path) for path in pages}

    _add(app, make, 30, 100)
    for _ in range(5):
        make_token(admin)
    with app.app_context():
        queue.run_due(limit=50)
    assert {path: _count(app, api_client, path, headers) for path in API_LISTS} == small
    assert {path: _count(app, admin_client, path) for path in pages} == small_pages
    for path, total in small.items():
        assert total <= 12, (path, total)
