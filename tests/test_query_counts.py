"""Pages run the same number of SQL queries with 10 or 1,000 advocates."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import (
    Account,
    AdvocateProfile,
    ConsentAsset,
    ConsentChannel,
    Employment,
    Industry,
    OpenType,
    Region,
    SizeBand,
    UsageConsent,
    UsageConsentChange,
)
from portal.auth.models import Role, User
from portal.branding import branding
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.referrals.models import Referral
from tests.factories import password_hash


def _bulk_people(app, count: int, start: int) -> None:
    """Many advocates with jobs, points and applications, inserted quickly."""
    rng = random.Random(start)
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.role == Role.MANAGER))
        account = Account(
            name=f"Bulk {start}",
            industry=Industry.RETAIL,
            region=Region.EUROPE,
            size_band=SizeBand.LARGE,
        )
        former = Account(
            name=f"Former {start}",
            industry=Industry.RETAIL,
            region=Region.EUROPE,
            size_band=SizeBand.LARGE,
        )
        db.session.add_all([account, former])
        db.session.flush()
        opportunities = db.session.scalars(sa.select(Opportunity)).all()
        for number in range(start, start + count):
            user = User(
                email=f"bulk{number}@example.com",
                name=f"Bulk {number}",
                role=Role.ADVOCATE,
                password_hash=password_hash(),
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                AdvocateProfile(user_id=user.id, show_on_leaderboard=True, onboarded_at=utcnow())
            )
            before = Employment(
                user_id=user.id,
                account_id=former.id,
                title="Analyst",
                started_on=utcnow().date() - timedelta(days=900),
                ended_on=utcnow().date() - timedelta(days=30),
            )
            db.session.add(before)
            db.session.flush()
            db.session.add(
                Employment(
                    user_id=user.id,
                    account_id=account.id,
                    title="Engineer",
                    started_on=utcnow().date() - timedelta(days=30),
                    moved_from_id=before.id,
                )
            )
            for asset in (ConsentAsset.NAME_TITLE, ConsentAsset.LOGO):
                db.session.add(
                    UsageConsent(
                        user_id=user.id,
                        asset=asset,
                        channel=ConsentChannel.SHOWCASE,
                        granted=True,
                        expires_on=utcnow().date() + timedelta(days=10),
                    )
                )
            db.session.add(
                UsageConsentChange(
                    user_id=user.id,
                    asset=ConsentAsset.STORIES,
                    channel=ConsentChannel.SHOWCASE,
                    was_granted=True,
                    granted=False,
                    changed_by_id=user.id,
                )
            )
            db.session.add(
                Referral(
                    advocate_id=user.id,
                    peer_name=f"Peer {number}",
                    peer_email=f"peer{number}@example.com",
                    peer_role="CTO",
                    company_name=f"Peer company {number}",
                    why="Because.",
                    peer_agreed=True,
                    owner_id=manager.id,
                )
            )
            db.session.flush()
            ledger.award(
                user.id,
                rng.randint(1, 500),
                reason="Bulk",
                key=f"bulk:{number}",
                source=PointsSource.MANUAL,
                by_id=manager.id,
            )
            for opportunity in rng.sample(opportunities, 2):
                db.session.add(
                    Participation(
                        opportunity_id=opportunity.id,
                        advocate_id=user.id,
                        status=ParticipationStatus.APPLIED,
                    )
                )
        db.session.commit()


@pytest.fixture
def world(app, make):
    """A manager, an advocate under test, 20 opportunities, and 10 other advocates."""
    make.manager()
    me = make.advocate(name="Me Myself")
    for number in range(20):
        make.opportunity(
            title=f"Opportunity {number}",
            type=list(OpportunityType)[number % 9],
            mode=ApprovalMode.FIRST_COME if number % 2 else ApprovalMode.REVIEW,
            min_tier="Insider" if number % 5 == 0 else None,
        )
    with app.app_context():
        for opportunity in db.session.scalars(sa.select(Opportunity).limit(5)):
            db.session.add(
                Participation(
                    opportunity_id=opportunity.id,
                    advocate_id=me.id,
                    status=ParticipationStatus.APPROVED,
                )
            )
        db.session.commit()
    make.points(me, 120)
    _bulk_people(app, 10, 0)
    return me


PAGES_FOR_ADVOCATES = [
    "/opportunities",
    "/opportunities?eligible=1&type=webinar",
    "/dashboard",
    "/leaderboard",
    "/leaderboard?period=quarter",
    "/showcase",
    "/leaderboard?period=month&industry=retail",
    "/leaderboard?period=quarter&region=europe",
    "/leaderboard?account=1",
    "/tiers",
    "/stories",
    "/profile",
    "/recognition",
    "/referrals",
    "/profile/consent",
    "/account/data",
]
PAGES_FOR_MANAGERS = [
    "/manage/",
    "/manage/applications",
    "/manage/advocates",
    "/manage/badges",
    "/manage/audit",
    "/manage/audit?action=export.downloaded&since=2026-01-01",
    "/manage/exports",
    "/manage/imports",
    "/manage/exports/advocates.csv",
    "/manage/exports/ledger.csv",
    "/leaderboard",
    "/leaderboard?period=month&region=europe",
]

# The hot advocate pages: at most this many statements, the session check included,
# once the process holds the tiers (a cold cache reads them once more).
ROUND_TRIPS = {"/dashboard": 2, "/opportunities": 3, "/people/": 2}


def _round_trip_limit(path: str) -> int | None:
    for prefix, limit in ROUND_TRIPS.items():
        if path.startswith(prefix):
            return limit + (0 if path.endswith("(warm)") or prefix == "/people/" else 1)
    return None


INSIGHT_PAGES = [
    "/manage/insight/",
    "/manage/insight/?period=year",
    "/manage/insight/?period=custom&first=2026-01-01&last=2026-03-31",
    "/manage/insight/qualified/by-owner.csv",
]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The same moment throughout: a slow run must not reach the session's touch interval
    or the end of the branding cache's seconds (an extra statement each) in a count."""
    monkeypatch.setattr("portal.branding._CACHE_SECONDS", 3600)
    with time_machine.travel(utcnow(), tick=False):
        yield


