"""Realistic demo data: companies, ~200 advocates with a year of history, ~40 opportunities.

The demo is a year of history replayed through the services, each step at
its own moment (`db.replaying_at`), so it obeys every rule as real use does
and nothing in it is dated after the moment it was loaded:

- advocates join through `people.add_advocate` and the welcome step
  (`profiles.complete_onboarding`, which puts them in the entry tier);
- opportunities are posted, published, closed or cancelled through `posting`;
- advocates apply through `participation.apply` (eligibility, first-come
  seats, the waitlist), managers decide with `participation.decide` before
  the start and mark completions and no-shows after it, so seats and
  participation awards come from `opportunities.seats` and the ledger;
- other points are manual awards (`ledger.award_manual`); after earning,
  advocates visit their Tiers page and join some of what it offers
  (`tiers.progress_for`, `tiers.opt_in`); badges are saved first and
  awarded as they are earned.

The demo sets no status, seat count, award key or tier itself. A fixed
random seed makes it the same every time.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import sqlalchemy as sa

from portal import clock
from portal.advocates import accounts, employment, notes, permissions, profiles, visibility
from portal.advocates.models import (
    ConsentAsset,
    ConsentChannel,
    Industry,
    Product,
    Region,
    SizeBand,
)
from portal.advocates.people import add_advocate
from portal.audit import trail
from portal.auth import services as auth
from portal.auth.models import Role, User
from portal.db import replaying_at, utcnow
from portal.errors import NotEligible
from portal.extensions import db
from portal.notifications.models import Notification
from portal.opportunities import participation as taking_part
from portal.opportunities import posting, queues
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.privacy import erasure
from portal.recognition import badges, ledger, tiers
from portal.recognition.models import PointsEntry, Tier
from portal.references import demo as reference_demo
from portal.referrals import services as referrals
from portal.referrals.models import ReferralStage
from portal.stories import services as stories
from portal.transfer import importer, reading

QUOTES = [
    "Our month-end close went from five days to one.",
    "The product team actually listens: our feature requests ship.",
    "We retired three tools and nobody misses them.",
    "Onboarding new analysts takes an afternoon now.",
]
PEERS = [
    ("Sam Okafor", "Initrode Systems", "VP Operations"),
    ("Lena Fischer", "Brightwater Foods", "Head of Analytics"),
    ("Marco Ruiz", "Pinecrest Clinics", "CIO"),
    ("Aiko Tanaka", "Lumen Freight", "Director of Data"),
    ("Priya Nair", "Harbor Credit Union", "CTO"),
    ("Tom Becker", "Vantage Retail Group", "BI Lead"),
    ("Nadia Haddad", "Cobalt Energy Partners", "Head of Platform"),
    ("Owen Price", "Meridian Schools Trust", "IT Director"),
]
REFERRAL_PATHS = [
    (ReferralStage.CONTACTED, ReferralStage.QUALIFIED, ReferralStage.WON),
    (ReferralStage.CONTACTED, ReferralStage.LOST),
    (ReferralStage.CONTACTED, ReferralStage.QUALIFIED),
    (ReferralStage.CONTACTED,),
]
REFERRAL_REASON = (
    "They still reconcile reports by hand every month; our dashboards would save their team days."
)
NEW_COMPANIES = ["Solstice Biotech", "Ridgeway Logistics"]
NEW_TITLES = ["Head of Data", "Director of Analytics", "VP Engineering", "Chief Data Officer"]

DEMO_PASSWORD = "tryout-2026-portal"
# What a CRM export brought in a month ago: three new people at two customers.
CRM_FILE = (
    "First Name,Last Name,Email,Title,Account Name,Account ID,Industry,Region,Employees\r\n"
    "Priya,Natarajan,priya.natarajan@northwind.example,Head of BI,Northwind Bank,"
    "CRM-1000,,,\r\n"
    "Tomás,Ibarra,tomas.ibarra@northwind.example,Data Engineer,Northwind Bank,"
    "CRM-1000,,,\r\n"
    "Ingrid,Solberg,ingrid.solberg@tidalpower.example,CIO,Tidal Power,CRM-1020,,,\r\n"
)
DEMO_LOGINS = {
    "advocate@example.com": ("Avery Advocate", Role.ADVOCATE),
    "manager@example.com": ("Morgan Manager", Role.MANAGER),
    "admin@example.com": ("Alex Admin", Role.ADMIN),
    "requester@example.com": ("Riley Requester", Role.REQUESTER),
}

PRODUCTS = [
    "Atlas Analytics",
    "Beacon CRM",
    "Cobalt Workflows",
    "Drift Data Pipelines",
    "Ember Security",
    "Flux Mobile SDK",
]

COMPANY_WORDS = [
    ("Northwind", "Bank"), ("Harbor", "Health"), ("Bluebell", "Retail"), ("Ironclad", "Works"),
    ("Civic", "Services"), ("Maple", "University"), ("Quanta", "Systems"), ("Lumen", "Studios"),
    ("Solstice", "Energy"), ("Relay", "Telecom"), ("Swift", "Logistics"), ("Keystone", "Advisory"),
    ("Silverline", "Insurance"), ("Cedar", "Clinics"), ("Pinecrest", "Markets"),
    ("Forge", "Industries"), ("Meridian", "County"), ("Summit", "Academy"), ("Vertex", "Labs"),
    ("Aurora", "Media"), ("Tidal", "Power"), ("Signal", "Networks"), ("Cargo", "Line"),
    ("Granite", "Partners"), ("Orchid", "Capital"), ("Evergreen", "Pharma"),
    ("Lattice", "Commerce"), ("Anvil", "Manufacturing"), ("Beacon", "City"),
    ("Horizon", "College"), ("Nimbus", "Cloud"), ("Prism", "Broadcasting"),
    ("Windward", "Utilities"), ("Waveform", "Mobile"), ("Compass", "Freight"), ("Ledger", "Legal"),
]  # fmt: skip

FIRST_NAMES = (
    "Aisha Ben Carla Dmitri Elena Farah Gustavo Hana Ivan Jade Kofi Lena Mateo Nora Omar Priya "
    "Quinn Rosa Sven Tara Umar Vera Wei Ximena Yusuf Zoe Amara Bruno Chloe Diego Esther Felix "
    "Grace Hugo Ines Jonas Keiko Liam Mina Nikhil"
).split()
LAST_NAMES = (
    "Okafor Lindqvist Moreau Tanaka Schmidt Haddad Rossi Novak Fernandes Kowalski Nguyen "
    "O'Brien Mensah Petrov Silva Johansson Dubois Kim Patel Garcia Müller Andersen Costa "
    "Yamamoto Walsh Cohen Reyes Singh Larsen Abara"
).split()
TITLES = [
    "Head of Data", "VP Engineering", "Director of IT", "CRM Lead", "Security Architect",
    "Analytics Manager", "Product Owner", "CTO", "Platform Engineer", "Operations Director",
    "Digital Transformation Lead", "Data Scientist", "Head of Customer Experience",
]  # fmt: skip

OPPORTUNITY_IDEAS = {
    OpportunityType.SPEAKING_PANEL: [
        "Panel: Scaling analytics without scaling headcount",
        "Panel: Security teams and developers on the same side",
        "Keynote panel: What we learned moving to the cloud",
        "Panel: Data pipelines that survive audit season",
        "Panel: Women in data leadership",
        "Panel: Analytics in the public sector",
    ],
    OpportunityType.ADVISORY_BOARD: [
        "Customer Advisory Board: spring session",
        "Customer Advisory Board: product roadmap review",
        "Security Advisory Council",
    ],
    OpportunityType.MEDIA_INTERVIEW: [
        "Trade press interview on modern CRM",
        "Analyst briefing: workflow automation market",
        "Podcast: customer stories from the field",
    ],
    OpportunityType.CASE_STUDY: [
        "Case study: cutting reporting time in half",
        "Case study: a year with Ember Security",
        "Video case study: mobile-first service",
    ],
    OpportunityType.WEBINAR: [
        "Webinar: building dashboards executives read",
        "Webinar: zero-downtime migrations",
        "Webinar: automation recipes that stick",
        "Webinar: privacy by design in mobile apps",
        "Webinar: CRM hygiene in ten minutes a week",
        "Webinar: from spreadsheets to pipelines",
    ],
    OpportunityType.REVIEW: [
        "Share your experience on a software review site",
        "Review the new Atlas Analytics release",
        "Peer review round for Beacon CRM",
    ],
    OpportunityType.BETA: [
        "Early access: Cobalt Workflows AI assistant",
        "Beta: Drift streaming connectors",
        "Early access: Flux offline sync",
        "Beta: Ember policy simulator",
    ],
    OpportunityType.EVENT: [
        "Customer summit in Lisbon",
        "Regional user group: Chicago",
        "Executive dinner: Singapore",
        "User conference: community day",
        "Regional user group: Berlin",
    ],
    OpportunityType.RESEARCH_INTERVIEW: [
        "User research: onboarding new analysts",
        "User research: admin console redesign",
        "User research: mobile notifications",
        "User research: reporting workflows",
        "User research: security alerts triage",
    ],
}

PLACES = [
    "Lisbon, Congress Centre", "Chicago, Riverside Hall", "Singapore, Marina Suites",
    "London, Kings Place", "Berlin, Kulturbrauerei", "Toronto, Harbourfront",
    "Sydney, Darling Harbour", "São Paulo, Vila Olímpia",
]  # fmt: skip


# The program started a while before the demo is loaded: a year of history and some.
PROGRAM_AGE = timedelta(days=400)
# The demo advocate joins Insider when offered, and none of the tiers above it.
AVERY_TIERS = {"Insider"}
NOTES = ["", "Happy to help!", "I have a great story for this."]


def demo_loaded() -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(User.email == "manager@example.com")) is not None
    )


def seed_demo(
    rng: random.Random | None = None, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Load the demo data once; returns counts of what was created (empty if loaded).

    `progress` is told what is being loaded as it goes (the command prints it).
    """
    if demo_loaded():
        return {}
    demo = _Demo(rng or random.Random(2026), utcnow(), progress or (lambda _message: None))
    demo.load()
    return {
        "accounts": len(demo.accounts),
        "advocates": len(demo.people),
        "opportunities": len(demo.postings),
        "ledger entries": db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)),
    }


