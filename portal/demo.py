"""Realistic demo data: companies, ~200 advocates with a year of history, ~40 opportunities.

Everything goes through the services, so the demo obeys the same rules as real
use (seats, ledger, tiers). A fixed random seed makes it the same every time.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal import clock
from portal.advocates import accounts, employment
from portal.advocates.models import Industry, OpenType, Product, Region, SizeBand
from portal.advocates.people import add_advocate
from portal.auth import services as auth
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
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
from portal.recognition import ledger, tiers
from portal.recognition.models import PointsEntry, PointsSource, Tier

DEMO_PASSWORD = "tryout-2026-portal"
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


def demo_loaded() -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(User.email == "manager@example.com")) is not None
    )


def seed_demo(rng: random.Random | None = None) -> dict[str, int]:
    """Load the demo data once; returns counts of what was created (empty if loaded)."""
    if demo_loaded():
        return {}
    rng = rng or random.Random(2026)
    now = utcnow()
    staff = _staff()
    products = _products()
    accounts = _accounts(rng, staff["manager@example.com"])
    people = _advocates(rng, accounts, products)
    db.session.flush()
    created = _opportunities(rng, staff["manager@example.com"], products, now)
    _history(rng, people, created, staff["manager@example.com"], now)
    _tiers(rng, people)
    _badges(staff["manager@example.com"])
    _stories(rng, people, staff["manager@example.com"])
    for user in [*staff.values(), *people]:
        user.email_verified_at = user.created_at
    db.session.flush()
    return {
        "accounts": len(accounts),
        "advocates": len(people),
        "opportunities": len(created),
        "ledger entries": db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)),
    }


def _staff() -> dict[str, User]:
    users = {}
    for email, (name, role) in DEMO_LOGINS.items():
        if role == Role.ADVOCATE:
            continue
        users[email] = auth.create_user(email, name, role, password=DEMO_PASSWORD)
    return users


def _products() -> list[Product]:
    return [accounts.add_product(name) for name in PRODUCTS]


def _accounts(rng: random.Random, owner: User):
    industries = list(Industry)
    regions = list(Region)
    result = []
    for index, (first, second) in enumerate(COMPANY_WORDS):
        result.append(
            accounts.create_account(
                name=f"{first} {second}",
                industry=industries[index % len(industries)],
                region=regions[(index * 7) % len(regions)],
                size_band=rng.choice(list(SizeBand)),
                owner_id=owner.id,
                crm_id=f"CRM-{1000 + index}",
            )
        )
    return result


def _advocates(rng: random.Random, accounts, products) -> list[User]:
    people = []
    name, _ = DEMO_LOGINS["advocate@example.com"]
    avery = add_advocate(
        name=name, email="advocate@example.com", account=accounts[0], title="Head of Data"
    )
    avery.password_hash = auth.hash_password(DEMO_PASSWORD)
    people.append(avery)
    seen = {"advocate@example.com"}
    while len(people) < 200:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}".lower().replace("'", "").replace("ü", "u") + "@customers.example"
        if email in seen:
            continue
        seen.add(email)
        people.append(
            add_advocate(
                name=f"{first} {last}",
                email=email,
                account=rng.choice(accounts),
                title=rng.choice(TITLES),
            )
        )
    db.session.flush()
    for user in people:
        job = employment.current_employment(user.id)
        job.started_on = clock.today() - timedelta(days=rng.randint(400, 3000))
    long_ago = utcnow() - timedelta(days=400)
    for index, user in enumerate(people):
        profile = user.profile
        profile.products = rng.sample(products, rng.randint(1, 3))
        closed = set(rng.sample(list(OpportunityType), rng.randint(0, 3))) if index else set()
        profile.open_type_rows = [
            OpenType(type=t.value) for t in OpportunityType if t not in closed
        ]
        profile.max_asks_per_quarter = rng.choice([2, 3, 3, 4, 6])
        profile.show_on_leaderboard = index == 0 or rng.random() < 0.85
        profile.public_profile = index == 0 or rng.random() < 0.45
        area = rng.choice(["analytics", "platform", "security", "CRM", "operations"])
        profile.bio = (
            f"{user.name.split()[0]} leads {area} work and has used our products "
            f"for {rng.randint(1, 8)} years."
        )
        profile.onboarded_at = long_ago
        if index and rng.random() < 0.06:
            profile.quiet_until = clock.today() + timedelta(days=rng.randint(5, 60))
    db.session.flush()
    for user in people:
        tiers.join_program(user.id)
    for index, user in enumerate(people):
        if index and rng.random() < 0.03:
            auth.deactivate(user)
    return people


def _local(now: datetime, days: int, hour: int) -> datetime:
    day = (now + timedelta(days=days)).astimezone(clock.program_tz()).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.program_tz()).astimezone(UTC)


def _opportunities(rng: random.Random, manager: User, products, now: datetime):
    tier_by_name = {t.name: t for t in db.session.scalars(sa.select(Tier))}
    created = []
    # Day offsets: 22 in the past year, 16 upcoming; every type in both.
    plan = []
    for kind, titles in OPPORTUNITY_IDEAS.items():
        for index, title in enumerate(titles):
            past = index % 2 == 0 if len(titles) > 2 else index == 0
            offset = -rng.randint(10, 350) if past else rng.randint(6, 80)
            plan.append((kind, title, offset))
    for number, (kind, title, offset) in enumerate(plan):
        start = _local(now, offset, rng.choice([9, 10, 14, 16]))
        hours = 72 if kind in (OpportunityType.EVENT, OpportunityType.BETA) else rng.choice([1, 2])
        data = posting.OpportunityData(
            type=kind,
            title=title,
            summary=f"{kind.label} for customers who want to share what works.",
            description=_description(kind),
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            timezone=clock.program_tz().key,
            is_online=kind not in (OpportunityType.EVENT, OpportunityType.ADVISORY_BOARD),
            location=rng.choice(PLACES)
            if kind in (OpportunityType.EVENT, OpportunityType.ADVISORY_BOARD)
            else "Online (video call)",
            seats=rng.choice([3, 4, 5, 6, 8, 10, 12]),
            application_deadline=start - timedelta(days=3),
            points=_points(kind),
            approval_mode=ApprovalMode.FIRST_COME
            if kind in (OpportunityType.WEBINAR, OpportunityType.REVIEW, OpportunityType.BETA)
            else ApprovalMode.REVIEW,
            min_tier_id=tier_by_name["Champion"].id
            if kind == OpportunityType.ADVISORY_BOARD and offset > 0
            else (tier_by_name["Insider"].id if number % 9 == 4 else None),
            industries=[rng.choice(list(Industry)).value] if number % 7 == 3 else [],
            regions=[rng.choice(list(Region)).value] if number % 11 == 5 else [],
            product_ids=[rng.choice(products).id] if kind == OpportunityType.BETA else [],
        )
        opportunity = posting.create_opportunity(data, by=manager)
        opportunity.created_at = start - timedelta(days=30)
        if offset > 0 and number % 8 == 1:
            continue  # stays a draft
        opportunity.state = OpportunityState.PUBLISHED
        opportunity.published_at = start - timedelta(days=28)
        if number % 17 == 8:
            opportunity.state = OpportunityState.CANCELLED
        elif offset < 0 or number % 10 == 7:
            opportunity.state = OpportunityState.CLOSED
        created.append(opportunity)
    db.session.flush()
    return created


def _description(kind: OpportunityType) -> str:
    return (
        f"## What it is\n\nA {kind.label.lower()} with peers and our product team.\n\n"
        "## What we ask\n\n- About an hour to prepare\n- Your honest experience, good and bad\n\n"
        "## What you get\n\n- Points and recognition in the program\n"
        "- Time with our product leaders\n"
    )


def _points(kind: OpportunityType) -> int:
    from portal.settings import get_setting

    return int(get_setting("default_points", {}).get(kind.value, 100))


def _history(rng, people, created, manager, now) -> None:
    """Applications and decisions; past ones completed with points at their end time."""
    shown = [p for p in people if p.active]
    avery = people[0]
    for opportunity in created:
        if opportunity.state == OpportunityState.CANCELLED:
            continue
        applicants = rng.sample(
            shown[1:], min(len(shown) - 1, opportunity.seats + rng.randint(0, 6))
        )
        if opportunity.starts_at < now and rng.random() < 0.5:
            applicants.insert(0, avery)
        upcoming = opportunity.starts_at >= now
        # Past ones filled up; upcoming ones still have seats and a queue to review.
        to_approve = opportunity.seats // 2 if upcoming else opportunity.seats
        if upcoming and opportunity.approval_mode == ApprovalMode.FIRST_COME:
            applicants = applicants[:to_approve]
        for index, advocate in enumerate(applicants):
            participation = Participation(
                opportunity=opportunity,
                advocate=advocate,
                status=ParticipationStatus.APPLIED,
                note=rng.choice(["", "Happy to help!", "I have a great story for this."]),
                created_at=opportunity.starts_at - timedelta(days=rng.randint(5, 25)),
            )
            db.session.add(participation)
            if index < to_approve:
                opportunity.seats_taken += 1
                participation.status = ParticipationStatus.APPROVED
                participation.decided_at = participation.created_at + timedelta(days=1)
                participation.decided_by_id = manager.id
            elif not upcoming:
                participation.status = ParticipationStatus.WAITLISTED
                participation.waitlisted_at = participation.created_at
        db.session.flush()
        if upcoming:
            continue
        for participation in opportunity_participants(opportunity):
            if participation.status != ParticipationStatus.APPROVED:
                continue
            if rng.random() < 0.9:
                participation.status = ParticipationStatus.COMPLETED
                participation.completed_at = opportunity.ends_at
                ledger.award(
                    participation.advocate_id,
                    opportunity.points,
                    reason=opportunity.title,
                    key=ledger.participation_key(participation.id),
                    source=PointsSource.PARTICIPATION,
                    source_id=participation.id,
                    by_id=manager.id,
                    at=opportunity.ends_at,
                )
            else:
                participation.status = ParticipationStatus.NO_SHOW
                opportunity.seats_taken -= 1
    # Manual awards for things outside opportunities, spread over the year.
    for number in range(400):
        advocate = rng.choice(shown)
        ledger.award(
            advocate.id,
            rng.choice([25, 50, 50, 75, 100]),
            reason=rng.choice(
                [
                    "Answered questions in the community forum",
                    "Hosted a customer meetup",
                    "Wrote a guest blog post",
                    "Helped test the new onboarding",
                ]
            ),
            key=ledger.manual_key(manager.id, f"demo-{number}"),
            source=PointsSource.MANUAL,
            by_id=manager.id,
            at=now - timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 23)),
        )
    # An open application from the demo advocate, so their dashboard shows one.
    upcoming = [
        o
        for o in created
        if o.starts_at > now
        and o.state == OpportunityState.PUBLISHED
        and o.min_tier_id is None
        and not o.industries
        and not o.regions
        and not o.products
        and not o.is_full
    ]
    if upcoming:
        taking_part.apply(upcoming[0], avery, note="Looking forward to it!")


def opportunity_participants(opportunity: Opportunity) -> list[Participation]:
    return queues.participants(opportunity)


def _tiers(rng, people) -> None:
    """Opt most eligible advocates into the tiers they reached."""
    for user in people:
        if not user.active:
            continue
        points = ledger.total_for(user.id)
        for state in tiers.states_for(user.id).values():
            if state.can_opt_in(points) and rng.random() < 0.8:
                tiers.opt_in(user.id, state.tier, accepted=True)


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
]


def _badges(manager: User) -> None:
    from portal.recognition import badges

    for details in BADGES:
        badges.save_badge(None, badges.BadgeDetails(**details), by=manager)


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


def _stories(rng: random.Random, people, manager: User) -> None:
    from portal.stories import services as stories
    from portal.stories.models import StoryStatus

    public = [p for p in people if p.active and p.profile.public_profile]
    for index, (title, body) in enumerate(STORIES):
        author = public[index * 3 % len(public)]
        story = stories.write(author, title=title, body=body)
        if index < 2:
            stories.decide(story, approve=True, by=manager, note="Thank you for sharing!")
    pending = stories.write(
        public[-1],
        title="Onboarding 40 engineers in a week",
        body=(
            "We paired **Cobalt Workflows** templates with a buddy system; new engineers shipped "
            "on day three."
        ),
    )
    assert pending.status == StoryStatus.SUBMITTED
