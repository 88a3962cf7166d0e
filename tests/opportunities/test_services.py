"""The rules of taking part: applying, seats, waitlists, decisions, completion, invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.advocates.models import Ask, AskAnswer, Industry, Region
from portal.db import utcnow
from portal.errors import (
    AlreadyExists,
    AskNotAllowed,
    InvalidState,
    NotEligible,
    SeatsFull,
)
from portal.extensions import db
from portal.notifications.models import Notification
from portal.opportunities import invitations, posting, queues
from portal.opportunities import participation as participating
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
)
from portal.opportunities.models import ParticipationStatus as S
from portal.recognition import ledger
from portal.recognition.models import PointsEntry

pytestmark = pytest.mark.usefixtures("ctx")


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _seats_taken(opportunity: Opportunity) -> int:
    db.session.expire_all()
    return db.session.get(Opportunity, opportunity.id).seats_taken


# --- applying ---------------------------------------------------------------


def test_applying_in_review_mode_waits_for_a_manager(make):
    opportunity, advocate = make.opportunity(), make.advocate()
    participation = participating.apply(opportunity, advocate, note="  Happy to help  ")
    assert participation.status == S.APPLIED
    assert participation.note == "Happy to help"
    assert _seats_taken(opportunity) == 0


def test_first_come_approves_while_seats_last_then_refuses_or_waitlists(make):
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=2)
    first, second, third, fourth = (make.advocate() for _ in range(4))
    assert participating.apply(opportunity, first).status == S.APPROVED
    assert participating.apply(opportunity, second).status == S.APPROVED
    db.session.commit()
    with pytest.raises(SeatsFull):
        participating.apply(opportunity, third)
    db.session.rollback()
    assert _count(Participation, Participation.advocate_id == third.id) == 0
    assert participating.apply(opportunity, third, join_waitlist=True).status == S.WAITLISTED
    assert participating.apply(opportunity, fourth, join_waitlist=True).status == S.WAITLISTED
    assert _seats_taken(opportunity) == 2


def test_applying_twice_changes_nothing(make):
    opportunity, advocate = make.opportunity(), make.advocate()
    participating.apply(opportunity, advocate)
    db.session.commit()
    with pytest.raises(AlreadyExists):
        participating.apply(opportunity, advocate)
    db.session.rollback()
    assert _count(Participation) == 1


def test_applying_after_the_deadline_is_refused(make):
    opportunity = make.opportunity()
    advocate = make.advocate()
    with time_machine.travel(opportunity.application_deadline + timedelta(seconds=1)):
        with pytest.raises(InvalidState, match="deadline has passed"):
            participating.apply(opportunity, advocate)


def test_applying_exactly_at_the_deadline_is_refused(make):
    opportunity = make.opportunity()
    advocate = make.advocate()
    with time_machine.travel(opportunity.application_deadline):
        with pytest.raises(InvalidState):
            participating.apply(opportunity, advocate)
    with time_machine.travel(opportunity.application_deadline - timedelta(seconds=1)):
        assert participating.apply(opportunity, advocate).status == S.APPLIED


@pytest.mark.parametrize(
    "state", [OpportunityState.DRAFT, OpportunityState.CLOSED, OpportunityState.CANCELLED]
)
def test_only_published_opportunities_take_applications(make, state):
    opportunity = make.opportunity(state=state)
    with pytest.raises(InvalidState, match="not taking applications"):
        participating.apply(opportunity, make.advocate())


def test_tier_gated_opportunity_needs_the_tier(make):
    opportunity = make.opportunity(min_tier="Insider")
    advocate = make.advocate()
    with pytest.raises(NotEligible, match="Insider tier"):
        participating.apply(opportunity, advocate)


def test_industry_region_and_product_limits(make):
    product = make.product()
    opportunity = make.opportunity(
        industries=[Industry.HEALTHCARE], regions=[Region.EUROPE], product_ids=[product.id]
    )
    outsider = make.advocate(industry=Industry.RETAIL, region=Region.EUROPE)
    with pytest.raises(NotEligible) as error:
        participating.apply(opportunity, outsider)
    assert "Healthcare" in error.value.message
    assert product.name in error.value.message
    insider = make.advocate(
        industry=Industry.HEALTHCARE, region=Region.EUROPE, product_ids=[product.id]
    )
    assert participating.apply(opportunity, insider).status == S.APPLIED


# --- withdrawing and freed seats --------------------------------------------


def test_withdrawing_frees_the_seat_for_the_first_waitlisted_in_first_come(make):
    opportunity = make.opportunity(mode=ApprovalMode.FIRST_COME, seats=1)
    holder, first_waiting, second_waiting = (make.advocate() for _ in range(3))
    seat = participating.apply(opportunity, holder)
    with time_machine.travel(utcnow() + timedelta(minutes=1)):
        participating.apply(opportunity, first_waiting, join_waitlist=True)
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        participating.apply(opportunity, second_waiting, join_waitlist=True)
    participating.withdraw(seat, holder)
    statuses = dict(
        db.session.execute(
            sa.select(Participation.advocate_id, Participation.status).where(
                Participation.opportunity_id == opportunity.id
            )
        ).all()
    )
    assert statuses == {
        holder.id: S.WITHDRAWN,
        first_waiting.id: S.APPROVED,
        second_waiting.id: S.WAITLISTED,
    }
    assert _seats_taken(opportunity) == 1
    assert (
        _count(
            Notification,
            Notification.user_id == first_waiting.id,
            Notification.kind == "application_approved",
        )
        == 1
    )


def test_in_review_mode_a_freed_seat_is_offered_to_the_manager(make):
    opportunity = make.opportunity(seats=1)
    holder, waiting = make.advocate(), make.advocate()
    seat = make.participation(opportunity, holder, S.APPROVED)
    make.participation(opportunity, waiting, S.WAITLISTED)
    participating.withdraw(db.session.get(Participation, seat.id), holder)
    db.session.flush()
    assert _seats_taken(opportunity) == 0
    offers = queues.seat_offers()
    assert [(o.id, p.advocate_id) for o, p in offers] == [(opportunity.id, waiting.id)]


def test_no_withdrawing_after_the_start(make):
    opportunity = make.opportunity()
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate, S.APPROVED)
    with time_machine.travel(opportunity.starts_at):
        with pytest.raises(InvalidState, match="already started"):
            participating.withdraw(db.session.get(Participation, participation.id), advocate)


def test_nobody_withdraws_someone_elses_application(make):
    opportunity = make.opportunity()
    participation = make.participation(opportunity, make.advocate())
    from portal.errors import NotAllowed

    with pytest.raises(NotAllowed):
        participating.withdraw(db.session.get(Participation, participation.id), make.advocate())


# --- decisions --------------------------------------------------------------


def test_approving_never_exceeds_the_seats(make):
    opportunity = make.opportunity(seats=1)
    manager = make.manager()
    first = make.participation(opportunity, make.advocate())
    second = make.participation(opportunity, make.advocate())
    assert participating.decide(first, participating.Decision.APPROVE, by=manager)
    db.session.commit()
    with pytest.raises(SeatsFull):
        participating.decide(second, participating.Decision.APPROVE, by=manager)
    db.session.rollback()
    assert _seats_taken(opportunity) == 1
    assert db.session.get(Participation, second.id).status == S.APPLIED


def test_deciding_twice_is_harmless(make):
    opportunity = make.opportunity(seats=2)
    manager = make.manager()
    participation = make.participation(opportunity, make.advocate())
    assert participating.decide(
        participation, participating.Decision.APPROVE, by=manager, message="Welcome"
    )
    assert not participating.decide(participation, participating.Decision.APPROVE, by=manager)
    assert _seats_taken(opportunity) == 1
    assert participation.manager_message == "Welcome"


def test_declining_an_approved_advocate_frees_their_seat(make):
    opportunity = make.opportunity(seats=1)
    participation = make.participation(opportunity, make.advocate(), S.APPROVED)
    participating.decide(
        db.session.get(Participation, participation.id),
        participating.Decision.DECLINE,
        by=make.manager(),
        message="Sorry, the panel changed.",
    )
    assert _seats_taken(opportunity) == 0
    notification = db.session.scalar(sa.select(Notification))
    assert "declined" in notification.message and "panel changed" in notification.message


def test_no_decisions_on_withdrawn_or_completed(make):
    opportunity = make.opportunity()
    withdrawn = make.participation(opportunity, make.advocate(), S.WITHDRAWN)
    with pytest.raises(InvalidState):
        participating.decide(withdrawn, participating.Decision.APPROVE, by=make.manager())


# --- completion and points --------------------------------------------------


def test_completion_writes_one_ledger_entry(make):
    opportunity = make.opportunity(points=150)
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate, S.APPROVED)
    manager = make.manager()
    with time_machine.travel(opportunity.starts_at + timedelta(minutes=5)):
        assert participating.mark_completed(participation, by=manager)
        assert not participating.mark_completed(participation, by=manager)
    entries = db.session.scalars(sa.select(PointsEntry)).all()
    assert [(e.points, e.award_key, e.source_id) for e in entries] == [
        (150, f"participation:{participation.id}", participation.id)
    ]
    assert ledger.total_for(advocate.id) == 150


def test_no_completion_before_the_start_or_without_approval(make):
    opportunity = make.opportunity()
    approved = make.participation(opportunity, make.advocate(), S.APPROVED)
    applied = make.participation(opportunity, make.advocate(), S.APPLIED)
    manager = make.manager()
    with pytest.raises(InvalidState, match="hasn't started"):
        participating.mark_completed(approved, by=manager)
    with time_machine.travel(opportunity.starts_at + timedelta(minutes=1)):
        with pytest.raises(InvalidState, match="Only approved"):
            participating.mark_completed(applied, by=manager)
    assert _count(PointsEntry) == 0


def test_no_show_after_a_mistaken_completion_reverses_the_points(make):
    opportunity = make.opportunity(points=80)
    advocate = make.advocate()
    participation = make.participation(opportunity, advocate, S.APPROVED)
    manager = make.manager()
    with time_machine.travel(opportunity.starts_at + timedelta(hours=3)):
        participating.mark_completed(participation, by=manager)
        participating.mark_no_show(participation, by=manager)
        participating.mark_no_show(participation, by=manager)
    assert ledger.total_for(advocate.id) == 0
    assert sorted(e.points for e in db.session.scalars(sa.select(PointsEntry))) == [-80, 80]
    assert _seats_taken(opportunity) == 0


# --- invitations are asks ---------------------------------------------------


def test_invitation_is_an_ask_and_can_be_accepted(make):
    opportunity = make.opportunity(seats=1)
    advocate = make.advocate()
    participation = invitations.invite_to_opportunity(
        opportunity, advocate, by=make.manager(), message="You'd be great"
    )
    assert participation.status == S.INVITED
    ask = db.session.scalar(sa.select(Ask))
    assert (ask.advocate_id, ask.opportunity_id, ask.topic) == (
        advocate.id,
        opportunity.id,
        OpportunityType.SPEAKING_PANEL.value,
    )
    invitations.respond_to_invitation(participation, advocate, accept=True)
    assert participation.status == S.APPROVED
    assert ask.answer == AskAnswer.ACCEPTED
    assert _seats_taken(opportunity) == 1


def test_declining_an_invitation_records_the_answer(make):
    opportunity = make.opportunity()
    advocate = make.advocate()
    participation = invitations.invite_to_opportunity(opportunity, advocate, by=make.manager())
    invitations.respond_to_invitation(participation, advocate, accept=False)
    assert participation.status == S.WITHDRAWN
    assert db.session.scalar(sa.select(Ask)).answer == AskAnswer.DECLINED


def test_nobody_is_invited_to_a_type_they_closed(make):
    advocate = make.advocate(open_types=[OpportunityType.WEBINAR])
    with pytest.raises(AskNotAllowed) as error:
        invitations.invite_to_opportunity(make.opportunity(), advocate, by=make.manager())
    assert error.value.reasons == ["not open to speaking panel"]
    db.session.rollback()
    assert _count(Ask) == 0 and _count(Participation) == 0


def test_nobody_is_invited_during_their_quiet_period(make):
    from portal import clock

    advocate = make.advocate(quiet_until=clock.today() + timedelta(days=3))
    with pytest.raises(AskNotAllowed, match="quiet period"):
        invitations.invite_to_opportunity(make.opportunity(), advocate, by=make.manager())


def test_invitations_stop_at_the_cap_and_own_applications_dont_count(make):
    advocate = make.advocate(max_asks=2)
    manager = make.manager()
    participating.apply(make.opportunity(), advocate)  # not an ask
    invitations.invite_to_opportunity(make.opportunity(), advocate, by=manager)
    invitations.invite_to_opportunity(make.opportunity(), advocate, by=manager)
    with pytest.raises(AskNotAllowed, match="asked 2 of 2 times this quarter"):
        invitations.invite_to_opportunity(make.opportunity(), advocate, by=manager)


def test_only_advocates_the_opportunity_is_open_to_can_be_invited(make):
    opportunity = make.opportunity(industries=[Industry.HEALTHCARE])
    outsider = make.advocate(industry=Industry.RETAIL)
    with pytest.raises(NotEligible, match="For customers in Healthcare"):
        invitations.invite_to_opportunity(opportunity, outsider, by=make.manager())
    db.session.rollback()
    # Nothing was recorded, not even the ask.
    assert _count(Ask) == 0 and _count(Participation) == 0
    insider = make.advocate(industry=Industry.HEALTHCARE)
    invitations.invite_to_opportunity(opportunity, insider, by=make.manager())
    assert _count(Participation, Participation.status == S.INVITED) == 1


def test_accepting_an_invitation_checks_eligibility_again(make):
    from portal.advocates.employment import record_move

    opportunity = make.opportunity(industries=[Industry.HEALTHCARE])
    advocate = make.advocate(industry=Industry.HEALTHCARE)
    invitation = invitations.invite_to_opportunity(opportunity, advocate, by=make.manager())
    db.session.commit()
    record_move(
        advocate,
        account=make.account(name="Shop Co", industry=Industry.RETAIL),
        title="Buyer",
        started_on=clock.today(),
    )
    db.session.commit()
    with pytest.raises(NotEligible, match="not eligible"):
        invitations.respond_to_invitation(invitation, advocate, accept=True)
    db.session.rollback()
    assert db.session.get(Participation, invitation.id).status == S.INVITED
    assert _seats_taken(opportunity) == 0
    # Declining still works.
    invitations.respond_to_invitation(invitation, advocate, accept=False)
    assert invitation.status == S.WITHDRAWN


def test_the_cap_resets_with_the_program_quarter(make, app):
    from portal import clock

    advocate = make.advocate(max_asks=1)
    manager = make.manager()
    quarter = clock.current_period("quarter")
    with time_machine.travel(quarter.ends_at - timedelta(minutes=1)):
        invitations.invite_to_opportunity(
            make.opportunity(starts_at=utcnow() + timedelta(days=30)), advocate, by=manager
        )
        with pytest.raises(AskNotAllowed):
            invitations.invite_to_opportunity(
                make.opportunity(starts_at=utcnow() + timedelta(days=30)), advocate, by=manager
            )
        db.session.rollback()
    with time_machine.travel(quarter.ends_at):
        invitations.invite_to_opportunity(
            make.opportunity(starts_at=utcnow() + timedelta(days=30)), advocate, by=manager
        )


# --- editing ----------------------------------------------------------------


def _data(opportunity: Opportunity, **changes) -> posting.OpportunityData:
    values = dict(
        type=opportunity.type,
        title=opportunity.title,
        summary=opportunity.summary,
        description=opportunity.description,
        starts_at=opportunity.starts_at,
        ends_at=opportunity.ends_at,
        timezone=opportunity.timezone,
        is_online=opportunity.is_online,
        location=opportunity.location,
        seats=opportunity.seats,
        application_deadline=opportunity.application_deadline,
        points=opportunity.points,
        approval_mode=opportunity.approval_mode,
    )
    values.update(changes)
    return posting.OpportunityData(**values)


def test_seats_cannot_drop_below_the_approved(make):
    opportunity = make.opportunity(seats=3)
    make.participation(opportunity, make.advocate(), S.APPROVED)
    make.participation(opportunity, make.advocate(), S.APPROVED)
    opportunity = db.session.get(Opportunity, opportunity.id)
    with pytest.raises(InvalidState, match="2 advocates are approved"):
        posting.update_opportunity(opportunity, _data(opportunity, seats=1))


def test_adding_seats_in_first_come_promotes_the_waitlist(make):
    opportunity = make.opportunity(seats=1, mode=ApprovalMode.FIRST_COME)
    make.participation(opportunity, make.advocate(), S.APPROVED)
    waiting = make.participation(opportunity, make.advocate(), S.WAITLISTED)
    opportunity = db.session.get(Opportunity, opportunity.id)
    posting.update_opportunity(opportunity, _data(opportunity, seats=2))
    assert db.session.get(Participation, waiting.id).status == S.APPROVED
    assert _seats_taken(opportunity) == 2


def test_publishing_needs_a_future_deadline(make):
    opportunity = make.opportunity(state=OpportunityState.DRAFT)
    opportunity = db.session.get(Opportunity, opportunity.id)
    with time_machine.travel(opportunity.application_deadline + timedelta(hours=1)):
        with pytest.raises(InvalidState, match="deadline has passed"):
            posting.publish(opportunity)
    posting.publish(opportunity)
    assert opportunity.state == OpportunityState.PUBLISHED
    posting.close(opportunity)
    posting.reopen(opportunity)
    assert opportunity.state == OpportunityState.PUBLISHED


def test_cancelling_tells_everyone_taking_part(make):
    opportunity = make.opportunity()
    taking_part = [
        make.participation(opportunity, make.advocate(), s) for s in (S.APPLIED, S.APPROVED)
    ]
    make.participation(opportunity, make.advocate(), S.WITHDRAWN)
    told = posting.cancel(db.session.get(Opportunity, opportunity.id), message="Venue closed.")
    assert told == 2
    recipients = set(db.session.scalars(sa.select(Notification.user_id)))
    assert recipients == {p.advocate_id for p in taking_part}