def demo_api_token() -> str:
    """A token of the demo admin with every scope, for trying the API; returns its secret."""
    from portal.api import tokens

    admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    _token, secret = tokens.create_token(
        admin,
        tokens.TokenRequest(
            name="Demo integration",
            scopes=tokens.scopes_for(admin),
            expires_at=utcnow() + timedelta(days=90),
        ),
    )
    return secret


class _Timeline:
    """Steps run in time order, each as if it were its moment (and never after now).

    A step may add later ones: an application brings its decision, points
    bring a visit to the Tiers page.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def add(self, moment: datetime, step: Callable[[], None]) -> None:
        heapq.heappush(self._steps, (min(moment, self.now), next(self._order), step))

    def run(self, progress: Callable[[str], None]) -> None:
        done, told = 0, 0
        while self._steps:
            moment, _, step = heapq.heappop(self._steps)
            with replaying_at(moment):
                step()
            done += 1
            share = 100 * done // (done + len(self._steps))
            if share >= told + 25:
                told = share - share % 25
                progress(f"a year of activity replayed through the rules: {told}%")


@dataclass
class _Posting:
    """One opportunity of the demo: what it is, what becomes of it, who tries to apply."""

    data: posting.OpportunityData
    state: OpportunityState  # where it ends up
    is_past: bool
    to_approve: int
    candidates: Iterator[User]
    opportunity: Opportunity = field(init=False)
    approved: int = 0


class _Demo:
    def __init__(self, rng: random.Random, now: datetime, progress: Callable[[str], None]) -> None:
        self.rng = rng
        self.progress = progress
        self.now = now
        self.began = now - PROGRAM_AGE
        self.timeline = _Timeline(now)
        self.leaving: set[int] = set()
        self.postings: list[_Posting] = []
        self.tier_choices: dict[tuple[int, int], bool] = {}
        # References draw from their own generator: the rest of the demo stays the same.
        self.reference_rng = random.Random(1729)

    def load(self) -> None:
        self.progress("staff, products, companies and badges")
        with replaying_at(self.began):
            staff = _staff()
            self.manager = staff["manager@example.com"]
            self.products = _products()
            # Accounts split between two owners, so the program page compares them.
            self.accounts = _accounts(self.rng, (self.manager, staff["admin@example.com"]))
            _badges(self.manager)  # saved first, so they are awarded as they are earned
            self.topics = reference_demo.add_topics()
            self.progress("advocates and their profiles")
            self.people = self._advocates()
        self.avery = self.people[0]
        self.active = [user for user in self.people if user.id not in self.leaving]
        self._plan_opportunities()
        self._plan_awards()
        self._plan_stories()
        reference_demo.plan(
            self.timeline.add,
            self.reference_rng,
            self.now,
            staff["requester@example.com"],
            self.manager,
            self.topics,
        )
        self._plan_consents()
        self._plan_referrals()
        self._plan_moves()
        self._plan_notes()
        self.timeline.run(self.progress)
        self.progress("badges for the periods that ended")
        with replaying_at(self.now):
            # Judge the periods that ended (top of a quarter), as `flask badges recompute` does.
            badges.recompute()
        # People read their notifications as they come; the last fortnight's are new.
        db.session.execute(
            sa.update(Notification)
            .where(Notification.created_at < self.now - timedelta(days=14))
            .values(read_at=Notification.created_at)
            .execution_options(synchronize_session=False)
        )
        self._data_in_and_out(staff["admin@example.com"])
        for user in [*staff.values(), *self.people]:
            user.email_verified_at = user.created_at
        db.session.flush()

    # --- data in and out --------------------------------------------------------

    def _data_in_and_out(self, admin: User) -> None:
        """A CRM import a month ago, an export since, and one person leaving the program."""
        with replaying_at(self.now - timedelta(days=31)):
            upload = importer.upload(
                CRM_FILE.encode("utf-8-sig"), "salesforce-contacts.csv", by=self.manager
            )
            upload.mapping = reading.check_mapping(upload.mapping, upload.headers)
            importer.run(upload, apply=False, by_id=self.manager.id)
        with replaying_at(self.now - timedelta(days=30)):
            importer.run(upload, apply=True, by_id=self.manager.id)
        with replaying_at(self.now - timedelta(days=9)):
            trail.record(
                "export.downloaded",
                "export",
                None,
                by_id=self.manager.id,
                details={"kind": "ledger", "filters": {"since": "2026-07-01"}},
            )
        leaving = self.people[-1]
        with replaying_at(self.now - timedelta(days=3)):
            erasure.request_deletion(leaving, by=admin, reference="Email of three days ago")

    # --- people --------------------------------------------------------------

    def _advocates(self) -> list[User]:
        """Added by staff and through the welcome step on the program's first day."""
        rng = self.rng
        name, _ = DEMO_LOGINS["advocate@example.com"]
        avery = add_advocate(
            name=name, email="advocate@example.com", account=self.accounts[0], title="Head of Data"
        )
        auth.set_password(avery, DEMO_PASSWORD)
        people = [avery]
        seen = {"advocate@example.com"}
        while len(people) < 200:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = (
                f"{first}.{last}".lower().replace("'", "").replace("ü", "u") + "@customers.example"
            )
            if email in seen:
                continue
            seen.add(email)
            people.append(
                add_advocate(
                    name=f"{first} {last}",
                    email=email,
                    account=rng.choice(self.accounts),
                    title=rng.choice(TITLES),
                )
            )
        today = self.now.astimezone(clock.program_tz()).date()
        for index, user in enumerate(people):
            job = employment.current_employment(user.id)
            # When they began there, before they joined (no service back-dates a job).
            job.started_on = clock.today() - timedelta(days=rng.randint(0, 2600))
            closed = set(rng.sample(list(OpportunityType), rng.randint(0, 3))) if index else set()
            area = rng.choice(["analytics", "platform", "security", "CRM", "operations"])
            choices = profiles.ProfileChoices(
                name=user.name,
                title=job.title,
                bio=(
                    f"{user.name.split()[0]} leads {area} work and has used our products "
                    f"for {rng.randint(1, 8)} years."
                ),
                product_ids=[p.id for p in rng.sample(self.products, rng.randint(1, 3))],
                open_types=[t.value for t in OpportunityType if t not in closed]
                + reference_demo.open_kinds(self.reference_rng),
                max_asks_per_quarter=rng.choice([2, 3, 3, 4, 6]),
                quiet_until=None,
                show_on_leaderboard=index == 0 or rng.random() < 0.85,
                public_profile=index == 0 or rng.random() < 0.45,
            )
            if index and rng.random() < 0.06:
                choices.quiet_until = today + timedelta(days=rng.randint(5, 60))
            profiles.complete_onboarding(user, choices)
            if index and rng.random() < 0.03:  # leaves the program later, having done nothing
                self.leaving.add(user.id)
                left = self.began + timedelta(days=rng.randint(1, 300))
                self.timeline.add(left, partial(auth.deactivate, user))
        return people

    # --- opportunities and taking part ------------------------------------------

    def _plan_opportunities(self) -> None:
        """22 in the past year, 16 upcoming; every type and every state."""
        rng, now = self.rng, self.now
        tier_by_name = {t.name: t for t in db.session.scalars(sa.select(Tier))}
        pool = [user for user in self.active if user is not self.avery]
        ideas = []
        for kind, titles in OPPORTUNITY_IDEAS.items():
            for index, title in enumerate(titles):
                past = index % 2 == 0 if len(titles) > 2 else index == 0
                offset = -rng.randint(10, 350) if past else rng.randint(6, 80)
                ideas.append((kind, title, offset))
        for number, (kind, title, offset) in enumerate(ideas):
            start = _local(now, offset, rng.choice([9, 10, 14, 16]))
            hours = (
                72 if kind in (OpportunityType.EVENT, OpportunityType.BETA) else rng.choice([1, 2])
            )
            in_person = kind in (OpportunityType.EVENT, OpportunityType.ADVISORY_BOARD)
            data = posting.OpportunityData(
                type=kind,
                title=title,
                summary=f"{kind.label} for customers who want to share what works.",
                description=_description(kind),
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                timezone=clock.program_tz().key,
                is_online=not in_person,
                location=rng.choice(PLACES) if in_person else "Online (video call)",
                seats=rng.choice([3, 4, 5, 6, 8, 10, 12]),
                application_deadline=start - timedelta(days=3),
                points=None,  # what its type is worth (posting.default_points)
                approval_mode=ApprovalMode.FIRST_COME
                if kind in (OpportunityType.WEBINAR, OpportunityType.REVIEW, OpportunityType.BETA)
                else ApprovalMode.REVIEW,
                min_tier_id=tier_by_name["Champion"].id
                if kind == OpportunityType.ADVISORY_BOARD and offset > 0
                else (tier_by_name["Insider"].id if number % 9 == 4 else None),
                industries=[rng.choice(Industry.known()).value] if number % 7 == 3 else [],
                regions=[rng.choice(Region.known()).value] if number % 11 == 5 else [],
                topic_ids=[t.id for t in self.reference_rng.sample(self.topics, 2)],
                product_ids=[rng.choice(self.products).id] if kind == OpportunityType.BETA else [],
            )
            if offset > 0 and number % 8 == 1:
                state = OpportunityState.DRAFT
            elif number % 17 == 8:
                state = OpportunityState.CANCELLED
            elif offset < 0 or number % 10 == 7:
                state = OpportunityState.CLOSED
            else:
                state = OpportunityState.PUBLISHED
            is_past = start < now
            # Past ones filled up; upcoming ones still have seats and a queue to review.
            to_approve = data.seats if is_past else data.seats // 2
            plan = _Posting(data, state, is_past, to_approve, iter(rng.sample(pool, len(pool))))
            self.postings.append(plan)
            self._plan_posting(plan)
        self.timeline.add(now - timedelta(hours=1), self._open_application)

    def _plan_posting(self, plan: _Posting) -> None:
        rng, now, data = self.rng, self.now, plan.data
        posted = min(data.starts_at - timedelta(days=30), now - timedelta(days=rng.randint(3, 10)))
        self.timeline.add(posted, lambda: self._post(plan))
        if plan.state == OpportunityState.DRAFT:
            return
        published = posted + timedelta(hours=2)
        self.timeline.add(published, lambda: posting.publish(plan.opportunity))
        if plan.state == OpportunityState.CANCELLED:
            self.timeline.add(published + timedelta(days=1), lambda: self._cancel(plan))
            return
        if plan.is_past:
            self.timeline.add(data.application_deadline, lambda: posting.close(plan.opportunity))
            self.timeline.add(data.ends_at, lambda: self._mark(plan))
        elif plan.state == OpportunityState.CLOSED:
            self.timeline.add(now - timedelta(minutes=10), lambda: posting.close(plan.opportunity))
        applicants = min(len(self.active) - 1, data.seats + rng.randint(0, 6))
        if not plan.is_past and data.approval_mode == ApprovalMode.FIRST_COME:
            applicants = plan.to_approve
        if plan.is_past:
            times = sorted(
                data.starts_at - timedelta(days=rng.randint(5, 25), seconds=rng.randrange(86400))
                for _ in range(applicants)
            )
        else:
            opens = published + timedelta(hours=1)
            span = int((now - timedelta(hours=2) - opens).total_seconds())
            times = sorted(
                opens + timedelta(seconds=rng.randrange(span)) for _ in range(applicants)
            )
        if plan.is_past and rng.random() < 0.5 and times:
            # The demo advocate applies first, so they have a year of history.
            self.timeline.add(times[0] - timedelta(hours=1), lambda: self._apply(plan, self.avery))
        for at in times:
            self.timeline.add(at, lambda: self._apply(plan))

    def _post(self, plan: _Posting) -> None:
        plan.opportunity = posting.create_opportunity(plan.data, by=self.manager)

    def _cancel(self, plan: _Posting) -> None:
        posting.cancel(plan.opportunity, message="We are rescheduling; watch this space.")

    def _apply(self, plan: _Posting, advocate: User | None = None) -> None:
        """The next advocate who may take part applies (first come: a seat, or the waitlist)."""
        opportunity = plan.opportunity
        for candidate in [advocate] if advocate else plan.candidates:
            try:
                applied = taking_part.apply(
                    opportunity, candidate, note=self.rng.choice(NOTES), join_waitlist=plan.is_past
                )
            except NotEligible:
                continue  # the page wouldn't have offered it: the next one tries
            if opportunity.approval_mode == ApprovalMode.REVIEW:
                decided = min(utcnow() + timedelta(days=1), self.now - timedelta(minutes=30))
                self.timeline.add(decided, partial(self._review, plan, applied))
            return

    def _review(self, plan: _Posting, applied: Participation) -> None:
        """Approve while seats are planned; the rest wait (past) or stay in the queue."""
        if applied.status != ParticipationStatus.APPLIED:
            return
        if plan.approved < plan.to_approve:
            taking_part.decide(applied, taking_part.Decision.APPROVE, by=self.manager)
            plan.approved += 1
        elif plan.is_past:
            taking_part.decide(applied, taking_part.Decision.WAITLIST, by=self.manager)

    def _mark(self, plan: _Posting) -> None:
        """After it ended: most approved advocates took part, a few didn't show up."""
        for taking in queues.participants(plan.opportunity):
            if taking.status != ParticipationStatus.APPROVED:
                continue
            if self.rng.random() < 0.9:
                taking_part.mark_completed(taking, by=self.manager)
                self._after_points(taking.advocate_id)
            else:
                taking_part.mark_no_show(taking, by=self.manager)

    def _open_application(self) -> None:
        """An open application from the demo advocate, so their dashboard shows one."""
        upcoming = [
            o
            for o in (plan.opportunity for plan in self.postings)
            if o.starts_at > self.now
            and o.state == OpportunityState.PUBLISHED
            and o.min_tier_id is None
            and not o.industries
            and not o.regions
            and not o.products
            and not o.is_full
        ]
        # One a manager still has to review, if there is one.
        upcoming.sort(key=lambda o: o.approval_mode != ApprovalMode.REVIEW)
        if upcoming:
            taking_part.apply(upcoming[0], self.avery, note="Looking forward to it!")

    # --- points and tiers -------------------------------------------------------

    def _plan_awards(self) -> None:
        """Manual awards for things outside opportunities, spread over the year."""
        rng, now = self.rng, self.now
        reasons = [
            "Answered questions in the community forum",
            "Hosted a customer meetup",
            "Wrote a guest blog post",
            "Helped test the new onboarding",
        ]
        for number in range(400):
            advocate = rng.choice(self.active)
            points = rng.choice([25, 50, 50, 75, 100])
            reason = rng.choice(reasons)
            at = now - timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 23))
            self.timeline.add(at, partial(self._award, advocate, points, reason, f"demo-{number}"))

    def _award(self, advocate: User, points: int, reason: str, token: str) -> None:
        ledger.award_manual(advocate.id, points, reason=reason, by_id=self.manager.id, token=token)
        self._after_points(advocate.id)

    def _after_points(self, advocate_id: int) -> None:
        """Within a few days the advocate looks at their Tiers page."""
        later = utcnow() + timedelta(hours=self.rng.randint(1, 72))
        self.timeline.add(later, partial(self._visit, advocate_id))

    def _visit(self, advocate_id: int) -> None:
        """Join what the Tiers page offers; most people take a tier, once they decide."""
        offered = tiers.progress_for(advocate_id, ledger.total_for(advocate_id)).can_opt_in
        for tier in offered:
            key = (advocate_id, tier.id)
            if key not in self.tier_choices:
                self.tier_choices[key] = (
                    tier.name in AVERY_TIERS
                    if advocate_id == self.avery.id
                    else self.rng.random() < 0.8
                )
            if self.tier_choices[key]:
                tiers.opt_in(advocate_id, tier, accepted=True)

    # --- stories ----------------------------------------------------------------

    def _plan_stories(self) -> None:
        """Stories of the last weeks: two published after a manager's review, two waiting."""
        shown = visibility.public_uses([user.id for user in self.active])
        public = [user for user in self.active if ConsentAsset.STORIES in shown[user.id]]
        for index, (title, body) in enumerate(STORIES):
            written = self.now - timedelta(days=40 - 10 * index)
            author = public[index * 3 % len(public)]
            self.timeline.add(written, partial(self._story, author, title, body, index < 2))
        body = (
            "We paired **Cobalt Workflows** templates with a buddy system; new engineers "
            "shipped on day three."
        )
        title = "Onboarding 40 engineers in a week"
        self.timeline.add(
            self.now - timedelta(days=3), partial(self._story, public[-1], title, body, False)
        )

    def _plan_notes(self) -> None:
        """What the program team noted about the demo advocate (staff only)."""
        for days, text in (
            (120, "Prefers speaking slots in the morning (Europe); happy to mentor new members."),
            (35, "Asked us not to schedule anything in the last week of the quarter."),
        ):
            note = partial(notes.add_note, self.avery, text, author=self.manager)
            self.timeline.add(self.now - timedelta(days=days), note)

    def _story(self, author: User, title: str, body: str, is_published: bool) -> None:
        story = stories.write(author, title=title, body=body)
        if is_published:
            decide = partial(
                stories.decide, story, approve=True, by=self.manager, note="Thank you for sharing!"
            )
            self.timeline.add(utcnow() + timedelta(days=2), decide)

    # --- consent, referrals, moves ---------------------------------------------------

    def _plan_consents(self) -> None:
        """Some public advocates allow more uses (a few until a date); one withdrew one."""
        shown = visibility.public_uses([user.id for user in self.active])
        public = [user for user in self.active if shown[user.id]]
        for index, user in enumerate(public[:40]):
            at = self.now - timedelta(days=self.rng.randint(20, 120))
            self.timeline.add(at, partial(self._widen_consent, user, index))
        if public:
            self.timeline.add(
                self.now - timedelta(days=4), partial(self._withdraw_press, public[0])
            )

    def _widen_consent(self, user: User, index: int) -> None:
        A, C = ConsentAsset, ConsentChannel
        wanted = dict(permissions.grid_of(user.id))
        until = clock.today() + timedelta(days=25) if index % 9 == 4 else None
        for pair in [(A.LOGO, C.SHOWCASE), (A.QUOTES, C.SHOWCASE), (A.STORIES, C.WEBSITE)]:
            wanted[pair] = permissions.Switch(True, until)
        if index % 3 == 0:
            wanted[(A.STORIES, C.PRESS)] = permissions.Switch(True)
            wanted[(A.QUOTES, C.SALES)] = permissions.Switch(True)
        user.profile.quote = self.rng.choice(QUOTES)
        permissions.change_grid(user, wanted, by=user)

    def _withdraw_press(self, user: User) -> None:
        wanted = dict(permissions.grid_of(user.id))
        wanted[(ConsentAsset.STORIES, ConsentChannel.PRESS)] = permissions.Switch(False)
        permissions.change_grid(user, wanted, by=user)

    def _plan_referrals(self) -> None:
        """Peers referred over the last months, moved on by the manager: won, lost, open."""
        referrers = [self.avery, *self.rng.sample(self.active[1:], len(PEERS) - 1)]
        for index, (peer, referrer) in enumerate(zip(PEERS, referrers, strict=True)):
            at = self.now - timedelta(days=150 - index * 11)
            self.timeline.add(at, partial(self._refer, referrer, peer, index))

    def _refer(self, referrer: User, peer: tuple[str, str, str], index: int) -> None:
        name, company, role = peer
        email = f"{name.split()[0].lower()}@{company.split()[0].lower()}.example"
        referral = referrals.refer(
            referrer,
            referrals.PeerDetails(
                name, email, company, role, REFERRAL_REASON, True, send_introduction=index % 2 == 0
            ),
        )
        path = REFERRAL_PATHS[index % len(REFERRAL_PATHS)]
        for step, stage in enumerate(path, start=1):
            moment = utcnow() + timedelta(days=6 * step)
            self.timeline.add(moment, partial(self._move_referral, referral.id, stage, index))

    def _move_referral(self, referral_id: int, stage: ReferralStage, index: int) -> None:
        referrals.move(
            referral_id,
            stage,
            by=self.manager,
            lost_reason="They chose to build it in-house." if stage == ReferralStage.LOST else "",
            revenue=48_000 + 6_000 * index if stage == ReferralStage.WON else None,
        )

    def _plan_moves(self) -> None:
        """Champions who changed company: two to customers, two to new prospects."""
        movers = self.rng.sample(self.active[1:], 4)
        targets = [self.accounts[3].name, self.accounts[11].name, *NEW_COMPANIES]
        for index, (user, company) in enumerate(zip(movers, targets, strict=True)):
            at = self.now - timedelta(days=80 - index * 18)
            self.timeline.add(at, partial(self._move, user, company))

    def _move(self, user: User, company: str) -> None:
        current = employment.current_employment(user.id)
        if current is not None and current.account.name == company:
            company = next(a.name for a in self.accounts if a.id != current.account_id)
        job = employment.NewJob(company, self.rng.choice(NEW_TITLES), clock.today())
        employment.record_own_move(user, job)


