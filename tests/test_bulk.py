"""seed-bulk: synthetic data loaded in bulk, obeying the same invariants as real use."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from portal import bulk, clock
from portal.advocates.models import (
    AdvocateProfile,
    Ask,
    ConsentAsset,
    Employment,
    OpenType,
    UsageConsent,
)
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import (
    SEAT_HOLDING,
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
)
from portal.recognition import ledger, tiers
from portal.recognition.models import PointsEntry, PointsSource, Standing
from portal.references.models import ReferenceRecord
from tests.conftest import make_test_app

SMALL = ["--advocates", "80", "--ledger", "1200", "--opportunities", "20", "--accounts", "9"]


@pytest.fixture
def loaded(app, runner):
    result = runner.invoke(args=["seed-bulk", *SMALL])
    assert result.exit_code == 0, result.output
    return result


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seed_bulk_loads_the_asked_sizes(loaded, ctx):
    assert "Loaded in" in loaded.output and bulk.BULK_PASSWORD in loaded.output
    assert _count(User, User.role == Role.ADVOCATE) == 80
    assert _count(User, User.role == Role.MANAGER) == 1
    assert _count(AdvocateProfile) == 80
    assert _count(Opportunity) == 20
    assert _count(PointsEntry) == 1200
    assert _count(Employment, Employment.ended_on.is_(None)) == 80
    sources = Counter(db.session.scalars(sa.select(PointsEntry.source)))
    assert sources[PointsSource.PARTICIPATION] > 0 and sources[PointsSource.MANUAL] > 0
    # Most are shown and onboarded; some are public.
    shown = _count(AdvocateProfile, AdvocateProfile.show_on_leaderboard.is_(True))
    assert 50 <= shown < 80
    assert _count(UsageConsent, UsageConsent.asset == ConsentAsset.NAME_TITLE) > 10
    assert _count(AdvocateProfile, AdvocateProfile.onboarded_at.is_(None)) < 10


def test_the_ledger_check_passes_and_periods_follow_the_program_time_zone(loaded, runner, ctx):
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
    assert list(ledger.mismatches()) == []
    periods = set(db.session.scalars(sa.select(Standing.period).distinct()))
    assert clock.ALL_TIME in periods
    assert clock.current_period("quarter").key in periods
    assert any(len(p) == 7 and "-Q" not in p for p in periods)  # months
    visible = {a: ledger.is_visible(a) for a in db.session.scalars(sa.select(User.id))}
    for advocate_id, is_visible in db.session.execute(
        sa.select(Standing.advocate_id, Standing.visible)
    ):
        assert is_visible == visible[advocate_id]


def test_award_keys_name_the_participation_they_pay_for(loaded, ctx):
    rows = db.session.execute(
        sa.select(PointsEntry.award_key, PointsEntry.source_id, Participation.status)
        .join(Participation, Participation.id == PointsEntry.source_id)
        .where(PointsEntry.source == PointsSource.PARTICIPATION)
    ).all()
    assert rows
    for key, source_id, status in rows:
        assert key == f"participation:{source_id}"
        assert status == ParticipationStatus.COMPLETED
    completed = _count(Participation, Participation.status == ParticipationStatus.COMPLETED)
    assert completed == len(rows)


def test_seats_taken_match_the_seat_holding_participations(loaded, ctx):
    held = Counter(
        db.session.scalars(
            sa.select(Participation.opportunity_id).where(Participation.status.in_(SEAT_HOLDING))
        )
    )
    for opportunity in db.session.scalars(sa.select(Opportunity)):
        assert opportunity.seats_taken == held[opportunity.id] <= opportunity.seats
    upcoming = db.session.scalars(
        sa.select(Opportunity).where(
            Opportunity.state == OpportunityState.PUBLISHED,
            Opportunity.application_deadline > clock.utcnow(),
        )
    ).all()
    assert upcoming and all(o.seats - o.seats_taken >= 10 for o in upcoming)


def test_current_tiers_are_what_the_tier_events_say(loaded, ctx):
    all_tiers = tiers.all_tiers()
    profiles = db.session.scalars(sa.select(AdvocateProfile)).all()
    above_entry = 0
    for profile in profiles:
        states = tiers.states_for(profile.user_id, all_tiers)
        opted = [s.tier for s in states.values() if s.opted_in]
        expected = max(opted, key=lambda t: t.position).id if opted else None
        assert profile.current_tier_id == expected
        points = ledger.total_for(profile.user_id)
        # A tier held below its threshold is in its grace period (after a correction).
        assert all(
            tiers.reached(tier, points) or states[tier.id].lapsing_since is not None
            for tier in opted
        )
        above_entry += expected is not None and expected != all_tiers[0].id
        if profile.onboarded_at is None:
            assert expected is None
    assert above_entry > 0


def test_bulk_advocates_sign_in_and_see_their_pages(loaded, app, ctx):
    email = db.session.scalar(
        sa.select(User.email)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(User.active.is_(True), AdvocateProfile.onboarded_at.is_not(None))
        .limit(1)
    )
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": email, "password": bulk.BULK_PASSWORD})
    assert response.status_code == 302
    for path in ("/dashboard", "/opportunities", "/leaderboard", "/leaderboard?period=quarter"):
        assert client.get(path).status_code == 200, path


def test_ids_continue_after_the_load(loaded, ctx):
    user = auth_services.create_user("after-bulk@example.com", "After Bulk", Role.ADVOCATE)
    db.session.flush()
    assert user.id > db.session.scalar(sa.select(sa.func.max(User.id)).where(User.id != user.id))
    db.session.rollback()


def test_a_second_load_is_refused(loaded, runner, ctx):
    again = runner.invoke(args=["seed-bulk", *SMALL])
    assert again.exit_code == 1
    assert "already loaded" in again.output
    assert _count(PointsEntry) == 1200


def test_the_same_seed_gives_the_same_data(app, ctx):
    plan = bulk.BulkPlan(advocates=12, ledger=100, opportunities=5, accounts=3, seed=7)
    bulk.seed_bulk(plan)
    first = db.session.execute(
        sa.select(PointsEntry.advocate_id, PointsEntry.points).order_by(PointsEntry.id)
    ).all()
    db.session.rollback()
    bulk.seed_bulk(plan)
    second = db.session.execute(
        sa.select(PointsEntry.advocate_id, PointsEntry.points).order_by(PointsEntry.id)
    ).all()
    db.session.rollback()
    assert first == second and len(first) == 100


@pytest.mark.parametrize("args", [["--advocates", "0", "--ledger", "5"], ["--advocates", "5"]])
def test_bad_sizes_are_refused(runner, args):
    assert runner.invoke(args=["seed-bulk", *args]).exit_code == 2


def test_seed_bulk_refuses_production_without_force(database_url):
    app = make_test_app(
        database_url,
        PORTAL_ENV="production",
        SECRET_KEY="S6xPLx7iZ-u587MJEV3u14AbKlMsy5UDLiLL4tnJm0o",
        BASE_URL="https://advocates.example.com",
    )
    result = app.test_cli_runner().invoke(args=["seed-bulk", "--advocates", "3", "--ledger", "5"])
    assert result.exit_code != 0
    assert "refuses to run in production without --force" in result.output


def test_past_asks_stay_within_every_advocates_cap(loaded, ctx):
    asks = _count(Ask)
    assert asks == 5 * 80
    over_cap = db.session.execute(
        sa.select(Ask.advocate_id, Ask.quarter)
        .join(AdvocateProfile, AdvocateProfile.user_id == Ask.advocate_id)
        .group_by(Ask.advocate_id, Ask.quarter, AdvocateProfile.max_asks_per_quarter)
        .having(sa.func.count() > AdvocateProfile.max_asks_per_quarter)
    ).all()
    assert over_cap == []
    # Every one for a kind the advocate is open to, by an active advocate, in the past.
    closed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ask)
        .where(~sa.exists().where(OpenType.user_id == Ask.advocate_id, OpenType.type == Ask.topic))
    )
    assert closed == 0
    assert db.session.scalar(sa.select(sa.func.max(Ask.asked_at))) < utcnow()
    # What matching reads of their answers.
    answered = _count(Ask, Ask.answered_at.is_not(None))
    assert db.session.scalar(sa.select(sa.func.sum(ReferenceRecord.answered))) == answered
