"""Bulk loading keeps no rules of its own: it builds what the services build.

One history of 200 advocates (portal.bulk.plan_history) is written twice:
by the bulk writer (`bulk.write_history`: whole tables at once), and through
the services, one step at a time at its moment (`replaying_at`). The two
databases must hold the same standings and score counts, seats taken, tier
events and current tiers, participations and ledger entries, compared by
what names them (emails, titles, tokens) since ids and row order differ.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa

from portal import bulk, clock
from portal.advocates import accounts, employment, profiles
from portal.advocates.models import Account, AdvocateProfile
from portal.advocates.people import add_advocate
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.db import replaying_at
from portal.errors import InvalidState, NotEligible
from portal.extensions import db
from portal.opportunities import participation, posting
from portal.opportunities.models import Opportunity, Participation, ParticipationStatus
from portal.recognition import ledger, tiers
from portal.recognition.models import (
    PointsEntry,
    Standing,
    StandingScore,
    Tier,
    TierEvent,
    TierEventKind,
)
from tests.conftest import wipe_database

S = ParticipationStatus
Step = bulk.Step

# Corrections are more frequent than in seed-bulk so that tiers lapse and come back,
# and the seed is one whose history exercises every rule (the test's last part says
# which): if the planner changes, choose a seed for which that part holds again.
PLAN = bulk.BulkPlan(
    advocates=200, ledger=1200, opportunities=20, accounts=10, seed=10, correction_rate=0.05
)
# 09:00 on 1 April in Auckland (the tests' program time zone): the last
# entries fall on both sides of a quarter's end, in local time.
NOW = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)


# --- the same history, through the services ---------------------------------


class Replayer:
    """Applies a history through the services, each step at its moment."""

    def __init__(self, history: bulk.History) -> None:
        self.h = history
        self.accounts: dict[int, Account] = {}
        self.users: dict[int, User] = {}
        self.opportunities: dict[int, Opportunity] = {}
        self.participations: dict[int, Participation] = {}
        self.entries: dict[int, PointsEntry] = {}
        self.tiers = {tier.name: tier for tier in tiers.all_tiers()}

    def run(self) -> None:
        with replaying_at(self.h.started_at):
            self.manager = auth_services.create_user(
                bulk.MANAGER_EMAIL, bulk.MANAGER_NAME, Role.MANAGER
            )
            self.products = {name: accounts.add_product(name) for name in self.h.products}
        for at, step, number in self.h.timeline():
            with replaying_at(at):
                getattr(self, step.name.lower())(number)

    def account(self, number: int) -> None:
        a = self.h.accounts[number]
        self.accounts[number] = accounts.create_account(
            name=a.name,
            industry=a.industry,
            region=a.region,
            size_band=a.size_band,
            owner_id=self.manager.id,
            crm_id=a.crm_id,
        )

    def join(self, number: int) -> None:
        person = self.h.people[number]
        first, *moves = person.jobs
        user = add_advocate(
            name=person.name,
            email=person.email,
            account=self.accounts[first.account],
            title=first.title,
        )
        # Staff enter when the job began; there is no service for an old start date.
        employment.current_employment(user.id).started_on = first.started_on
        for job in moves:
            employment.record_move(
                user, account=self.accounts[job.account], title=job.title, started_on=job.started_on
            )
        self.users[number] = user

    def onboard(self, number: int) -> None:
        person = self.h.people[number]
        choices = profiles.ProfileChoices(
            name=person.name,
            title=person.jobs[-1].title,
            bio=person.bio,
            product_ids=[self.products[name].id for name in person.products],
            open_types=list(person.open_types),
            max_asks_per_quarter=person.max_asks_per_quarter,
            quiet_until=None,
            show_on_leaderboard=person.show_on_leaderboard,
            public_profile=person.public_profile,
        )
        if person.onboarded_at is None:
            profiles.update_profile(self.users[number], choices)
        else:
            profiles.complete_onboarding(self.users[number], choices)

    def deactivate(self, number: int) -> None:
        auth_services.deactivate(self.users[number])

    def post(self, number: int) -> None:
        o = self.h.opportunities[number]
        data = posting.OpportunityData(
            type=o.type,
            title=o.title,
            summary="Replayed.",
            description="Replayed.",
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            timezone=clock.program_tz().key,
            is_online=o.is_online,
            location=o.location,
            seats=o.seats,
            application_deadline=o.application_deadline,
            points=o.points,
            approval_mode=o.approval_mode,
            min_tier_id=self.tiers[o.min_tier].id if o.min_tier else None,
            industries=list(o.industries),
            regions=list(o.regions),
            product_ids=[self.products[name].id for name in o.products],
        )
        self.opportunities[number] = posting.create_opportunity(data, by=self.manager)

    def publish(self, number: int) -> None:
        posting.publish(self.opportunities[number])

    def close(self, number: int) -> None:
        posting.close(self.opportunities[number])

    def apply(self, number: int) -> None:
        a = self.h.applications[number]
        self.participations[number] = participation.apply(
            self.opportunities[a.opportunity], self.users[a.advocate]
        )

    def decide(self, number: int) -> None:
        a = self.h.applications[number]
        decision = (
            participation.Decision.DECLINE
            if a.outcome == S.DECLINED
            else participation.Decision.APPROVE
        )
        participation.decide(self.participations[number], decision, by=self.manager)

    def mark(self, number: int) -> None:
        a = self.h.applications[number]
        if a.outcome == S.COMPLETED:
            participation.mark_completed(self.participations[number], by=self.manager)
        else:
            participation.mark_no_show(self.participations[number], by=self.manager)

    def award(self, number: int) -> None:
        award = self.h.awards[number]
        self.entries[number] = ledger.award_manual(
            self.users[award.advocate].id,
            award.points,
            reason=award.reason,
            by_id=self.manager.id,
            token=bulk.award_token(number),
        )

    def correct(self, number: int) -> None:
        correction = self.h.corrections[number]
        ledger.reverse_entry(
            self.entries[correction.award],
            reason=bulk.correction_reason(self.h.awards[correction.award]),
            by_id=self.manager.id,
        )

    def invite(self, number: int) -> None:
        invitation = self.h.invitations[number]
        advocate_id = self.users[invitation.advocate].id
        # Staff try; the service refuses someone without the points.
        with contextlib.suppress(NotEligible, InvalidState):
            tiers.invite_to_tier(advocate_id, self.tiers[invitation.tier], by_id=self.manager.id)

    def visit(self, number: int) -> None:
        advocate_id = self.users[self.h.visits[number].advocate].id
        page = tiers.progress_for(advocate_id, ledger.total_for(advocate_id))
        for tier in page.can_opt_in:
            tiers.opt_in(advocate_id, tier, accepted=True)


# --- what must be equal ----------------------------------------------------


def snapshot() -> dict[str, object]:
    """The database's derived state, by natural identities (no ids, no row order)."""
    emails = dict(db.session.execute(sa.select(User.id, User.email)).all())
    account_names = dict(db.session.execute(sa.select(Account.id, Account.name)).all())
    tier_names = dict(db.session.execute(sa.select(Tier.id, Tier.name)).all())
    titles = dict(db.session.execute(sa.select(Opportunity.id, Opportunity.title)).all())
    taking_part = {
        p.id: (titles[p.opportunity_id], emails[p.advocate_id])
        for p in db.session.scalars(sa.select(Participation))
    }
    entries = {e.id: e for e in db.session.scalars(sa.select(PointsEntry))}

    def identity(entry: PointsEntry) -> tuple:
        kind, _, rest = entry.award_key.partition(":")
        if kind == "participation":
            return ("participation", *taking_part[int(rest)])
        if kind == "manual":
            by_id, token = rest.split(":", 1)
            return ("manual", emails[int(by_id)], token)
        assert kind == "reverse", entry.award_key
        return ("reverse", identity(entries[int(rest)]))

    tier_events = defaultdict(list)
    for event in db.session.scalars(sa.select(TierEvent).order_by(TierEvent.at, TierEvent.id)):
        tier_events[emails[event.advocate_id]].append(
            (tier_names[event.tier_id], event.kind, event.at, emails.get(event.by_id))
        )
    return {
        "standings": sorted(
            (
                emails[s.advocate_id],
                s.period,
                s.points,
                s.visible,
                account_names.get(s.account_id),
                s.industry,
                s.region,
            )
            for s in db.session.scalars(sa.select(Standing))
        ),
        "score counts": sorted(
            (s.period, s.points, s.advocates) for s in db.session.scalars(sa.select(StandingScore))
        ),
        "seats taken": {
            o.title: (o.seats_taken, o.state) for o in db.session.scalars(sa.select(Opportunity))
        },
        "participations": {
            taking_part[p.id]: (p.status, p.completed_at)
            for p in db.session.scalars(sa.select(Participation))
        },
        "tier events": dict(tier_events),
        "current tiers": {
            emails[p.user_id]: tier_names.get(p.current_tier_id)
            for p in db.session.scalars(sa.select(AdvocateProfile))
        },
        "award keys": {
            identity(e): (emails[e.advocate_id], e.points, e.source, e.created_at, e.reason)
            for e in entries.values()
        },
    }


