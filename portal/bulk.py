"""Synthetic data at scale, for benchmarks and query-plan tests (`flask seed-bulk`).

A load has two halves, so that it keeps no rules of its own:

1. `plan_history` turns sizes and a seed into a `History`: what people and
   staff did, and when. Companies and jobs, advocates joining, finishing the
   welcome step and leaving, opportunities posted, published and closed,
   applications with their outcome, manual awards and their corrections,
   invitations to a tier, visits to the Tiers page, past reference asks
   (never above an advocate's cap in a quarter). It decides what happened,
   never what the rules make of it.
2. `write_history` writes a History as whole tables at once: PostgreSQL
   `COPY` (a few hundred thousand rows a second), or `executemany` on SQLite.
   What the services would have derived, it takes from the rules' homes:
   - award keys: `ledger.participation_key`, `manual_key`, `reversal_key`;
   - standings: `ledger.period_sums` (the periods of `clock.period_keys`),
     each carrying what `ledger.standing_details_of_advocates` reads once the
     people, profiles and jobs are written (shown on leaderboards — see
     `advocates.visibility` — and the current company, industry, region);
   - score counts: `ledger.rebuild_scores`; seats taken: `seats.recount_seats`;
   - tier events: each advocate's moments in time order, through
     `tiers.joining_tier` (the welcome step), `tiers.changes_for` (every new
     all-time total), `TierState.can_be_invited` (a staff invitation) and
     `tiers.offered_tiers` (a visit to the Tiers page, joining what it
     offers); the current tier is `tiers.held_tier` of what that leaves.

tests/test_loaders.py replays the same History through the services, each
step at its moment (`db.replaying_at`), and checks that both databases hold
the same standings, score counts, seats, tier events, tiers and award keys.

Advocates sign in with BULK_PASSWORD (one hash, computed once). The data is
random but reproducible: the same sizes, seed and moment give the same rows.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from portal import clock
from portal.advocates import permissions
from portal.advocates.models import AskAnswer, AskKind, Industry, Region, SizeBand
from portal.auth.passwords import hash_password
from portal.db import utcnow
from portal.demo import FIRST_NAMES, LAST_NAMES, OPPORTUNITY_IDEAS, PLACES, PRODUCTS, TITLES
from portal.errors import PortalError
from portal.extensions import db
from portal.opportunities import posting, seats
from portal.opportunities.models import ApprovalMode, OpportunityType, ParticipationStatus
from portal.recognition import ledger, tiers
from portal.recognition.models import PointsSource, TierEventKind
from portal.references.models import NEW_CONSENT_KINDS

BULK_DOMAIN = "bulk.example"
BULK_PASSWORD = "bulk-load-password-2026"
MANAGER_EMAIL = f"manager@{BULK_DOMAIN}"
MANAGER_NAME = "Morgan Bulk-Manager"

MANUAL_REASONS = [
    ("Answered questions in the community forum", 25),
    ("Hosted a customer meetup", 100),
    ("Wrote a guest blog post", 75),
    ("Helped test the new onboarding", 50),
    ("Referred a peer to the program", 40),
    ("Posted a product review", 40),
    ("Spoke to a prospect on a reference call", 60),
    ("Shared a tip in the newsletter", 20),
]
ACCOUNT_WORDS = (
    "Northwind Harbor Bluebell Ironclad Civic Maple Quanta Lumen Solstice Relay Swift Keystone "
    "Silverline Cedar Pinecrest Forge Meridian Summit Vertex Aurora Tidal Signal Cargo Granite "
    "Orchid Evergreen Lattice Anvil Beacon Horizon Nimbus Prism Windward Waveform Compass"
).split()
ACCOUNT_SUFFIXES = "Bank Health Retail Works Services Labs Systems Energy Group Partners".split()

DAY = 24 * 3600
# The consent topics of reference asks.
REFERENCE_KINDS = tuple(kind.value for kind in NEW_CONSENT_KINDS)
S = ParticipationStatus


class AlreadyLoaded(PortalError):
    pass


@dataclass(frozen=True)
class BulkPlan:
    """The sizes of a load and its seed."""

    advocates: int
    ledger: int
    opportunities: int | None = None  # default: grows with the advocates
    accounts: int | None = None
    seed: int = 2026
    correction_rate: float = 0.005  # the share of manual awards corrected later
    asks: int | None = None  # past reference asks; default: five per advocate

    @property
    def ask_count(self) -> int:
        return self.asks if self.asks is not None else 5 * self.advocates

    @property
    def opportunity_count(self) -> int:
        if self.opportunities is not None:
            return self.opportunities
        return max(40, self.advocates // 250)

    @property
    def account_count(self) -> int:
        if self.accounts is not None:
            return self.accounts
        return max(12, self.advocates // 40)


@dataclass
class BulkResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- the history: what happened, and when ----------------------------------


class Step(IntEnum):
    """One kind of thing that happens; at the same moment, the lower step comes first."""

    ACCOUNT = 0  # a customer company is added
    JOIN = 1  # an advocate is added, with their jobs
    ONBOARD = 2  # the welcome step (or, for those who never finish it, their profile)
    POST = 3  # an opportunity is saved as a draft
    PUBLISH = 4
    APPLY = 5
    DECIDE = 6  # a manager's decision in review mode
    CLOSE = 7
    MARK = 8  # completed or no-show, after the start
    AWARD = 9  # a manual award
    CORRECT = 10  # a manual award reversed
    INVITE = 11  # staff invite an advocate into an invitation-only tier
    VISIT = 12  # an advocate visits the Tiers page and joins every tier offered
    DEACTIVATE = 13


class PlannedAccount(NamedTuple):
    name: str
    industry: Industry
    region: Region
    size_band: SizeBand
    crm_id: str
    created_at: datetime


class PlannedJob(NamedTuple):
    account: int  # index in History.accounts
    title: str
    started_on: date
    ended_on: date | None


class PlannedPerson(NamedTuple):
    email: str
    name: str
    created_at: datetime
    onboarded_at: datetime | None  # None: never finished the welcome step
    deactivated_at: datetime | None
    bio: str
    max_asks_per_quarter: int
    show_on_leaderboard: bool
    public_profile: bool
    open_types: tuple[str, ...]
    products: tuple[str, ...]  # product names
    jobs: tuple[PlannedJob, ...]  # oldest first; the last is the current one


class PlannedOpportunity(NamedTuple):
    type: OpportunityType
    title: str
    starts_at: datetime
    ends_at: datetime
    application_deadline: datetime
    seats: int
    points: int
    approval_mode: ApprovalMode
    is_online: bool
    location: str
    created_at: datetime
    published_at: datetime
    closed_at: datetime | None
    min_tier: str | None  # a tier's name
    industries: tuple[str, ...]
    regions: tuple[str, ...]
    products: tuple[str, ...]  # product names


class Application(NamedTuple):
    """An advocate applies; what became of it, and when.

    In first-come mode applying takes a seat at once (no decision); in review
    mode a manager approves or declines at `decided_at`. Completed and
    no-show are marked at `marked_at`, after the start.
    """

    opportunity: int  # index in History.opportunities
    advocate: int  # index in History.people
    applied_at: datetime
    outcome: ParticipationStatus  # applied, approved, declined, completed or no_show
    decided_at: datetime | None
    marked_at: datetime | None


class ManualAward(NamedTuple):
    advocate: int
    points: int
    reason: str
    at: datetime


class Correction(NamedTuple):
    award: int  # index in History.awards: the award reversed
    at: datetime


class TierInvitation(NamedTuple):
    advocate: int
    tier: str  # the tier's name
    at: datetime


class PastAsk(NamedTuple):
    """Staff asked an advocate for a reference; answered some seconds later, or never."""

    advocate: int  # index in History.people
    at: datetime
    topic: str
    answered_after: int | None  # seconds
    accepted: bool


class TierVisit(NamedTuple):
    advocate: int
    at: datetime


def award_token(number: int) -> str:
    """The form token of manual award `number`: its key is `ledger.manual_key(manager, token)`."""
    return f"bulk-{number}"


def correction_reason(award: ManualAward) -> str:
    return f"Correction: {award.reason}"[:200]


@dataclass
class History:
    """What happened, decided by a seed (see `plan_history`); written by `write_history`."""

    now: datetime  # nothing happens after it
    started_at: datetime  # the manager and the products were added
    products: list[str]
    accounts: list[PlannedAccount] = field(default_factory=list)
    people: list[PlannedPerson] = field(default_factory=list)
    opportunities: list[PlannedOpportunity] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    awards: list[ManualAward] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    invitations: list[TierInvitation] = field(default_factory=list)
    visits: list[TierVisit] = field(default_factory=list)
    # Not replayed by tests/test_loaders.py: asks change no standing, seat or tier.
    asks: list[PastAsk] = field(default_factory=list)

    def timeline(self) -> list[tuple[datetime, Step, int]]:
        """Every step in the order it happened: (moment, step, index in the step's list)."""
        steps: list[tuple[datetime, Step, int]] = []
        steps.extend((a.created_at, Step.ACCOUNT, n) for n, a in enumerate(self.accounts))
        for n, person in enumerate(self.people):
            steps.append((person.created_at, Step.JOIN, n))
            steps.append((person.onboarded_at or person.created_at, Step.ONBOARD, n))
            if person.deactivated_at is not None:
                steps.append((person.deactivated_at, Step.DEACTIVATE, n))
        for n, o in enumerate(self.opportunities):
            steps.append((o.created_at, Step.POST, n))
            steps.append((o.published_at, Step.PUBLISH, n))
            if o.closed_at is not None:
                steps.append((o.closed_at, Step.CLOSE, n))
        for n, application in enumerate(self.applications):
            steps.append((application.applied_at, Step.APPLY, n))
            if application.decided_at is not None:
                steps.append((application.decided_at, Step.DECIDE, n))
            if application.marked_at is not None:
                steps.append((application.marked_at, Step.MARK, n))
        steps.extend((award.at, Step.AWARD, n) for n, award in enumerate(self.awards))
        steps.extend((c.at, Step.CORRECT, n) for n, c in enumerate(self.corrections))
        steps.extend((i.at, Step.INVITE, n) for n, i in enumerate(self.invitations))
        steps.extend((v.at, Step.VISIT, n) for n, v in enumerate(self.visits))
        steps.sort()
        return steps


def plan_history(plan: BulkPlan, now: datetime) -> History:
    """A history of the planned size, up to `now`, decided by the plan's seed alone.

    The tiers and each opportunity type's points are read as configured.
    """
    return _Planner(plan, now).history()


def _seconds(span: timedelta) -> int:
    return int(span.total_seconds())


def _as_utc_day(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)


class _Planner:
    # How often a tier-minded advocate looks at the Tiers page after earning points.
    VISIT_RATE = 0.3

    def __init__(self, plan: BulkPlan, now: datetime) -> None:
        self.plan = plan
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.rng = random.Random(plan.seed)
        # Reference asks draw from their own generator, so the rest of a load is
        # the same with or without them.
        self.ask_rng = random.Random(plan.seed + 1)
        self.tz = clock.program_tz()
        self.tiers = tiers.all_tiers()

    def history(self) -> History:
        self.h = History(
            now=self.now, started_at=self.now - timedelta(days=1600), products=list(PRODUCTS)
        )
        self._accounts()
        self._people()
        self._opportunities()
        self._applications()
        self._awards()
        self._invitations()
        self._asks()
        return self.h

    def _below(self, count: int) -> int:
        """A number from 0 to `count` - 1, as `rng.randrange` but several times faster
        (it is drawn a few million times for a large load)."""
        return int(self.rng.random() * count)

    def _later(self, at: datetime, low: int, high: int, end: datetime) -> datetime:
        """A moment `low` to `high` seconds after `at`, but no later than `end`."""
        return min(at + timedelta(seconds=low + self._below(high - low + 1)), end)

    def _end_of(self, advocate: int) -> datetime:
        """Until when the advocate takes part: their deactivation, or now."""
        return self.h.people[advocate].deactivated_at or self.now

    def _accounts(self) -> None:
        rng, now = self.rng, self.now
        industries, regions, sizes = Industry.known(), Region.known(), SizeBand.known()
        for number in range(self.plan.account_count):
            word = ACCOUNT_WORDS[number % len(ACCOUNT_WORDS)]
            suffix = ACCOUNT_SUFFIXES[(number // len(ACCOUNT_WORDS)) % len(ACCOUNT_SUFFIXES)]
            self.h.accounts.append(
                PlannedAccount(
                    name=f"{word} {suffix} {number + 1}",
                    industry=industries[number % len(industries)],
                    region=regions[(number * 7) % len(regions)],
                    size_band=rng.choice(sizes),
                    crm_id=f"BULK-{number + 1}",
                    created_at=now - timedelta(days=rng.randint(800, 1500)),
                )
            )

    def _people(self) -> None:
        """Advocates joined over two years; most finished the welcome step soon after."""
        rng, now = self.rng, self.now
        types = [t.value for t in OpportunityType]
        today = now.astimezone(self.tz).date()
        account_count = len(self.h.accounts)
        self.takes_tiers: list[bool] = []
        for number in range(self.plan.advocates):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            initial = chr(65 + rng.randrange(26))
            email_name = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
            created = now - timedelta(seconds=rng.randrange(730 * DAY))
            onboarded = None
            if rng.random() >= 0.03:
                onboarded = self._later(created, 0, 14 * DAY, now)
            deactivated = None
            if rng.random() < 0.02:  # left the program some time after joining
                since = onboarded or created
                deactivated = self._later(since, 1, max(1, _seconds(now - since)), now)
            area = rng.choice(["analytics", "platform", "security", "CRM", "operations"])
            bio = f"Leads {area} work; has used our products for {rng.randint(1, 9)} years."
            max_asks = rng.choice([2, 3, 3, 4, 6])
            shown = rng.random() < 0.85
            public = rng.random() < 0.4
            closed = set(rng.sample(types, rng.choice([0, 0, 1, 2, 3])))
            products = tuple(rng.sample(PRODUCTS, rng.randint(1, 3)))
            started = today - timedelta(days=rng.randint(60, 3000))
            account = rng.randrange(account_count)
            jobs = []
            if rng.random() < 0.1 and account_count > 1:
                # Moved company once: the old job stays as history.
                previous = (account + rng.randrange(1, account_count)) % account_count
                began = started - timedelta(days=rng.randint(400, 2000))
                jobs.append(PlannedJob(previous, rng.choice(TITLES), began, started))
            jobs.append(PlannedJob(account, rng.choice(TITLES), started, None))
            self.h.people.append(
                PlannedPerson(
                    email=f"{email_name}.{number}@{BULK_DOMAIN}",
                    name=f"{first} {initial}. {last}",
                    created_at=created,
                    onboarded_at=onboarded,
                    deactivated_at=deactivated,
                    bio=bio,
                    max_asks_per_quarter=max_asks,
                    show_on_leaderboard=shown,
                    public_profile=public,
                    open_types=tuple(t for t in types if t not in closed)
                    + tuple(t for t in REFERENCE_KINDS if self.ask_rng.random() < 0.85),
                    products=products,
                    jobs=tuple(jobs),
                )
            )
            self.takes_tiers.append(rng.random() < 0.8)

    def _opportunities(self) -> None:
        """60% in the past year (where points came from), 40% upcoming with seats to spare."""
        rng, plan, now, tz = self.rng, self.plan, self.now, self.tz
        count = plan.opportunity_count
        self.past_count = past_count = max(1, count * 3 // 5)
        # Enough completed seats for a quarter of the ledger to come from opportunities.
        participation_entries = plan.ledger // 4
        past_seats = max(3, min(plan.advocates, -(-participation_entries // past_count)))
        upcoming_seats = max(200, min(10_000, plan.advocates // 10))
        tier_names = [tier.name for tier in self.tiers]
        kinds = list(OpportunityType)
        points = posting.default_points()
        for number in range(count):
            kind = kinds[number % len(kinds)]
            is_past = number < past_count
            offset = -rng.randint(3, 360) if is_past else rng.randint(7, 90)
            day = (now + timedelta(days=offset)).astimezone(tz).date()
            starts_at = _as_utc_day(day, rng.choice([9, 10, 14, 16]), tz)
            hours = 72 if kind in (OpportunityType.EVENT, OpportunityType.BETA) else 2
            deadline = starts_at - timedelta(days=2)
            created = min(starts_at - timedelta(days=45), now - timedelta(days=rng.randint(2, 20)))
            is_online = kind not in (OpportunityType.EVENT, OpportunityType.ADVISORY_BOARD)
            titles = OPPORTUNITY_IDEAS[kind]
            # Most upcoming ones are open to everyone; some have eligibility rules.
            min_tier, industries, regions, products = None, (), (), ()
            if not is_past and number % 5 == 0:
                rule = (number // 5) % 4
                if rule == 0 and len(tier_names) > 1:
                    min_tier = tier_names[1]
                elif rule == 1:
                    industries = (rng.choice(Industry.known()).value,)
                elif rule == 2:
                    regions = (rng.choice(Region.known()).value,)
                else:
                    products = (rng.choice(PRODUCTS),)
            self.h.opportunities.append(
                PlannedOpportunity(
                    type=kind,
                    title=f"{titles[number % len(titles)]} #{number + 1}",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=hours),
                    application_deadline=deadline,
                    seats=past_seats if is_past else upcoming_seats,
                    points=points[kind],
                    approval_mode=ApprovalMode.FIRST_COME if number % 2 else ApprovalMode.REVIEW,
                    is_online=is_online,
                    location="Online (video call)" if is_online else rng.choice(PLACES),
                    created_at=created,
                    published_at=created + timedelta(days=1),
                    closed_at=deadline if is_past else None,
                    min_tier=min_tier,
                    industries=industries,
                    regions=regions,
                    products=products,
                )
            )

    def _applications(self) -> None:
        """Past: completed (a few no-shows); upcoming: applications, approvals, declines.

        Only opportunities open to everyone get applicants: who meets a
        restriction depends on tiers, which the rules work out, not the plan.
        """
        rng, now = self.rng, self.now
        people = self.h.people
        onboarded = sorted(
            (person.onboarded_at, number)
            for number, person in enumerate(people)
            if person.onboarded_at is not None
        )
        onboarded_by = [at for at, _ in onboarded]
        # A quarter of the ledger comes from completed participations.
        budget = self.plan.ledger // 4
        self.completions = 0
        for index, o in enumerate(self.h.opportunities):
            if o.min_tier or o.industries or o.regions or o.products:
                continue
            is_past = index < self.past_count
            opens = o.published_at + timedelta(hours=1)
            closes = min(o.application_deadline, now) - timedelta(hours=1)
            ready = bisect.bisect_right(onboarded_by, opens)  # onboarded before it opened
            if is_past:
                wanted = min(o.seats, budget - self.completions)
            else:
                wanted = rng.randint(5, 40)
            for k in rng.sample(range(ready), max(0, min(ready, wanted))):
                advocate = onboarded[k][1]
                applied_at = opens + timedelta(seconds=self._below(_seconds(closes - opens)))
                decided_at = marked_at = None
                if is_past:
                    outcome = S.COMPLETED if rng.random() < 0.95 else S.NO_SHOW
                    if o.approval_mode == ApprovalMode.REVIEW:
                        decided_at = applied_at + timedelta(days=1)
                    marked_at = self._later(o.ends_at, 3600, 48 * 3600, now)
                elif o.approval_mode == ApprovalMode.FIRST_COME:
                    outcome = S.APPROVED
                else:
                    outcome = rng.choice([S.APPLIED, S.APPLIED, S.APPROVED, S.DECLINED])
                    if outcome != S.APPLIED:
                        decided_at = self._later(
                            applied_at, 60, _seconds(min(now, o.starts_at) - applied_at), now
                        )
                last = marked_at or decided_at or applied_at
                if people[advocate].deactivated_at is not None and (
                    not is_past or people[advocate].deactivated_at <= last
                ):
                    continue  # gone before it was over
                self.h.applications.append(
                    Application(index, advocate, applied_at, outcome, decided_at, marked_at)
                )
                if outcome == S.COMPLETED:
                    self.completions += 1
                    self._maybe_visit(advocate, marked_at)

    def _maybe_visit(self, advocate: int, at: datetime) -> None:
        """After earning points, a tier-minded advocate sometimes looks at the Tiers page."""
        if self.takes_tiers[advocate] and self.rng.random() < self.VISIT_RATE:
            visit_at = self._later(at, 3600, 48 * 3600, self._end_of(advocate))
            self.h.visits.append(TierVisit(advocate, visit_at))

    def _awards(self) -> None:
        """Manual awards (a few corrected later) up to the planned ledger size."""
        rng, now = self.rng, self.now
        year_ago = now - timedelta(days=365)
        # When each advocate could be awarded: after the welcome step, in the
        # past year, while active.
        self.windows: dict[int, tuple[datetime, int]] = {}
        for number, person in enumerate(self.h.people):
            if person.onboarded_at is None:
                continue
            start = max(person.onboarded_at, year_ago)
            span = _seconds(self._end_of(number) - start)
            if span > 0:
                self.windows[number] = (start, span)
        # Activity is skewed: a few advocates earn much, many a little, some nothing.
        earners = list(self.windows)
        rng.shuffle(earners)
        self.earners = earners = earners[: max(1, len(earners) * 9 // 10)]
        # How active each earner is: log-normal, so the busiest earn tens of
        # times the median, as in real programs, without one taking it all.
        self.activity = [rng.lognormvariate(0, 1) for _ in earners]
        cumulative = list(itertools.accumulate(self.activity))
        picks: list[int] = []
        remaining = self.plan.ledger - self.completions
        if remaining > 0 and not earners:
            raise PortalError("Nobody in this plan can be awarded: ask for more advocates.")
        while remaining > 0:
            if not picks:
                picks.extend(rng.choices(earners, cum_weights=cumulative, k=10_000))
            advocate = picks.pop()
            reason, points = MANUAL_REASONS[self._below(len(MANUAL_REASONS))]
            start, span = self.windows[advocate]
            at = start + timedelta(seconds=self._below(span))
            self.h.awards.append(ManualAward(advocate, points, reason, at))
            remaining -= 1
            self._maybe_visit(advocate, at)
            if remaining > 0 and rng.random() < self.plan.correction_rate:
                # A mistake, corrected later.
                later = min(at + timedelta(days=self._below(11)), now)
                self.h.corrections.append(Correction(len(self.h.awards) - 1, later))
                remaining -= 1

    def _invitations(self) -> None:
        """Staff ask the busiest earners into each invitation-only tier (the tier's
        rules refuse those without the points yet)."""
        rng = self.rng
        busiest = sorted(range(len(self.earners)), key=lambda k: -self.activity[k])
        for tier in self.tiers:
            if not tier.invitation_only:
                continue
            for k in busiest[: max(1, len(self.earners) // 50)]:
                advocate = self.earners[k]
                start, span = self.windows[advocate]
                at = start + timedelta(seconds=rng.randrange(span))
                self.h.invitations.append(TierInvitation(advocate, tier.name, at))
                if rng.random() < 0.8:
                    visit_at = self._later(at, 3600, 72 * 3600, self._end_of(advocate))
                    self.h.visits.append(TierVisit(advocate, visit_at))

    def _asks(self) -> None:
        """Past reference asks of active advocates over two years, never above an
        advocate's cap in a quarter (nor for a kind they closed)."""
        rng, now = self.ask_rng, self.now
        wanted = self.plan.ask_count
        people = self.h.people
        askable = [
            n
            for n, p in enumerate(people)
            if p.onboarded_at is not None
            and p.deactivated_at is None
            and p.max_asks_per_quarter > 0
            and any(t in REFERENCE_KINDS for t in p.open_types)
        ]
        if not askable:
            return
        per_quarter: dict[tuple[int, str], int] = defaultdict(int)
        attempts = 0
        while len(self.h.asks) < wanted and attempts < 4 * wanted:
            attempts += 1
            n = askable[int(rng.random() * len(askable))]
            person = people[n]
            since = max(person.onboarded_at, now - timedelta(days=720))
            span = _seconds(now - since) - 5 * DAY  # every ask answered or past due by now
            if span <= 0:
                continue
            at = since + timedelta(seconds=int(rng.random() * span))
            quarter = (n, clock.quarter_key(at, self.tz))
            if per_quarter[quarter] >= person.max_asks_per_quarter:
                continue
            per_quarter[quarter] += 1
            topics = [t for t in person.open_types if t in REFERENCE_KINDS]
            answered = None if rng.random() < 0.1 else int(rng.random() * 3 * DAY)
            self.h.asks.append(
                PastAsk(
                    n, at, topics[int(rng.random() * len(topics))], answered, rng.random() < 0.6
                )
            )


# --- writing whole tables ---------------------------------------------------


class _TableWriter:
    """Appends rows to tables inside the session's transaction, as fast as the backend allows."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.is_postgresql = self.connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, table_name: str, columns: list[str], rows: Iterable[tuple]) -> None:
        table = db.metadata.tables[table_name]
        # The rows are made while COPY holds the connection: a label turned into text
        # there must not choose a language, which may read the database (a deadlock).
        # What the loader writes is English, the source language.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            if self.is_postgresql:
                self._copy(table, columns, rows)
            else:
                self._insert(table, columns, rows)

    def _copy(self, table: sa.Table, columns: list[str], rows: Iterable[tuple]) -> None:
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        # COPY takes JSON as its text; SQLAlchemy's JSON type does this on SQLite.
        json_columns = [
            index for index, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)
        ]
        written = 0
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for index in json_columns:
                            row[index] = json.dumps(row[index])
                    copy.write_row(row)
                    written += 1
        self.counts[table.name] += written

    def _insert(self, table: sa.Table, columns: list[str], rows: Iterable[tuple]) -> None:
        batch: list[dict] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == 5000:
                self.connection.execute(table.insert(), batch)
                self.counts[table.name] += len(batch)
                batch = []
        if batch:
            self.connection.execute(table.insert(), batch)
            self.counts[table.name] += len(batch)

    def next_id(self, table_name: str) -> int:
        table = db.metadata.tables[table_name]
        return (self.connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here, then refresh statistics."""
        if not self.is_postgresql:
            return
        for table_name in self.counts:
            table = db.metadata.tables[table_name]
            if "id" not in table.c or not table.c.id.primary_key:
                continue
            self.connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table_name}\"', 'id'), "
                    f'(SELECT coalesce(max(id), 0) + 1 FROM "{table_name}"), false)'
                )
            )
        for table_name in self.counts:
            self.connection.execute(sa.text(f'ANALYZE "{table_name}"'))


def _skip_row_triggers_if_allowed(writer: _TableWriter) -> None:
    # The rows are consistent by construction, so a superuser can skip the
    # per-row foreign-key triggers (as pg_restore --disable-triggers does);
    # for the current transaction only. Others load with every check on.
    if not writer.is_postgresql:
        return
    is_superuser = writer.connection.scalar(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    )
    if is_superuser:
        writer.connection.execute(sa.text("SET LOCAL session_replication_role = replica"))


# --- writing a history ------------------------------------------------------


def write_history(
    history: History, *, log: Callable[[str], None] = lambda _: None
) -> dict[str, int]:
    """Write a history into the session's transaction (not committed); returns rows per table.

    Raises AlreadyLoaded when this database already has bulk data.
    """
    return _Writer(history, log).run()


class _Writer:
    def __init__(self, history: History, log: Callable[[str], None]) -> None:
        self.h = history
        self.log = log
        self.out = _TableWriter()

    # Each step writes its tables and keeps only the ids later steps need.

    def run(self) -> dict[str, int]:
        _refuse_a_second_load(self.out)
        _skip_row_triggers_if_allowed(self.out)
        self.password_hash = hash_password(BULK_PASSWORD)
        self._step("products", self._products)
        self._step("people", self._people)
        self._step("accounts and jobs", self._accounts_and_jobs)
        self._step("opportunities", self._opportunities)
        self._step("participations and seats", self._participations)
        self._step("ledger", self._ledger)
        self._step("tiers", self._tier_events)
        self._step("profiles", self._profiles)
        self._step("standings and scores", self._standings)
        self._step("reference asks", self._asks)
        self._step("unread counts", self._unread_counts)
        self._step("statistics", self.out.finish)
        return dict(self.out.counts)

    def _step(self, name: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        self.log(f"  {name}: {time.perf_counter() - started:.1f}s")

    def _products(self) -> None:
        product = db.metadata.tables["product"]
        existing = dict(self.out.connection.execute(sa.select(product.c.name, product.c.id)).all())
        missing = [name for name in self.h.products if name not in existing]
        first = self.out.next_id("product")
        rows = [(first + i, name, True) for i, name in enumerate(missing)]
        self.out.write("product", ["id", "name", "active"], rows)
        self.product_ids = {**existing, **{name: product_id for product_id, name, _ in rows}}

    def _people(self) -> None:
        """The manager who posts and awards, and the advocates (their profiles come later)."""
        first_id = self.out.next_id("user")
        self.manager_id = first_id
        self.user_ids = [first_id + 1 + number for number in range(len(self.h.people))]

        def users() -> Iterator[tuple]:
            at = self.h.started_at
            yield (
                self.manager_id, MANAGER_EMAIL, MANAGER_NAME, "manager", True,
                self.password_hash, None, at, None, None, at,
            )  # fmt: skip
            for user_id, p in zip(self.user_ids, self.h.people, strict=True):
                yield (
                    user_id, p.email, p.name, "advocate", p.deactivated_at is None,
                    self.password_hash, None, p.created_at, None, p.deactivated_at, p.created_at,
                )  # fmt: skip

        self.out.write(
            "user",
            [
                "id", "email", "name", "role", "active", "password_hash", "timezone",
                "created_at", "last_sign_in_at", "deactivated_at", "email_verified_at",
            ],
            users(),
        )  # fmt: skip

    def _accounts_and_jobs(self) -> None:
        first_id = self.out.next_id("account")
        self.account_ids = [first_id + number for number in range(len(self.h.accounts))]
        self.out.write(
            "account",
            ["id", "name", "industry", "region", "size_band", "owner_id", "crm_id", "created_at"],
            (
                (
                    account_id,
                    a.name,
                    a.industry.value,
                    a.region.value,
                    a.size_band.value,
                    self.manager_id,
                    a.crm_id,
                    a.created_at,
                )
                for account_id, a in zip(self.account_ids, self.h.accounts, strict=True)
            ),
        )
        first_job = self.out.next_id("employment")
        self.out.write(
            "employment",
            ["id", "user_id", "account_id", "title", "started_on", "ended_on"],
            (
                (first_job + number, user_id, self.account_ids[job.account], *job[1:])
                for number, (user_id, job) in enumerate(
                    (user_id, job)
                    for user_id, person in zip(self.user_ids, self.h.people, strict=True)
                    for job in person.jobs
                )
            ),
        )

    def _opportunities(self) -> None:
        first_id = self.out.next_id("opportunity")
        opportunities = self.h.opportunities
        self.opportunity_ids = [first_id + number for number in range(len(opportunities))]
        tier_ids = {tier.name: tier.id for tier in tiers.all_tiers()}
        timezone = clock.program_tz().key
        description = (
            "## What it is\n\nA session with peers and our product team.\n\n"
            "## What we ask\n\n- About an hour to prepare\n- Your honest experience\n"
        )

        # The type's label is translated text (its language is read from the database):
        # made here, never while a COPY holds the connection.
        summary = {kind: f"{kind.label} for customers who share." for kind in OpportunityType}

        def rows() -> Iterator[tuple]:
            for opportunity_id, o in zip(self.opportunity_ids, opportunities, strict=True):
                state = "closed" if o.closed_at is not None else "published"
                yield (
                    opportunity_id, o.type.value, o.title,
                    summary[o.type], description, o.starts_at,
                    o.ends_at, timezone, o.is_online, o.location,
                    o.seats, 0, o.application_deadline, tier_ids.get(o.min_tier), o.points,
                    o.approval_mode.value, state, self.manager_id, o.created_at,
                    o.closed_at or o.published_at, o.published_at,
                )  # fmt: skip

        self.out.write(
            "opportunity",
            [
                "id", "type", "title", "summary", "description", "starts_at", "ends_at",
                "timezone", "is_online", "location", "seats", "seats_taken",
                "application_deadline", "min_tier_id", "points", "approval_mode", "state",
                "created_by_id", "created_at", "updated_at", "published_at",
            ],
            rows(),
        )  # fmt: skip
        pairs = list(zip(self.opportunity_ids, opportunities, strict=True))
        self.out.write(
            "opportunity_industry",
            ["opportunity_id", "industry"],
            ((oid, value) for oid, o in pairs for value in o.industries),
        )
        self.out.write(
            "opportunity_region",
            ["opportunity_id", "region"],
            ((oid, value) for oid, o in pairs for value in o.regions),
        )
        self.out.write(
            "opportunity_product",
            ["opportunity_id", "product_id"],
            ((oid, self.product_ids[name]) for oid, o in pairs for name in o.products),
        )

    def _participations(self) -> None:
        """Each application as it ended; then the seats they hold, counted by the seat rule."""
        first_id = self.out.next_id("participation")
        self.participation_ids = [first_id + n for n in range(len(self.h.applications))]
        opportunities = self.h.opportunities

        def rows() -> Iterator[tuple]:
            for participation_id, a in zip(
                self.participation_ids, self.h.applications, strict=True
            ):
                # First come: applying approved it; review: a manager decided.
                is_first_come = (
                    opportunities[a.opportunity].approval_mode == ApprovalMode.FIRST_COME
                )
                decided_at = a.applied_at if is_first_come else a.decided_at
                decided_by = self.manager_id if a.marked_at or a.decided_at else None
                yield (
                    participation_id, self.opportunity_ids[a.opportunity],
                    self.user_ids[a.advocate], a.outcome.value, "", "", None, a.applied_at,
                    a.marked_at or a.decided_at or a.applied_at, None, decided_at, decided_by,
                    a.marked_at if a.outcome == S.COMPLETED else None,
                )  # fmt: skip

        self.out.write(
            "participation",
            [
                "id", "opportunity_id", "advocate_id", "status", "note", "manager_message",
                "ask_id", "created_at", "updated_at", "waitlisted_at", "decided_at",
                "decided_by_id", "completed_at",
            ],
            rows(),
        )  # fmt: skip
        seats.recount_seats()

    def _completions(self) -> Iterator[tuple[int, Application]]:
        for number, application in enumerate(self.h.applications):
            if application.outcome == S.COMPLETED:
                yield number, application

    def _ledger(self) -> None:
        """Completions, manual awards and their reversals, keyed as the ledger keys them."""
        first_id = self.out.next_id("points_entry")
        h, manager_id = self.h, self.manager_id
        self.award_entry_ids: list[int] = []

        def entries() -> Iterator[tuple]:
            entry_id = first_id
            for number, a in self._completions():
                o = h.opportunities[a.opportunity]
                participation_id = self.participation_ids[number]
                yield (
                    entry_id, self.user_ids[a.advocate], o.points,
                    PointsSource.PARTICIPATION.value, participation_id, o.title[:200], manager_id,
                    ledger.participation_key(participation_id), None, a.marked_at,
                )  # fmt: skip
                entry_id += 1
            for number, award in enumerate(h.awards):
                self.award_entry_ids.append(entry_id)
                yield (
                    entry_id, self.user_ids[award.advocate], award.points,
                    PointsSource.MANUAL.value, None, award.reason[:200], manager_id,
                    ledger.manual_key(manager_id, award_token(number)), None, award.at,
                )  # fmt: skip
                entry_id += 1
            for correction in h.corrections:
                award = h.awards[correction.award]
                original = self.award_entry_ids[correction.award]
                yield (
                    entry_id, self.user_ids[award.advocate], -award.points,
                    PointsSource.CORRECTION.value, None, correction_reason(award), manager_id,
                    ledger.reversal_key(original), original, correction.at,
                )  # fmt: skip
                entry_id += 1

        self.out.write(
            "points_entry",
            [
                "id", "advocate_id", "points", "source", "source_id", "reason", "awarded_by_id",
                "award_key", "corrects_id", "created_at",
            ],
            entries(),
        )  # fmt: skip
        recent = h.now - timedelta(days=14)

        def notifications() -> Iterator[tuple]:
            for _, a in self._completions():
                o = h.opportunities[a.opportunity]
                yield (
                    self.user_ids[a.advocate], "participation_completed",
                    f"Thank you for “{o.title}”! {o.points:,} points were added.",
                    "main.dashboard", {}, a.marked_at,
                    None if a.marked_at > recent else a.marked_at + timedelta(days=1),
                )  # fmt: skip

        self.out.write(
            "notification",
            ["user_id", "kind", "message", "endpoint", "endpoint_args", "created_at", "read_at"],
            notifications(),
        )

    def _points_moments(self) -> Iterator[tuple[int, int, datetime]]:
        """(advocate index, points, moment) of every entry written by `_ledger`."""
        h = self.h
        for _, a in self._completions():
            yield a.advocate, h.opportunities[a.opportunity].points, a.marked_at
        for award in h.awards:
            yield award.advocate, award.points, award.at
        for correction in h.corrections:
            award = h.awards[correction.award]
            yield award.advocate, -award.points, correction.at

    def _tier_events(self) -> None:
        """Each advocate's moments in time order, through the tier rules (see the module doc)."""
        h = self.h
        all_tiers = tiers.all_tiers()
        tier_ids = {tier.name: tier.id for tier in all_tiers}
        onboard, mark, award_, correct, invite, visit = (
            Step.ONBOARD, Step.MARK, Step.AWARD, Step.CORRECT, Step.INVITE, Step.VISIT
        )  # fmt: skip
        # advocate index -> [(moment, step, number, points or tier name)]; (moment,
        # step, number) is unique, so they sort in the order of History.timeline.
        moments: dict[int, list[tuple]] = defaultdict(list)
        for number, person in enumerate(h.people):
            if person.onboarded_at is not None:
                moments[number].append((person.onboarded_at, onboard, number, 0))
        for number, a in self._completions():
            points = h.opportunities[a.opportunity].points
            moments[a.advocate].append((a.marked_at, mark, number, points))
        for number, award in enumerate(h.awards):
            moments[award.advocate].append((award.at, award_, number, award.points))
        for number, correction in enumerate(h.corrections):
            award = h.awards[correction.award]
            moments[award.advocate].append((correction.at, correct, number, -award.points))
        for number, invitation in enumerate(h.invitations):
            moments[invitation.advocate].append((invitation.at, invite, number, invitation.tier))
        for number, tier_visit in enumerate(h.visits):
            moments[tier_visit.advocate].append((tier_visit.at, visit, number, 0))

        first_id = self.out.next_id("tier_event")
        self.current_tier: dict[int, int] = {}
        opted_in, invited = TierEventKind.OPTED_IN.value, TierEventKind.INVITED.value
        changes_for, manager_id = tiers.changes_for, self.manager_id

        def events() -> Iterator[tuple]:
            event_id = first_id
            for advocate, items in moments.items():
                user_id = self.user_ids[advocate]
                items.sort()
                states = {tier.id: tiers.TierState(tier) for tier in all_tiers}
                points = 0
                for at, step, _, change in items:
                    if step is onboard:
                        joining = tiers.joining_tier(states)
                        if joining is not None:
                            joining.opted_in = True
                            yield (event_id, user_id, joining.tier.id, opted_in, at, None)
                            event_id += 1
                    elif step is invite:
                        state = states[tier_ids[change]]
                        if state.can_be_invited(points):
                            state.invited = True
                            yield (event_id, user_id, state.tier.id, invited, at, manager_id)
                            event_id += 1
                    elif step is visit:
                        for tier in tiers.offered_tiers(states, points):
                            states[tier.id].opted_in = True
                            yield (event_id, user_id, tier.id, opted_in, at, None)
                            event_id += 1
                    else:
                        points += change
                        for event in changes_for(states, points, at):
                            yield (event_id, user_id, event.tier.id, event.kind.value, at, None)
                            event_id += 1
                held = tiers.held_tier(states)
                if held is not None:
                    self.current_tier[user_id] = held.id

        self.out.write(
            "tier_event", ["id", "advocate_id", "tier_id", "kind", "at", "by_id"], events()
        )

    def _profiles(self) -> None:
        self.out.write(
            "advocate_profile",
            [
                "user_id",
                "bio",
                "max_asks_per_quarter",
                "quiet_until",
                "show_on_leaderboard",
                "onboarded_at",
                "current_tier_id",
            ],
            (
                (
                    user_id,
                    p.bio,
                    p.max_asks_per_quarter,
                    None,
                    p.show_on_leaderboard,
                    p.onboarded_at,
                    self.current_tier.get(user_id),
                )
                for user_id, p in zip(self.user_ids, self.h.people, strict=True)
            ),
        )
        people = list(zip(self.user_ids, self.h.people, strict=True))
        # "Public profile" as the welcome step grants it (permissions.set_public_profile).
        public = [
            (user_id, p.onboarded_at or p.created_at) for user_id, p in people if p.public_profile
        ]
        mapped = [asset.value for asset in permissions.PUBLIC_PROFILE_ASSETS]
        self.out.write(
            "usage_consent",
            ["user_id", "asset", "channel", "granted", "expires_on", "changed_at"],
            ((user_id, a, "showcase", True, None, at) for user_id, at in public for a in mapped),
        )
        self.out.write(
            "usage_consent_change",
            [
                "user_id",
                "asset",
                "channel",
                "was_granted",
                "was_expires_on",
                "granted",
                "expires_on",
                "changed_by_id",
                "changed_at",
            ],
            (
                (user_id, a, "showcase", False, None, True, None, user_id, at)
                for user_id, at in public
                for a in mapped
            ),
        )
        self.out.write(
            "advocate_open_type",
            ["user_id", "type"],
            ((user_id, kind) for user_id, p in people for kind in p.open_types),
        )
        self.out.write(
            "advocate_product",
            ["user_id", "product_id"],
            ((user_id, self.product_ids[name]) for user_id, p in people for name in p.products),
        )

    def _standings(self) -> None:
        """Per-period sums of the entries, with what the ledger copies onto standings."""
        sums = ledger.period_sums(
            (self.user_ids[advocate], points, at) for advocate, points, at in self._points_moments()
        )
        details = ledger.standing_details_of_advocates()
        self.out.write(
            "standing",
            ["advocate_id", "period", "points", "visible", "account_id", "industry", "region"],
            (
                (
                    advocate_id,
                    period,
                    points,
                    details[advocate_id]["visible"],
                    details[advocate_id]["account_id"],
                    details[advocate_id]["industry"],
                    details[advocate_id]["region"],
                )
                for (advocate_id, period), points in sums.items()
            ),
        )
        ledger.rebuild_scores()
        score = db.metadata.tables["standing_score"]
        self.out.counts["standing_score"] = self.out.connection.scalar(
            sa.select(sa.func.count()).select_from(score)
        )

    def _asks(self) -> None:
        """Past asks (counted against caps, read by matching's fairness) and each
        advocate's ReferenceRecord: how many they answered, and how fast."""
        asked_at_quarter = clock.quarter_key
        self.out.write(
            "ask",
            [
                "advocate_id", "kind", "topic", "subject", "opportunity_id", "asked_by_id",
                "asked_at", "quarter", "answer", "answered_at",
            ],
            (
                (
                    self.user_ids[a.advocate], AskKind.REFERENCE_REQUEST.value, a.topic,
                    "Reference for a prospect", None, self.manager_id, a.at,
                    asked_at_quarter(a.at),
                    None if a.answered_after is None
                    else (AskAnswer.ACCEPTED if a.accepted else AskAnswer.DECLINED).value,
                    None if a.answered_after is None
                    else a.at + timedelta(seconds=a.answered_after),
                )
                for a in self.h.asks
            ),
        )  # fmt: skip
        answered: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for a in self.h.asks:
            if a.answered_after is not None:
                record = answered[self.user_ids[a.advocate]]
                record[0] += 1
                record[1] += a.answered_after
        self.out.write(
            "reference_record",
            ["advocate_id", "answered", "answer_seconds", "held", "last_held_at"],
            ((advocate_id, n, seconds, 0, None) for advocate_id, (n, seconds) in answered.items()),
        )

    def _unread_counts(self) -> None:
        """The count kept on each user (notifications.services keeps it afterwards)."""
        self.out.connection.execute(
            sa.text(
                'UPDATE "user" SET unread_notifications = counts.unread FROM '
                "(SELECT user_id, count(*) AS unread FROM notification "
                "WHERE read_at IS NULL GROUP BY user_id) AS counts "
                'WHERE counts.user_id = "user".id'
            )
        )


def _refuse_a_second_load(writer: _TableWriter) -> None:
    user = db.metadata.tables["user"]
    if writer.connection.scalar(
        sa.select(sa.func.count()).select_from(user).where(user.c.email == MANAGER_EMAIL)
    ):
        raise AlreadyLoaded("Bulk data is already loaded here: use an empty database.")


def seed_bulk(plan: BulkPlan, *, log: Callable[[str], None] = lambda _: None) -> BulkResult:
    """Plan a history of this size and write it into the session's transaction (not committed).

    Raises AlreadyLoaded when this database already has bulk data.
    """
    if plan.advocates < 1 or plan.ledger < 0:
        raise PortalError("Ask for at least one advocate and no negative ledger size.")
    started = time.perf_counter()
    _refuse_a_second_load(_TableWriter())
    history = plan_history(plan, utcnow())
    log(f"  plan: {time.perf_counter() - started:.1f}s")
    counts = write_history(history, log=log)
    return BulkResult(counts=counts, seconds=time.perf_counter() - started)