def _staff() -> dict[str, User]:
    users = {}
    for email, (name, role) in DEMO_LOGINS.items():
        if role == Role.ADVOCATE:
            continue
        users[email] = auth.create_user(email, name, role, password=DEMO_PASSWORD)
    return users


def _products() -> list[Product]:
    return [accounts.add_product(name) for name in PRODUCTS]


def _accounts(rng: random.Random, owners: tuple[User, ...]):
    industries = Industry.known()
    regions = Region.known()
    result = []
    for index, (first, second) in enumerate(COMPANY_WORDS):
        result.append(
            accounts.create_account(
                name=f"{first} {second}",
                industry=industries[index % len(industries)],
                region=regions[(index * 7) % len(regions)],
                size_band=rng.choice(SizeBand.known()),
                owner_id=owners[index % 3 % len(owners)].id,
                crm_id=f"CRM-{1000 + index}",
            )
        )
    return result


def _local(now: datetime, days: int, hour: int) -> datetime:
    day = (now + timedelta(days=days)).astimezone(clock.program_tz()).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.program_tz()).astimezone(UTC)


def _description(kind: OpportunityType) -> str:
    return (
        f"## What it is\n\nA {kind.label.lower()} with peers and our product team.\n\n"
        "## What we ask\n\n- About an hour to prepare\n- Your honest experience, good and bad\n\n"
        "## What you get\n\n- Points and recognition in the program\n"
        "- Time with our product leaders\n"
    )


