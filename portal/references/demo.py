"""Reference requests for the demo: a season of asks and outcomes, through the services.

Run by `portal.demo` on its timeline, each step as if it were its moment,
with a random generator of its own so the rest of the demo stays the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from portal.advocates import accounts as companies
from portal.advocates.models import DiscussionTopic, Industry, Region, SizeBand
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db
from portal.references import asks, matching, outcomes, requests
from portal.references.models import (
    NEW_CONSENT_KINDS,
    DealOutcome,
    DeclineReason,
    ReferenceKind,
    RequestState,
    Urgency,
)

TOPICS = [
    "Zero trust",
    "Migrating from spreadsheets",
    "Data governance",
    "Self-service analytics",
    "AI assistants",
]
PROSPECTS = [
    ("Initech", Industry.TECHNOLOGY, Region.NORTH_AMERICA, SizeBand.MIDSIZE),
    ("Umbrella Health", Industry.HEALTHCARE, Region.EUROPE, SizeBand.ENTERPRISE),
    ("Globex Retail", Industry.RETAIL, Region.NORTH_AMERICA, SizeBand.GLOBAL),
    ("Stark Freight", Industry.LOGISTICS, Region.EUROPE, SizeBand.LARGE),
    ("Wayne Financial", Industry.FINANCIAL_SERVICES, Region.NORTH_AMERICA, SizeBand.ENTERPRISE),
    ("Tyrell Energy", Industry.ENERGY, Region.ASIA_PACIFIC, SizeBand.LARGE),
    ("Cyberdyne Telecom", Industry.TELECOM, Region.EUROPE, SizeBand.GLOBAL),
    ("Oscorp Labs", Industry.HEALTHCARE, Region.NORTH_AMERICA, SizeBand.MIDSIZE),
    ("Hooli Cloud", Industry.TECHNOLOGY, Region.EUROPE, SizeBand.LARGE),
    ("Soylent Foods", Industry.MANUFACTURING, Region.LATIN_AMERICA, SizeBand.LARGE),
    ("Vandelay Imports", Industry.LOGISTICS, Region.NORTH_AMERICA, SizeBand.SMALL),
    ("Pied Piper", Industry.TECHNOLOGY, Region.NORTH_AMERICA, SizeBand.SMALL),
    ("Massive Dynamic", Industry.PROFESSIONAL_SERVICES, Region.EUROPE, SizeBand.GLOBAL),
    ("Aperture Science", Industry.EDUCATION, Region.NORTH_AMERICA, SizeBand.MIDSIZE),
]
KINDS = [ReferenceKind.REFERENCE_CALL] * 6 + [
    ReferenceKind.EMAIL_EXCHANGE,
    ReferenceKind.EMAIL_EXCHANGE,
    ReferenceKind.SITE_VISIT,
    ReferenceKind.CASE_STUDY,
]
NOTES = [
    "They are replacing spreadsheets and worry about the change for their analysts.",
    "Security review is the sticking point: they want to hear how you passed yours.",
    "Their CFO wants to hear about time to value.",
    "They run a similar team size and want to compare rollout plans.",
]


def open_kinds(rng: random.Random) -> list[str]:
    """Most advocates open the reference kinds of ask; a few keep some closed."""
    return [kind.value for kind in NEW_CONSENT_KINDS if rng.random() < 0.8]


def add_topics() -> list[DiscussionTopic]:
    return [companies.add_topic(name) for name in TOPICS]


def plan(
    add: Callable[[datetime, Callable[[], None]], None],
    rng: random.Random,
    now: datetime,
    requester: User,
    manager: User,
    topics: list[DiscussionTopic],
) -> None:
    """Requests over the last five months: most find someone, a few are still open."""
    customers = companies.all_accounts()
    for index, (name, industry, region, size) in enumerate(PROSPECTS):
        days_ago = 150 - 11 * index
        at = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        details = requests.RequestDetails(
            prospect_account_id=None,
            prospect_name=name,
            competitor_ids=[rng.choice(customers).id] if rng.random() < 0.3 else [],
            industry=industry,
            region=region,
            size_band=size,
            product_ids=[],
            topic_ids=[t.id for t in rng.sample(topics, rng.randint(0, 2))],
            kind=rng.choice(KINDS),
            deal_size=rng.choice([40, 80, 120, 250, 600]) * 1000,
            urgency=rng.choice(list(Urgency)),
            needed_by=(at + timedelta(days=rng.randint(10, 25))).date(),
            note=rng.choice(NOTES),
        )
        by = requester if index % 4 else manager
        add(at, partial(_request, add, rng, details, by, manager, index))


def _request(add, rng, details, by: User, manager: User, index: int) -> None:
    request = requests.create_request(details, by=by)
    db.session.flush()
    if index == len(PROSPECTS) - 1:
        return  # the newest: still open, its shortlist waiting
    add(utcnow() + timedelta(hours=rng.randint(1, 20)), partial(_ask, add, rng, request, by))
    after = datetime.combine(request.needed_by, datetime.min.time(), tzinfo=utcnow().tzinfo)
    add(after + timedelta(days=1), partial(_close_if_nobody, request, by))


def _close_if_nobody(request, by: User) -> None:
    """Past its date with nobody found: the requester closes it as unfulfilled."""
    if request.is_searching and request.needed_by < utcnow().date():
        outcomes.close_request(request, by=by, state=RequestState.UNFULFILLED)


def _ask(add, rng, request, by: User) -> None:
    candidates = matching.shortlist(request).candidates
    if not candidates:
        outcomes.close_request(request, by=by, state=RequestState.UNFULFILLED)
        return
    chosen = [c.advocate_id for c in candidates[: rng.choice([1, 2, 2, 3])]]
    made = asks.ask_candidates(request, chosen, by=by)
    for position, ask in enumerate(made):
        answer_at = utcnow() + timedelta(hours=rng.randint(2, 60))
        accept = position == 0 and rng.random() < 0.8
        add(answer_at, partial(_answer, add, rng, ask, accept))


def _answer(add, rng, ask, accept: bool) -> None:
    try:
        if accept:
            asks.answer(ask, ask.advocate, accept=True)
        else:
            reason = rng.choice(list(DeclineReason))
            asks.answer(ask, ask.advocate, accept=False, reason=reason)
    except PortalError:
        return  # another advocate took it, or the time passed
    if accept:
        request = ask.request
        held_at = datetime.combine(request.needed_by, datetime.min.time(), tzinfo=utcnow().tzinfo)
        add(held_at + timedelta(days=1), partial(_outcome, rng, request))


def _outcome(rng, request) -> None:
    if request.needed_by >= utcnow().date():
        return  # still to happen
    held = rng.random() < 0.85
    outcome = outcomes.Outcome(
        call_held=held,
        deal_outcome=rng.choice(
            [DealOutcome.WON, DealOutcome.WON, DealOutcome.OPEN, DealOutcome.LOST]
        ),
        revenue_influenced=request.deal_size if held and rng.random() < 0.6 else 0,
        note="Good conversation; the prospect felt reassured."
        if held
        else "The prospect postponed.",
    )
    outcomes.record_outcome(request, outcome, by=request.requester)
