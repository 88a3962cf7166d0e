"""Registering endpoints (refusing private addresses) and the admins' webhook pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import queue
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.helpers import text
from tests.webhooks.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()


@pytest.fixture
def public_only(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_HOSTS", False)


def _register(client, url, events=("points.awarded",)):
    return client.post(
        "/admin/webhooks/", data={"url": url, "description": "", "event_types": list(events)}
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_reserved_addresses_are_refused(app, make, login, public_only, url):
    client = login(make.admin())
    response = _register(client, url)
    assert response.status_code == 422
    assert "private or reserved network" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.com/x", "must start with https:// or http://"),
        ("https://user:pw@example.com/", "no user name or password"),
        ("https://no-such-host.invalid/", "can't be found"),
        ("https://example.com:99999/", "not a valid URL"),
    ],
)
def test_malformed_addresses_are_refused(make, login, url, message):
    response = _register(login(make.admin()), url)
    assert response.status_code == 422 and message in text(response)


def test_production_wants_https(app, make, login, monkeypatch, receiver):
    monkeypatch.setitem(app.config, "WEBHOOKS_REQUIRE_HTTPS", True)
    response = _register(login(make.admin()), receiver.url)
    assert response.status_code == 422 and "must start with https://" in text(response)


def test_the_address_is_checked_again_before_each_delivery(app, make, login, receiver, monkeypatch):
    client = login(make.admin())
    assert _register(client, receiver.url).status_code == 302
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_HOSTS", False)
    ann = make.advocate()
    with app.app_context():
        ledger.award(ann.id, 5, reason="x", key="k", source=PointsSource.MANUAL)
        db.session.commit()
        queue.run_due()
        delivery = db.session.scalar(sa.select(WebhookDelivery))
        assert delivery.status == DeliveryStatus.PENDING
        assert "private or reserved network" in delivery.last_error
    assert receiver.received == []


def test_the_admin_pages(app, make, login, receiver):
    client = login(make.admin())
    assert client.get("/admin/webhooks/").status_code == 200
    response = _register(client, receiver.url, events=("points.awarded", "badge.awarded"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "whsec_" in page.get_data(as_text=True) and "No deliveries yet" in text(page)
    with app.app_context():
        endpoint = db.session.scalar(sa.select(WebhookEndpoint))
        endpoint_id, secret = endpoint.id, endpoint.secret
    ann = make.advocate()
    with app.app_context():
        ledger.award(ann.id, 5, reason="x", key="k", source=PointsSource.MANUAL)
        db.session.commit()
        queue.run_due()
        delivery_id = db.session.scalar(sa.select(WebhookDelivery.id))
    page = client.get(f"/admin/webhooks/{endpoint_id}")
    assert "points.awarded" in text(page) and "Delivered" in text(page) and " ms" in text(page)
    assert client.post(f"/admin/webhooks/deliveries/{delivery_id}/again").status_code == 302
    with app.app_context():
        queue.run_due()
    assert len(receiver.received) == 2
    assert client.post(f"/admin/webhooks/{endpoint_id}/rotate").status_code == 302
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).previous_secret == secret
    assert client.post(f"/admin/webhooks/{endpoint_id}/resume").status_code == 302  # not paused
    assert client.get("/admin/webhooks/424242").status_code == 404


def test_webhook_pages_are_for_admins(make, login):
    client = login(make.manager())
    assert client.get("/admin/webhooks/").status_code == 403


def test_an_endpoint_is_changed_and_checked_again(app, make, login, receiver, public_only):
    client = login(make.admin())
    with app.app_context():
        from portal.auth.models import User
        from portal.webhooks import endpoints

        app.config["WEBHOOKS_ALLOW_PRIVATE_HOSTS"] = True
        endpoint = endpoints.register(
            endpoints.EndpointDetails(receiver.url, "", ["points.awarded"]),
            by=db.session.scalar(sa.select(User)),
        )
        db.session.commit()
        endpoint_id = endpoint.id
        app.config["WEBHOOKS_ALLOW_PRIVATE_HOSTS"] = False
    refused = client.post(
        f"/admin/webhooks/{endpoint_id}",
        data={"url": "http://10.0.0.1/", "event_types": ["badge.awarded"]},
    )
    assert refused.status_code == 422 and "private or reserved" in text(refused)
    app.config["WEBHOOKS_ALLOW_PRIVATE_HOSTS"] = True
    saved = client.post(
        f"/admin/webhooks/{endpoint_id}",
        data={
            "url": receiver.url + "/v2",
            "description": "CRM v2",
            "event_types": ["badge.awarded"],
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.url.endswith("/v2") and endpoint.event_types == ["badge.awarded"]