def test_bulk_loading_builds_what_the_services_build(app):
    with app.app_context():
        history = bulk.plan_history(PLAN, NOW)
        bulk.write_history(history)
        db.session.commit()
        loaded = snapshot()
        assert list(ledger.mismatches()) == [] and ledger.score_mismatches() == []
        db.session.remove()
    wipe_database(app)
    with app.app_context():
        Replayer(history).run()
        db.session.commit()
        replayed = snapshot()
        db.session.remove()

    for part, rows in loaded.items():
        assert rows == replayed[part], f"{part} differ"

    # The history exercised every rule it should: eligibility, joining, an
    # invitation given and one refused, a tier lapsing, one back, one still in
    # its grace period; every outcome of an application; a reversal; hidden
    # and deactivated advocates with points; entries on both sides of a
    # quarter's end in the program's time zone.
    kinds = Counter(event[1] for events in loaded["tier events"].values() for event in events)
    assert kinds[TierEventKind.ELIGIBLE] and kinds[TierEventKind.OPTED_IN]
    assert 0 < kinds[TierEventKind.INVITED] < len(history.invitations)
    assert kinds[TierEventKind.LAPSING] > kinds[TierEventKind.RESTORED] > 0
    assert "Luminary" in loaded["current tiers"].values()  # invitation only
    statuses = Counter(status for status, _ in loaded["participations"].values())
    assert {S.APPLIED, S.APPROVED, S.DECLINED, S.COMPLETED, S.NO_SHOW} <= set(statuses)
    assert any(key[0] == "reverse" for key in loaded["award keys"])
    with_points = {row[0] for row in loaded["standings"]}
    people = [p for p in history.people if p.email in with_points]
    assert any(not p.show_on_leaderboard for p in people)
    assert any(p.deactivated_at and p.show_on_leaderboard for p in people)
    quarters = {row[1] for row in loaded["standings"] if "-Q" in row[1]}
    assert {"2026-Q1", "2026-Q2"} <= quarters
