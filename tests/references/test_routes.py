"""The request, the ask and the answer through HTTP: roles, bad input, signed links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import AdvocateProfile, Ask, DiscussionTopic
from portal.db import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.recognition.models import PointsEntry
from portal.references.models import (
    AskStatus,
    ReferenceAsk,
    ReferenceRequest,
    RequestState,
)
from portal.stories.models import Story
from tests.helpers import page, text
from tests.references.helpers import open_to_references


def _form(**overrides) -> dict:
    data = {
        "prospect": "0",
        "prospect_name": "Globex",
        "industry": "technology",
        "region": "europe",
        "size_band": "large",
        "kind": "reference_call",
        "deal_size": "250000",
        "urgency": "high",
        "needed_by": (utcnow() + timedelta(days=10)).date().isoformat(),
        "note": "Migration from the old stack.",
    }
    data.update(overrides)
    return data


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def people(app, make):
    requester = make.requester()
    advocate = make.advocate(name="Ada Lovelace", email="ada@example.com")
    with app.app_context():
        open_to_references(advocate)
    return requester, advocate


def _create(client, **overrides) -> int:
    response = client.post("/references/new", data=_form(**overrides))
    assert response.status_code == 302, text(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_requester_gets_an_explained_shortlist_without_contact_details(app, login, people):
    requester, advocate = people
    client = login(requester)
    request_id = _create(client)
    body = text(client.get(f"/references/{request_id}"))
    assert "Ada Lovelace" in body
    assert "Score" in body and "same industry (Technology & software) (+25)" in body
    assert "ada@example.com" not in body
    assert "1 advocate considered; 0 left out" in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("needed_by", "", "Enter a date."),
        ("needed_by", "2020-01-01", "The date it is needed by is in the past."),
        ("prospect_name", "", "Choose the prospect from the list or type its name."),
        ("prospect_name", "x" * 161, "Field cannot be longer than 160 characters."),
        ("deal_size", "lots", "Not a valid integer value."),
        ("deal_size", "-5", "Number must be between 0 and 1000000000000."),
        ("industry", "moon", "Not a valid choice."),
        ("kind", "", "This field is required."),
        ("competitors", "999999", "is not a valid choice"),
        ("products", "999999", "is not a valid choice"),
        ("note", "y" * 1001, "Field cannot be longer than 1000 characters."),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    app, login, people, field, value, message
):
    client = login(people[0])
    response = client.post("/references/new", data=_form(**{field: value}))
    assert response.status_code == 422
    assert message in page(response)
    with app.app_context():
        assert _count(ReferenceRequest) == 0


def test_another_requesters_request_is_not_found(app, login, make, people):
    client = login(people[0])
    request_id = _create(client)
    client.post("/auth/sign-out")
    other = make.requester()
    client = login(other)
    assert client.get(f"/references/{request_id}").status_code == 404
    assert client.post(f"/references/{request_id}/ask", data={"advocates": "1"}).status_code == 404
    assert client.post(f"/references/{request_id}/close", data={"cancel": "y"}).status_code == 404
    assert "Globex" not in text(client.get("/references/"))
    assert client.get("/references/99999999").status_code == 404


def test_advocates_cannot_open_requests(app, login, people):
    client = login(people[1])
    assert client.get("/references/").status_code == 403
    assert client.get("/references/new").status_code == 403


def _answer_links(app, advocate_email) -> dict[str, str]:
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.to_address == advocate_email, OutboxMessage.kind == "reference_ask"
            )
            .order_by(OutboxMessage.id.desc())
        )
        found = re.findall(r"(Accept|Decline): (http\S+)", message.text_body)
        return {label.lower(): url.split("127.0.0.1:5000", 1)[-1] for label, url in found}


def test_accept_by_signed_link_then_outcome_and_points(app, client, login, people):
    requester, advocate = people
    login(requester)
    request_id = _create(client)
    assert (
        client.post(
            f"/references/{request_id}/ask", data={"advocates": str(advocate.id)}
        ).status_code
        == 302
    )
    client.post("/auth/sign-out")
    links = _answer_links(app, "ada@example.com")
    opened = client.get(links["accept"])
    assert opened.status_code == 200 and 'value="Accept"' in page(opened)
    with app.app_context():  # opening the link changed nothing
        assert db.session.scalar(sa.select(ReferenceAsk.status)) == AskStatus.PENDING
    assert client.post(links["accept"]).status_code == 200
    with app.app_context():
        assert db.session.get(ReferenceRequest, request_id).state == RequestState.SCHEDULED
        assert db.session.scalar(sa.select(Ask.answer)) == "accepted"
    reused = client.get(links["accept"])
    assert reused.status_code == 400 and "already been used" in text(reused)
    tampered = client.get(links["decline"][:-3] + "abc")
    assert tampered.status_code == 400 and "not valid" in text(tampered)

    login(requester)
    assert "ada@example.com" in text(client.get(f"/references/{request_id}"))
    response = client.post(
        f"/references/{request_id}/outcome",
        data={"call_held": "yes", "deal_outcome": "won", "revenue_influenced": "250000"},
    )
    assert response.status_code == 302
    client.post(
        f"/references/{request_id}/outcome",
        data={"call_held": "yes", "deal_outcome": "won", "revenue_influenced": "250000"},
    )
    with app.app_context():
        entries = db.session.scalars(sa.select(PointsEntry)).all()
        assert [(e.advocate_id, e.points, e.award_key) for e in entries] == [
            (advocate.id, 50, f"reference:{request_id}")
        ]


def test_an_expired_link_is_refused(app, client, login, people):
    requester, advocate = people
    login(requester)
    request_id = _create(client)
    client.post(f"/references/{request_id}/ask", data={"advocates": str(advocate.id)})
    client.post("/auth/sign-out")
    links = _answer_links(app, "ada@example.com")
    with time_machine.travel(utcnow() + timedelta(days=5)):
        response = client.get(links["accept"])
        assert response.status_code == 400 and "expired" in text(response)
    with time_machine.travel(utcnow() + timedelta(days=3, hours=1)):
        response = client.post(links["accept"])
        assert response.status_code == 400 and "can no longer be answered" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(ReferenceAsk.status)) == AskStatus.PENDING


def test_decline_by_link_offers_a_quiet_period_applied_only_when_confirmed(
    app, client, login, people
):
    requester, advocate = people
    login(requester)
    request_id = _create(client)
    client.post(f"/references/{request_id}/ask", data={"advocates": str(advocate.id)})
    client.post("/auth/sign-out")
    links = _answer_links(app, "ada@example.com")
    response = client.post(links["decline"], data={"reason": "not_this_quarter"})
    assert "quiet period until the end of this quarter" in text(response)
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).quiet_until is None
        assert db.session.get(ReferenceRequest, request_id).state == RequestState.OPEN
    token = re.search(r'name="token" value="([^"]+)"', page(response)).group(1)
    done = client.post("/references/answer-settings", data={"offer": "quiet", "token": token})
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(AdvocateProfile, advocate.id).quiet_until is not None


def test_decline_in_the_portal_offers_closing_the_kind(app, client, login, people):
    requester, advocate = people
    login(requester)
    request_id = _create(client)
    client.post(f"/references/{request_id}/ask", data={"advocates": str(advocate.id)})
    client.post("/auth/sign-out")
    login(advocate)
    with app.app_context():
        ask_id = db.session.scalar(sa.select(ReferenceAsk.id))
    assert "Globex" in text(client.get("/dashboard"))
    response = client.post(
        f"/references/asks/{ask_id}", data={"decline": "y", "reason": "not_this_kind"}
    )
    assert "stop being asked for this kind of ask (Reference calls)" in text(response)
    client.post(f"/references/asks/{ask_id}/offer", data={"offer": "close_kind"})
    with app.app_context():
        assert "reference_call" not in db.session.get(AdvocateProfile, advocate.id).open_types


def test_an_advocate_cannot_answer_someone_elses_ask(app, client, login, make, people):
    requester, advocate = people
    login(requester)
    request_id = _create(client)
    client.post(f"/references/{request_id}/ask", data={"advocates": str(advocate.id)})
    client.post("/auth/sign-out")
    login(make.advocate())
    with app.app_context():
        ask_id = db.session.scalar(sa.select(ReferenceAsk.id))
    assert client.get(f"/references/asks/{ask_id}").status_code == 404
    assert client.post(f"/references/asks/{ask_id}", data={"accept": "y"}).status_code == 404


def test_existing_advocates_are_asked_once_about_the_new_kinds(app, client, login, make):
    person = make.advocate()
    login(person)
    assert "New: reference calls" in text(client.get("/dashboard"))
    client.post(
        "/references/open-to", data={"kinds": ["reference_call", "site_visit"], "submit": "y"}
    )
    assert "New: reference calls" not in text(client.get("/dashboard"))
    with app.app_context():
        opened = db.session.get(AdvocateProfile, person.id).open_types
        assert {"reference_call", "site_visit"} <= opened and "email_exchange" not in opened


def test_staff_pages_for_settings_and_burnout(app, client, login, make, people):
    manager = make.manager()
    login(manager)
    assert client.get("/manage/references/burnout").status_code == 200
    response = client.post(
        "/manage/references/settings",
        data={
            "fit": "11",
            "readiness": "2",
            "fairness": "3",
            "cooldown_days": "30",
            "answer_days": "3",
            "currency": "EUR",
            **{
                f"points_{k}": "10"
                for k in (
                    "reference_call",
                    "site_visit",
                    "email_exchange",
                    "case_study",
                    "media_interview",
                )
            },
        },
    )
    assert response.status_code == 422
    response = client.post(
        "/manage/references/settings",
        data={
            "fit": "1",
            "readiness": "2",
            "fairness": "3",
            "cooldown_days": "30",
            "answer_days": "3",
            "currency": "eur",
            **{
                f"points_{k}": "10"
                for k in (
                    "reference_call",
                    "site_visit",
                    "email_exchange",
                    "case_study",
                    "media_interview",
                )
            },
        },
    )
    assert response.status_code == 302
    assert "fit × 1 + readiness × 2 + fairness × 3" in text(client.get("/references/matching"))
    client.post("/auth/sign-out")
    login(people[0])
    assert client.get("/manage/references/settings").status_code == 403


def test_managers_keep_topics_and_a_published_story_counts_for_fit(
    app, client, login, make, people
):
    requester, advocate = people
    manager = make.manager()
    login(manager)
    assert client.post("/manage/topics", data={"name": "Zero trust"}).status_code == 302
    assert client.post("/manage/topics", data={"name": "zero TRUST"}).status_code == 422
    with app.app_context():
        topic_id = db.session.scalar(sa.select(DiscussionTopic.id))
    client.post("/auth/sign-out")
    login(advocate)
    client.post(
        "/stories/new",
        data={"title": "Zero trust at scale", "body": "It worked.", "topic_ids": str(topic_id)},
    )
    client.post("/auth/sign-out")
    login(manager)
    with app.app_context():
        story_id = db.session.scalar(sa.select(Story.id))
    client.post(f"/manage/stories/{story_id}/decide", data={"approve": "y"})
    client.post("/auth/sign-out")
    login(requester)
    request_id = _create(client, topics=str(topic_id))
    assert "took part in or wrote about 1 of the 1 topic asked for (+20)" in text(
        client.get(f"/references/{request_id}")
    )