def _counts(client, paths, count_queries) -> dict[str, int]:
    """Statements per page: with every shared cache empty (portal.cache), and again
    right after, when the page may reuse what the first request cached."""
    counts = {}
    for path in paths:
        client.application.extensions.pop("portal.cache", None)
        for attempt in ("cold", "warm"):
            with client.application.app_context():
                branding()  # kept for seconds per process: read here, not while counting
            with count_queries() as counted:
                response = client.get(path)
                response.get_data()  # a streamed export runs its queries while it is read
                response.close()
            assert response.status_code == 200, path
            counts[path if attempt == "cold" else f"{path} (warm)"] = counted.total
    return counts


def test_query_counts_do_not_grow_with_the_data(
    frozen_clock, app, world, login, count_queries, make
):
    shown = make.advocate(name="Shown Publicly", email="shown@example.com", public=True)
    make.points(shown, 150)
    advocate_pages = [*PAGES_FOR_ADVOCATES, f"/people/{shown.id}"]
    advocate_client = login(world)
    small = _counts(advocate_client, advocate_pages, count_queries)
    anonymous = app.test_client()
    small_anonymous = _counts(anonymous, [f"/people/{shown.id}"], count_queries)
    manager = make.manager(email="counting-manager@example.com")
    manager_client = app.test_client()
    manager_client.post(
        "/auth/sign-in", data={"email": manager.email, "password": "correct horse battery staple"}
    )
    with app.app_context():
        # Not id 1: on PostgreSQL ids keep counting across the tests of a run.
        first = db.session.scalar(sa.select(sa.func.min(Opportunity.id)))
        first_account = db.session.scalar(sa.select(sa.func.min(Account.id)))
    staff_pages = [
        *PAGES_FOR_MANAGERS,
        f"/manage/advocates/{world.id}",
        "/manage/opportunities",
        f"/manage/opportunities/{first}",
        f"/manage/opportunities/{first}/invite",
        "/manage/accounts",
        "/manage/referrals",
        "/manage/champions",
        "/manage/consents",
        f"/manage/accounts/{first_account}",
        f"/manage/insight/advocates/{world.id}/history",
    ]
    small_staff = _counts(manager_client, staff_pages, count_queries)
    small_insight = _counts(manager_client, INSIGHT_PAGES, count_queries)

    _bulk_people(app, 990, 10)

    assert _counts(advocate_client, advocate_pages, count_queries) == small
    assert _counts(anonymous, [f"/people/{shown.id}"], count_queries) == small_anonymous
    # Without a session the public profile is one statement.
    assert set(small_anonymous.values()) == {1}, small_anonymous
    assert _counts(manager_client, staff_pages, count_queries) == small_staff
    # The program page: a fixed set of figure queries, whatever the period or the data.
    assert _counts(manager_client, INSIGHT_PAGES, count_queries) == small_insight
    assert max(small_insight.values()) <= 50, small_insight
    for path, total in small.items():
        assert total <= 16, (path, total)
        if path.startswith("/leaderboard") and path.endswith("(warm)"):
            assert total == 2, (path, total)  # the session check and the viewer
        limit = _round_trip_limit(path)
        if limit is not None:
            assert total <= limit, (path, total)
    for path, total in small_staff.items():
        # The staff page about one advocate gathers a section from each domain.
        assert total <= (24 if path.startswith("/manage/advocates/") else 20), (path, total)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AdvocateProfile)) == 1002
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Opportunity)
                .where(Opportunity.state == OpportunityState.PUBLISHED)
            )
            == 20
        )


def _open_everyone_to_reference_calls(app) -> None:
    with app.app_context():
        db.session.execute(
            sa.insert(OpenType).from_select(
                ["user_id", "type"],
                sa.select(AdvocateProfile.user_id, sa.literal("reference_call")).where(
                    ~sa.exists().where(
                        OpenType.user_id == AdvocateProfile.user_id,
                        OpenType.type == "reference_call",
                    )
                ),
            )
        )
        db.session.commit()


def test_reference_pages_count_the_same_queries_with_more_advocates(
    app, world, login, count_queries, make
):
    requester = make.requester()
    manager = make.manager(email="reference-manager@example.com")
    _open_everyone_to_reference_calls(app)
    with app.app_context():
        from portal.references import asks
        from tests.references.helpers import new_request

        request = new_request(requester)
        asks.ask_candidates(request, [world.id], by=db.session.get(User, manager.id))
        db.session.commit()
        pages = [f"/references/{request.id}", "/references/", "/references/matching"]
    requester_client = login(requester)
    small = _counts(requester_client, pages, count_queries)
    manager_client = app.test_client()
    manager_client.post(
        "/auth/sign-in", data={"email": manager.email, "password": "correct horse battery staple"}
    )
    staff_pages = [*pages, "/manage/references/burnout", "/manage/references/settings"]
    small_staff = _counts(manager_client, staff_pages, count_queries)

    _bulk_people(app, 990, 10)
    _open_everyone_to_reference_calls(app)

    assert _counts(requester_client, pages, count_queries) == small
    assert _counts(manager_client, staff_pages, count_queries) == small_staff
    assert max(small_staff.values()) <= 20, small_staff