BADGES = [
    {
        "name": "Panel Pioneer",
        "description": "Spoke on a first panel.",
        "rule_kind": "first_of_type",
        "rule_params": {"type": "speaking_panel"},
        "color": "#4338ca",
    },
    {
        "name": "Panel Pro",
        "description": "A seasoned panelist.",
        "rule_kind": "completed_of_type",
        "rule_params": {"type": "speaking_panel", "count": 3},
        "color": "#7c3aed",
    },
    {
        "name": "Trusted Adviser",
        "description": "Shapes the roadmap on an advisory board.",
        "rule_kind": "advisory_board_member",
        "rule_params": {},
        "color": "#0f7a4a",
    },
    {
        "name": "Case Study Author",
        "description": "Told the story in detail.",
        "rule_kind": "first_of_type",
        "rule_params": {"type": "case_study"},
        "color": "#b45309",
    },
    {
        "name": "Five Hundred",
        "description": "Reached 500 points.",
        "rule_kind": "points_at_least",
        "rule_params": {"points": 500, "period": "all"},
        "color": "#be185d",
    },
    {
        "name": "Quarter Star",
        "description": "Among the top three of a quarter.",
        "rule_kind": "top_of_period",
        "rule_params": {"rank": 3, "period": "quarter"},
        "color": "#0e7490",
    },
    {
        "name": "Voice of the Customer",
        "description": "Gave five reference calls to prospects.",
        "rule_kind": "reference_calls_given",
        "rule_params": {"count": 5},
        "color": "#0f766e",
    },
    {
        "name": "Connector",
        "description": "Referred a first peer.",
        "rule_kind": "referrals_made",
        "rule_params": {"count": 1},
        "color": "#9a3412",
    },
    {
        "name": "Top Referrer",
        "description": "Referred the most peers of a quarter.",
        "rule_kind": "top_referrer",
        "rule_params": {"rank": 1, "period": "quarter"},
        "color": "#1e3a8a",
    },
]


STORIES = [
    (
        "From spreadsheets to live dashboards",
        "Our analysts spent Mondays stitching spreadsheets. "
        "With **Atlas Analytics** the board now opens a live dashboard instead, and the Monday "
        "report is gone.\n\n- 6 hours saved a week\n- one source of truth",
    ),
    (
        "Security reviews in days, not weeks",
        "We used to queue every release for a manual review. "
        "Policies in **Ember Security** now check most changes automatically, so the team reviews "
        "only what matters.",
    ),
    (
        "A CRM the sales team actually uses",
        "Adoption was our problem. We simplified the pipeline "
        "in **Beacon CRM**, and within a quarter every rep kept their deals up to date.",
    ),
]


def _badges(manager: User) -> None:
    for details in BADGES:
        badges.save_badge(None, badges.BadgeDetails(**details), by=manager)
