"""A create form sent twice creates once (portal/once.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import once
from portal.advocates.notes import StaffNote
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities import posting
from portal.opportunities.models import ApprovalMode, Opportunity, OpportunityType
from portal.stories.models import Story
from portal.webhooks.models import WebhookEndpoint
from tests.helpers import page, text
from tests.manage.test_routes import VALID
from tests.races import Meanwhile


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _token(response) -> str:
    return re.search(r'name="once"[^>]*value="([^"]+)"', page(response)).group(1)


def test_each_showing_of_a_create_form_has_its_own_token(make, login):
    client = login(make.manager())
    first = _token(client.get("/manage/opportunities/new"))
    assert first != _token(client.get("/manage/opportunities/new"))


def test_a_new_opportunity_sent_twice_is_created_once(app, make, login):
    client = login(make.manager())
    token = _token(client.get("/manage/opportunities/new"))
    first = client.post("/manage/opportunities/new", data={**VALID, "once": token})
    second = client.post("/manage/opportunities/new", data={**VALID, "once": token})
    assert first.status_code == second.status_code == 302
    assert second.location == first.location  # what the first one created
    assert "This form was sent twice; it was saved once, here." in text(client.get(second.location))
    assert _count(app, Opportunity) == 1
    # A new showing of the form is a new opportunity.
    token = _token(client.get("/manage/opportunities/new"))
    client.post("/manage/opportunities/new", data={**VALID, "once": token})
    assert _count(app, Opportunity) == 2


def test_a_story_sent_twice_is_created_once(app, make, login):
    client = login(make.advocate())
    token = _token(client.get("/stories/new"))
    data = {"title": "How we shipped", "body": "With **dashboards**.", "once": token}
    first = client.post("/stories/new", data=data)
    second = client.post("/stories/new", data=data)
    assert second.location == first.location
    assert _count(app, Story) == 1


def test_a_staff_note_sent_twice_is_added_once(app, make, login):
    advocate = make.advocate()
    client = login(make.manager())
    detail = f"/manage/advocates/{advocate.id}"
    token = _token(client.get(detail))
    data = {"body": "Prefers mornings", "once": token}
    first = client.post(f"{detail}/notes", data=data)
    second = client.post(f"{detail}/notes", data=data)
    assert first.status_code == second.status_code == 302
    assert second.location == first.location
    assert "This form was sent twice; it was saved once, here." in text(client.get(second.location))
    assert _count(app, StaffNote) == 1


def test_a_webhook_endpoint_sent_twice_is_added_once(app, make, login):
    client = login(make.admin())
    token = _token(client.get("/admin/webhooks/"))
    data = {
        "url": "http://127.0.0.1:9/hooks",
        "description": "",
        "event_types": ["points.awarded"],
        "once": token,
    }
    first = client.post("/admin/webhooks/", data=data)
    second = client.post("/admin/webhooks/", data=data)
    assert first.status_code == second.status_code == 302
    assert second.location == first.location  # the endpoint the first one added
    assert "This form was sent twice; it was saved once, here." in text(client.get(second.location))
    assert _count(app, WebhookEndpoint) == 1


def test_another_persons_token_is_refused(app, make, login):
    client = login(make.advocate())
    data = {"title": "How we shipped", "body": "Well.", "once": "shared-token"}
    client.post("/stories/new", data=data)
    client.post("/auth/sign-out")
    other = login(make.advocate())
    response = other.post("/stories/new", data=data)
    assert response.status_code == 422
    assert "Reload the page" in text(response)
    assert _count(app, Story) == 1


def test_a_form_sent_twice_is_told_in_the_readers_language(app, make, login):
    client = login(make.advocate())
    german = {"Accept-Language": "de"}
    token = _token(client.get("/stories/new", headers=german))
    data = {"title": "Wie wir ausgeliefert haben", "body": "Gut.", "once": token}
    client.post("/stories/new", data=data, headers=german)
    second = client.post("/stories/new", data=data, headers=german)
    shown = text(client.get(second.location, headers=german))
    assert "Dieses Formular wurde zweimal gesendet; es wurde einmal gespeichert, hier." in shown
    client.post("/auth/sign-out")
    other = login(make.advocate())
    refused = other.post("/stories/new", data=data, headers=german)
    assert refused.status_code == 422
    assert "Laden Sie die Seite neu" in text(refused)


def test_tokens_are_forgotten_after_a_week(app, make, login):
    client = login(make.advocate())
    client.post("/stories/new", data={"title": "A", "body": "B", "once": "old-token"})
    with app.app_context():
        with time_machine.travel(utcnow() + timedelta(days=6)):
            assert once.purge(utcnow()) == 0
        with time_machine.travel(utcnow() + timedelta(days=8)):
            assert once.purge(utcnow()) == 1


@pytest.mark.postgresql
def test_a_form_sent_twice_at_the_same_moment_is_created_once(app, make, login):
    manager = make.manager()
    client = login(manager)
    token = _token(client.get("/manage/opportunities/new"))
    with app.app_context():
        # The first POST has recorded its token and created, not committed yet...
        created = once.create_once(
            token,
            manager.id,
            lambda: posting.create_opportunity(_data(), by=db.session.get(User, manager.id)),
            lambda opportunity: f"/manage/opportunities/{opportunity.id}",
        )
        # ...when the second arrives with the same token.
        click = Meanwhile(
            app, lambda: client.post("/manage/opportunities/new", data={**VALID, "once": token})
        )
        click.wait_until_blocked()
        db.session.commit()
    response = click.finish()
    assert response.status_code == 302 and response.location == created.url
    assert _count(app, Opportunity) == 1


def _data() -> posting.OpportunityData:
    start = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)
    return posting.OpportunityData(
        type=OpportunityType.WEBINAR,
        title="Webinar",
        summary="",
        description="",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Paris",
        is_online=True,
        location="",
        seats=4,
        application_deadline=start - timedelta(days=7),
        points=120,
        approval_mode=ApprovalMode.REVIEW,
    )
