"""Races settled by the database: seats, one completion, one award, the ask cap.

PostgreSQL only: SQLite serialises writers, so it cannot show a race.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.advocates.models import Ask
from portal.auth.models import User
from portal.errors import PortalError
from portal.extensions import db
from portal.opportunities import invitations
from portal.opportunities import participation as participating
from portal.opportunities.models import ApprovalMode, Opportunity, Participation
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import boards, ledger
from portal.recognition.models import PointsEntry, PointsSource

pytestmark = pytest.mark.postgresql


def run_together(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released at the same instant; each commits."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
                db.session.commit()
            except PortalError as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _statuses(app, opportunity_id: int) -> Counter:
    with app.app_context():
        return Counter(
            db.session.scalars(
                sa.select(Participation.status).where(
                    Participation.opportunity_id == opportunity_id
                )
            )
        )


def _seats_taken(app, opportunity_id: int) -> int:
    with app.app_context():
        return db.session.get(Opportunity, opportunity_id).seats_taken


def test_twenty_applications_for_three_first_come_seats(app, make):
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=3)
    advocates = [make.advocate() for _ in range(20)]

    def apply(index: int):
        return participating.apply(
            db.session.get(Opportunity, opportunity.id),
            db.session.get(User, advocates[index].id),
            join_waitlist=True,
        ).status

    results = run_together(app, 20, apply)
    assert Counter(results) == Counter({S.APPROVED: 3, S.WAITLISTED: 17})
    assert _statuses(app, opportunity.id) == Counter({S.APPROVED: 3, S.WAITLISTED: 17})
    assert _seats_taken(app, opportunity.id) == 3


def test_twenty_approvals_for_three_seats_in_review_mode(app, make):
    opportunity = make.opportunity(seats=3)
    manager = make.manager()
    applications = [make.participation(opportunity, make.advocate()) for _ in range(20)]

    def approve(index: int):
        return participating.decide(
            db.session.get(Participation, applications[index].id),
            participating.Decision.APPROVE,
            by=db.session.get(User, manager.id),
        )

    results = run_together(app, 20, approve)
    assert sum(result is True for result in results) == 3
    assert sum(isinstance(result, PortalError) for result in results) == 17
    assert _statuses(app, opportunity.id) == Counter({S.APPROVED: 3, S.APPLIED: 17})
    assert _seats_taken(app, opportunity.id) == 3


def test_ten_completions_of_one_participation_write_one_entry(app, make):
    opportunity = make.opportunity(points=90)
    advocate = make.advocate()
    manager = make.manager()
    participation = make.participation(opportunity, advocate, S.APPROVED)

    def complete(index: int):
        return participating.mark_completed(
            db.session.get(Participation, participation.id), by=db.session.get(User, manager.id)
        )

    with time_machine.travel(opportunity.starts_at + timedelta(minutes=10)):
        results = run_together(app, 10, complete)
    assert results.count(True) == 1 and results.count(False) == 9
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 1
        assert ledger.total_for(advocate.id) == 90
        assert list(ledger.mismatches()) == []


def test_the_same_award_sent_ten_times_at_once_lands_once(app, make):
    advocate = make.advocate()

    def award(index: int):
        return (
            ledger.award(
                advocate.id, 40, reason="Meetup", key="manual:retry", source=PointsSource.MANUAL
            )
            is not None
        )

    results = run_together(app, 10, award)
    assert results.count(True) == 1
    with app.app_context():
        assert ledger.total_for(advocate.id) == 40
        assert list(ledger.mismatches()) == []


def test_a_double_click_on_apply_applies_once(app, make):
    opportunity = make.opportunity()
    advocate = make.advocate()

    def apply(index: int):
        return participating.apply(
            db.session.get(Opportunity, opportunity.id), db.session.get(User, advocate.id)
        ).status

    results = run_together(app, 5, apply)
    assert results.count(S.APPLIED) == 1
    assert _statuses(app, opportunity.id) == Counter({S.APPLIED: 1})


def test_simultaneous_invitations_never_pass_the_cap(app, make):
    advocate = make.advocate(max_asks=2)
    manager = make.manager()
    opportunities = [make.opportunity() for _ in range(8)]

    def invite(index: int):
        return invitations.invite_to_opportunity(
            db.session.get(Opportunity, opportunities[index].id),
            db.session.get(User, advocate.id),
            by=db.session.get(User, manager.id),
        ).status

    results = run_together(app, 8, invite)
    assert results.count(S.INVITED) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ask)) == 2


def test_the_same_event_processed_twice_at_once_awards_a_badge_once(app, make):
    from portal.recognition import badges
    from portal.recognition.models import BadgeAward

    with app.app_context():
        badge, _ = badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Hundred club",
                description="",
                rule_kind="points_at_least",
                rule_params={"points": 100, "period": "all"},
                color="#4338ca",
            ),
            by=db.session.get(User, make.manager().id),
        )
        db.session.commit()
        badge_id = badge.id
    advocate = make.advocate()
    make.points(advocate, 150)  # awarded here by the points event...

    with app.app_context():
        db.session.execute(sa.delete(BadgeAward))
        db.session.commit()

    def evaluate(index: int):
        # ...and the same event delivered ten times at once after a lost award.
        return len(badges.award_earned_badges(advocate.id, "points"))

    results = run_together(app, 10, evaluate)
    assert sum(r for r in results if isinstance(r, int)) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(BadgeAward)
                .where(BadgeAward.badge_id == badge_id)
            )
            == 1
        )


def test_simultaneous_awards_keep_the_score_counts_exact(app, make):
    people = [make.advocate() for _ in range(12)]
    for person in people:
        make.points(person, 50)  # everyone starts on the same score

    def award(index: int):
        # Half move up to 80, half to 120: the same score rows, from many sides.
        return (
            ledger.award(
                people[index].id,
                30 if index % 2 else 70,
                reason="Meetup",
                key=f"race:{index}",
                source=PointsSource.MANUAL,
            )
            is not None
        )

    results = run_together(app, 12, award)
    assert results.count(True) == 12
    with app.app_context():
        assert ledger.score_mismatches() == []
        assert list(ledger.mismatches()) == []
        assert boards.dense_rank("all", 80) == 2
