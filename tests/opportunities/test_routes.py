"""The advocate's pages for opportunities: listing, filters, applying, withdrawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.advocates.models import Industry
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import (
    ApprovalMode,
    OpportunityState,
    OpportunityType,
    Participation,
)
from portal.opportunities.models import ParticipationStatus as S
from tests.helpers import page, text


def _participations(app):
    with app.app_context():
        return db.session.execute(
            sa.select(Participation.advocate_id, Participation.status, Participation.note)
        ).all()


def test_list_shows_published_upcoming_opportunities_only(make, login):
    make.opportunity(title="Open panel")
    make.opportunity(title="Secret draft", state=OpportunityState.DRAFT)
    make.opportunity(title="Called off", state=OpportunityState.CANCELLED)
    make.opportunity(title="Long over", starts_at=utcnow() - timedelta(days=30))
    body = text(login(make.advocate()).get("/opportunities"))
    assert "Open panel" in body
    for hidden in ("Secret draft", "Called off", "Long over"):
        assert hidden not in body


def test_list_shows_seats_full_and_tier_gates(make, login):
    full = make.opportunity(title="Full one", seats=1)
    make.participation(full, make.advocate(), S.APPROVED)
    make.opportunity(title="Gated one", min_tier="Champion")
    body = text(login(make.advocate()).get("/opportunities"))
    assert "0 of 1" in body and "Full" in body
    assert "Open to the Champion tier and above" in body


def test_filters_by_type_text_and_eligibility(make, login):
    make.opportunity(title="Data panel", type=OpportunityType.SPEAKING_PANEL)
    make.opportunity(title="Data webinar", type=OpportunityType.WEBINAR)
    make.opportunity(title="Health only", industries=[Industry.HEALTHCARE])
    client = login(make.advocate(industry=Industry.RETAIL))
    by_type = text(client.get("/opportunities?type=webinar"))
    assert "Data webinar" in by_type and "Data panel" not in by_type
    by_text = text(client.get("/opportunities?q=PANEL"))
    assert "Data panel" in by_text and "Data webinar" not in by_text
    eligible = text(client.get("/opportunities?eligible=1"))
    assert "Health only" not in eligible and "Data panel" in eligible
    assert "Health only" in text(client.get("/opportunities"))
    # Odd input is ignored, not an error.
    assert client.get("/opportunities?type=nonsense&page=-4&q=%25_").status_code == 200


def test_list_is_paginated(make, login):
    made = [
        make.opportunity(title=f"Opp {number:02d}", starts_at=utcnow() + timedelta(days=5 + number))
        for number in range(14)
    ]
    me, other = make.advocate(), make.advocate(email="other@example.com")
    make.participation(made[13], me, status=S.WAITLISTED)
    make.participation(made[12], other, status=S.APPROVED)
    client = login(me)
    first = text(client.get("/opportunities"))
    assert "Opp 00" in first and "Opp 13" not in first and "Page 1 of 2" in first
    assert "14 opportunities" in first and "Waitlisted" not in first
    second = text(client.get("/opportunities?page=2"))
    assert "Opp 13" in second and "14 opportunities" in second
    # Only the advocate's own application shows, on its own opportunity.
    assert second.count("Waitlisted") == 1 and "Approved" not in second
    past_the_end = client.get("/opportunities?page=7")
    assert past_the_end.status_code == 200 and "Opp " not in text(past_the_end)


def test_empty_list_says_what_to_do_next(make, login):
    body = text(login(make.advocate()).get("/opportunities"))
    assert "No open opportunities right now" in body
    assert "Update my profile" in body


def test_apply_with_a_note(app, make, login):
    opportunity = make.opportunity()
    advocate = make.advocate()
    client = login(advocate)
    response = client.post(
        f"/opportunities/{opportunity.id}/apply",
        data={"note": "Keen!", "submit": "Apply", "role": "admin", "status": "approved"},
    )
    assert response.status_code == 302
    assert _participations(app) == [(advocate.id, S.APPLIED, "Keen!")]
    assert "Thanks for applying" in text(client.get(response.headers["Location"]))


def test_applying_twice_shows_a_message_and_changes_nothing(app, make, login):
    opportunity = make.opportunity()
    client = login(make.advocate())
    client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
    again = client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
    assert again.status_code == 409
    assert "already applied" in text(again)
    assert len(_participations(app)) == 1


def test_oversized_note_is_refused(app, make, login):
    opportunity = make.opportunity()
    response = login(make.advocate()).post(
        f"/opportunities/{opportunity.id}/apply", data={"note": "x" * 1001, "submit": "Apply"}
    )
    assert response.status_code == 422
    assert "Field cannot be longer than 1000 characters" in page(response)
    assert _participations(app) == []


def test_full_opportunity_offers_the_waitlist(app, make, login):
    opportunity = make.opportunity(seats=1, mode=ApprovalMode.FIRST_COME)
    make.participation(opportunity, make.advocate(), S.APPROVED)
    advocate = make.advocate()
    client = login(advocate)
    assert "Join the waitlist" in text(client.get(f"/opportunities/{opportunity.id}"))
    refused = client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"})
    assert refused.status_code == 409 and "join the waitlist" in text(refused)
    joined = client.post(
        f"/opportunities/{opportunity.id}/apply", data={"waitlist": "Join the waitlist"}
    )
    assert joined.status_code == 302
    assert (advocate.id, S.WAITLISTED, "") in _participations(app)


@pytest.mark.parametrize("path", ["/opportunities/999999", "/opportunities/abc"])
def test_unknown_opportunity_is_404(make, login, path):
    assert login(make.advocate()).get(path).status_code == 404


def test_drafts_are_404_for_advocates(make, login):
    draft = make.opportunity(state=OpportunityState.DRAFT)
    client = login(make.advocate())
    assert client.get(f"/opportunities/{draft.id}").status_code == 404
    assert (
        client.post(f"/opportunities/{draft.id}/apply", data={"submit": "Apply"}).status_code == 404
    )


def test_someone_elses_participation_cannot_be_withdrawn(app, make, login):
    opportunity = make.opportunity()
    owner = make.advocate()
    participation = make.participation(opportunity, owner, S.APPROVED)
    client = login(make.advocate())
    assert client.post(f"/participations/{participation.id}/withdraw").status_code == 404
    assert (
        client.post(f"/participations/{participation.id}/respond", data={"accept": "1"}).status_code
        == 404
    )
    assert _participations(app) == [(owner.id, S.APPROVED, "")]


def test_withdraw_own_application(app, make, login):
    opportunity = make.opportunity()
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate, S.APPROVED)
    response = login(advocate).post(f"/participations/{participation.id}/withdraw")
    assert response.status_code == 302
    assert _participations(app) == [(advocate.id, S.WITHDRAWN, "")]


def test_staff_cannot_apply(make, login):
    opportunity = make.opportunity()
    client = login(make.manager())
    assert (
        client.post(f"/opportunities/{opportunity.id}/apply", data={"submit": "Apply"}).status_code
        == 403
    )
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 200  # preview


def test_markdown_description_is_sanitized(app, make, login):
    opportunity = make.opportunity()
    with app.app_context():
        from portal.opportunities.models import Opportunity

        row = db.session.get(Opportunity, opportunity.id)
        row.description = (
            "**Bold** <script>alert(1)</script> [link](javascript:alert(2)) "
            "<img src=x onerror=alert(3)> [ok](https://example.com)"
        )
        db.session.commit()
    body = login(make.advocate()).get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    assert 'href="javascript' not in body
    assert 'href="https://example.com"' in body


def test_ineligibility_names_the_real_cause_and_where_to_look(make, login):
    from portal.advocates.models import Industry

    advocate = make.advocate(industry=Industry.RETAIL)
    by_industry = make.opportunity(title="Bankers only", industries=[Industry.FINANCIAL_SERVICES])
    by_tier = make.opportunity(title="Champions only", min_tier="Champion")
    client = login(advocate)
    industry_page = page(client.get(f"/opportunities/{by_industry.id}"))
    assert "For customers in Financial services." in industry_page
    assert "It follows the company you work for" in industry_page
    assert 'href="/tiers"' not in industry_page.split("Not open to you")[1]
    tier_page = page(client.get(f"/opportunities/{by_tier.id}"))
    assert "Open to the Champion tier and above" in tier_page
    assert 'href="/tiers">See your tiers' in tier_page
