"""The shortlist on built data: exclusions, explanations, determinism, rotation, weights."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from portal.advocates.models import AdvocateProfile, Industry, Region
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import ParticipationStatus
from portal.references import asks, matching, outcomes, rules
from portal.references.models import DealOutcome, ReferenceKind, ReferenceRecord
from portal.settings import set_setting
from tests.references.helpers import advocates, new_request, open_to_references, topic

pytestmark = pytest.mark.usefixtures("ctx")


def _ids(shortlist) -> list[int]:
    return [c.advocate_id for c in shortlist.candidates]


def _ask(request, advocate, by):
    asks.ask_candidates(request, [advocate.id], by=db.session.get(User, by.id))
    db.session.commit()


def test_every_exclusion_rule_leaves_people_out_and_counts_them(make):
    requester = make.requester()
    manager = make.manager()
    prospect = make.account(name="Prospect Corp")
    rival = make.account(name="Rival Inc")
    fine = advocates(make, 1)[0]
    deactivated = advocates(make, 1, active=False)[0]
    joining = advocates(make, 1, onboarded=False)[0]
    closed = make.advocate()  # never opened reference calls
    at_cap = advocates(make, 1, max_asks=0)[0]
    quiet = advocates(make, 1, quiet_until=utcnow().date() + timedelta(days=5))[0]
    at_prospect = advocates(make, 1, account=prospect)[0]
    at_rival = advocates(make, 1, account=rival)[0]
    waiting = advocates(make, 1)[0]
    cooling = advocates(make, 1)[0]
    # One unanswered ask, and one reference held a week ago.
    _ask(new_request(requester, prospect_name="Other A"), waiting, manager)
    db.session.add(
        ReferenceRecord(
            advocate_id=cooling.id,
            answered=1,
            answer_seconds=60,
            held=1,
            last_held_at=utcnow() - timedelta(days=7),
        )
    )
    db.session.commit()

    request = new_request(requester, prospect_account_id=prospect.id, competitor_ids=[rival.id])
    shortlist = matching.shortlist(request)

    assert _ids(shortlist) == [fine.id]
    assert shortlist.left_out == {
        "deactivated": 1,
        "not finished onboarding": 1,
        "closed this kind of ask": 1,
        "at their cap for this quarter": 1,
        "in their quiet period": 1,
        "waiting to answer another ask": 1,
        "in the 30-day cool-down after a reference": 1,
        "works at the prospect or a competitor": 2,
    }
    assert shortlist.left_out_total == 9
    del deactivated, joining, closed, at_cap, quiet, at_prospect, at_rival


def test_the_cool_down_ends_after_its_days(make):
    requester = make.requester()
    cooling = advocates(make, 1)[0]
    db.session.add(
        ReferenceRecord(
            advocate_id=cooling.id,
            answered=1,
            answer_seconds=60,
            held=1,
            last_held_at=utcnow() - timedelta(days=31),
        )
    )
    db.session.commit()
    assert _ids(matching.shortlist(new_request(requester))) == [cooling.id]


def test_case_studies_reuse_the_opportunity_switch(make):
    requester = make.requester()
    person = make.advocate()  # open to every opportunity type, not to reference calls
    request = new_request(requester, kind=ReferenceKind.CASE_STUDY)
    assert _ids(matching.shortlist(request)) == [person.id]
    request = new_request(requester, kind=ReferenceKind.REFERENCE_CALL)
    assert _ids(matching.shortlist(request)) == []


def test_the_explanation_is_the_score(make):
    requester = make.requester()
    product = make.product()
    same = advocates(
        make, 1, industry=Industry.HEALTHCARE, region=Region.EUROPE, product_ids=[product.id]
    )[0]
    other = advocates(make, 1, industry=Industry.RETAIL, region=Region.ASIA_PACIFIC)[0]
    security = topic("Zero trust")
    opportunity = make.opportunity()
    opportunity = db.session.merge(opportunity)
    opportunity.topics = [db.session.merge(security)]
    db.session.commit()
    make.participation(opportunity, same, ParticipationStatus.COMPLETED)

    request = new_request(
        requester,
        industry=Industry.HEALTHCARE,
        region=Region.EUROPE,
        product_ids=[product.id],
        topic_ids=[security.id],
    )
    shortlist = matching.shortlist(request)
    assert _ids(shortlist) == [same.id, other.id]
    weights = shortlist.weights
    for candidate in shortlist.candidates:
        for component in ("fit", "readiness", "fairness"):
            assert sum(p.points for p in candidate.parts[component]) == getattr(
                candidate, component
            )
        assert candidate.score == (
            weights.fit * candidate.fit
            + weights.readiness * candidate.readiness
            + weights.fairness * candidate.fairness
        )
        assert f"Score {candidate.score} =" in candidate.explanation(weights)
    top = shortlist.candidates[0]
    fit_words = {p.text: p.points for p in top.parts["fit"]}
    assert fit_words["same industry (Healthcare & life sciences)"] == 25
    assert fit_words["same region (Europe)"] == 20
    assert fit_words["uses 1 of the 1 product asked for"] == 20
    assert fit_words["took part in or wrote about 1 of the 1 topic asked for"] == 20
    assert top.fit == 25 + 20 + 15 + 20 + 20
    assert {p.text: p.points for p in top.parts["fairness"]} == {
        "asked 0 times in the last 90 days": 60,
        "not asked in the last 90 days": 40,
    }


def test_the_same_data_gives_the_same_shortlist_and_ties_go_to_the_least_asked(make):
    requester = make.requester()
    manager = make.manager()
    people = advocates(make, 5, max_asks=5)
    # Asked once 40 days ago (answered): less fair than those never asked.
    with time_machine.travel(utcnow() - timedelta(days=40), tick=False):
        ask = asks.ask_candidates(
            new_request(requester), [people[0].id], by=db.session.get(User, manager.id)
        )[0]
        asks.answer(ask, db.session.get(User, people[0].id), accept=False)
        db.session.commit()
    request = new_request(requester)
    first = matching.shortlist(request)
    again = matching.shortlist(request)
    assert _ids(first) == _ids(again)
    # Equal scores: the lowest id first; the one asked before comes last.
    assert _ids(first) == [p.id for p in people[1:]] + [people[0].id]


def test_ten_identical_requests_ask_ten_different_advocates(make):
    requester = make.requester()
    manager = db.session.get(User, make.manager().id)
    people = advocates(make, 12)
    asked = []
    for _ in range(10):
        request = new_request(requester)
        top = matching.shortlist(request).candidates[0]
        asks.ask_candidates(request, [top.advocate_id], by=manager)
        db.session.commit()
        asked.append(top.advocate_id)
    assert len(set(asked)) == 10
    assert set(asked) <= {p.id for p in people}


def test_rotation_holds_when_every_ask_was_answered(make):
    requester = make.requester()
    manager = db.session.get(User, make.manager().id)
    advocates(make, 10, max_asks=10)
    asked = []
    for _ in range(10):
        request = new_request(requester)
        top = matching.shortlist(request).candidates[0]
        (ask,) = asks.ask_candidates(request, [top.advocate_id], by=manager)
        asks.answer(ask, db.session.get(User, top.advocate_id), accept=False)
        db.session.commit()
        asked.append(top.advocate_id)
    assert len(set(asked)) == 10


def test_weights_change_the_order(make):
    requester = make.requester()
    manager = db.session.get(User, make.manager().id)
    fits = advocates(make, 1, industry=Industry.HEALTHCARE)[0]
    fresh = advocates(make, 1, industry=Industry.RETAIL)[0]
    # The good fit was asked (and answered) twice lately.
    for _ in range(2):
        request = new_request(requester, industry=Industry.HEALTHCARE)
        (ask,) = asks.ask_candidates(request, [fits.id], by=manager)
        asks.answer(ask, db.session.get(User, fits.id), accept=False)
        db.session.commit()
    request = new_request(requester, industry=Industry.HEALTHCARE)
    set_setting(rules.WEIGHTS_KEY, {"fit": 10, "readiness": 0, "fairness": 0})
    db.session.commit()
    assert _ids(matching.shortlist(request)) == [fits.id, fresh.id]
    set_setting(rules.WEIGHTS_KEY, {"fit": 0, "readiness": 0, "fairness": 10})
    db.session.commit()
    assert _ids(matching.shortlist(request)) == [fresh.id, fits.id]


def test_held_references_raise_readiness_and_award_points_once(make):
    requester = make.requester()
    manager = db.session.get(User, make.manager().id)
    (person,) = advocates(make, 1)
    request = new_request(requester)
    (ask,) = asks.ask_candidates(request, [person.id], by=manager)
    asks.answer(ask, db.session.get(User, person.id), accept=True)
    db.session.commit()
    outcome = outcomes.Outcome(True, DealOutcome.WON, 50_000, "Great call")
    assert outcomes.record_outcome(request, outcome, by=manager) == 50
    db.session.commit()
    record = db.session.get(ReferenceRecord, person.id)
    assert record.held == 1 and record.answered == 1
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        candidate = matching.shortlist(new_request(requester)).candidates[0]
        assert {p.text: p.points for p in candidate.parts["readiness"]}["1 reference held"] == 8
    profile = db.session.get(AdvocateProfile, person.id)
    assert profile is not None
    open_to_references()
