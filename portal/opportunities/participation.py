"""Taking part: applying, withdrawing, the manager's decisions and completion.

Every state change locks the participation row (`FOR UPDATE`) and re-reads
it first, so a double click or two managers at once decide once. Seats move
only through `opportunities.seats`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.advocates.models import AskAnswer
from portal.audit.trail import record_change
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.errors import AlreadyExists, InvalidState, NotAllowed, PortalError, SeatsFull
from portal.extensions import db
from portal.mail import outbox
from portal.notifications.services import notify, notify_staff
from portal.opportunities import eligibility, notices, seats
from portal.opportunities.models import (
    OPEN_STATUSES,
    ApprovalMode,
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
    in_sentence,
)
from portal.opportunities.seats import lock_participation
from portal.recognition import ledger
from portal.recognition.models import PointsSource
from portal.signals import participation_approved, participation_completed

S = ParticipationStatus


def participation_of(advocate_id: int, opportunity_id: int) -> Participation | None:
    return db.session.scalar(
        sa.select(Participation).where(
            Participation.advocate_id == advocate_id,
            Participation.opportunity_id == opportunity_id,
        )
    )


# --- applying (the advocate) ----------------------------------------------


def _check_open_for_applications(opportunity: Opportunity) -> None:
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState(_("This opportunity is not taking applications."))
    if utcnow() >= opportunity.application_deadline:
        raise InvalidState(_("The application deadline has passed."))


def _seats_taken() -> str:
    return _("All seats are taken. You can join the waitlist instead.")


def apply(
    opportunity: Opportunity,
    advocate: User,
    *,
    note: str = "",
    join_waitlist: bool = False,
) -> Participation:
    """Apply (or join the waitlist). In first-come mode a free seat approves at once.

    Raises InvalidState (not open, deadline passed), NotEligible, AlreadyExists
    (applied or invited before) and SeatsFull (no seat, and the advocate did
    not ask to join the waitlist).
    """
    if advocate.role != Role.ADVOCATE:
        raise NotAllowed(_("Only advocates can apply."))
    _check_open_for_applications(opportunity)
    eligibility.check(opportunity, advocate.id)
    existing = participation_of(advocate.id, opportunity.id)
    if existing is not None:
        raise AlreadyExists(_already_there(existing))
    db.session.refresh(opportunity, ["seats_taken"])
    if opportunity.is_full and not join_waitlist:
        raise SeatsFull(_seats_taken())

    now = utcnow()
    participation = Participation(
        opportunity=opportunity, advocate=advocate, status=S.APPLIED, note=note.strip()
    )
    db.session.add(participation)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same advocate, a moment earlier
        db.session.rollback()
        raise AlreadyExists(_("You already applied to this opportunity.")) from error

    if join_waitlist and opportunity.is_full:
        participation.status, participation.waitlisted_at = S.WAITLISTED, now
    elif opportunity.approval_mode == ApprovalMode.FIRST_COME:
        if seats.take_seat(opportunity):
            participation.status, participation.decided_at = S.APPROVED, now
        elif join_waitlist:  # the last seat went to someone else a moment ago
            participation.status, participation.waitlisted_at = S.WAITLISTED, now
        else:  # ...and nobody is put on a waitlist they didn't ask for
            raise SeatsFull(_seats_taken())
    db.session.flush()
    _tell_applicant(participation, opportunity)
    if participation.status == S.APPLIED:
        notify_staff(
            "team_application",
            notices.team_application(advocate.name, opportunity.title),
            "manage.opportunities.applications",
        )
    if participation.status == S.APPROVED:
        participation_approved.send(advocate.id, participation=participation)
    return participation


def _tell_applicant(participation: Participation, opportunity: Opportunity) -> None:
    kind, subject, message = notices.applied(participation.status, opportunity.title)
    notify(
        participation.advocate_id,
        kind,
        message,
        "opportunities.detail",
        subject=subject,
        opportunity_id=opportunity.id,
    )


def _already_there(participation: Participation) -> str:
    if participation.status == S.INVITED:
        return _("You're invited to this opportunity: accept the invitation instead.")
    if participation.status == S.WITHDRAWN:
        return _("You withdrew from this opportunity; contact the program team to rejoin.")
    return _(
        "You already applied to this opportunity (%(status)s).",
        status=in_sentence(participation.status.label),
    )


def withdraw(participation: Participation, advocate: User) -> None:
    """Step back before the start; a freed seat goes to the waitlist (first come)."""
    if participation.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your application."))
    participation = lock_participation(participation)
    if participation.status not in OPEN_STATUSES:
        raise InvalidState(
            _(
                "You can't withdraw: this is %(status)s already.",
                status=in_sentence(participation.status.label),
            )
        )
    opportunity = participation.opportunity
    if utcnow() >= opportunity.starts_at:
        raise InvalidState(_("It has already started. Contact the program team instead."))
    held_seat = participation.holds_seat
    if participation.status == S.INVITED:
        answer_ask(participation, AskAnswer.DECLINED)
    participation.status = S.WITHDRAWN
    db.session.flush()
    if held_seat:
        seats.seat_freed(opportunity)


def answer_ask(participation: Participation, answer: AskAnswer) -> None:
    """Record the advocate's answer on the ask behind an invitation (the first answer counts)."""
    if participation.ask is not None and participation.ask.answer is None:
        participation.ask.answer = answer
        participation.ask.answered_at = utcnow()


# --- deciding (the manager) -----------------------------------------------


class Decision(StrEnum):
    APPROVE = "approve"
    WAITLIST = "waitlist"
    DECLINE = "decline"

    @property
    def past_tense(self) -> str:
        return in_sentence(_DECISION_STATUS[self].label)


_DECISION_STATUS = {
    Decision.APPROVE: S.APPROVED,
    Decision.WAITLIST: S.WAITLISTED,
    Decision.DECLINE: S.DECLINED,
}
_DECIDABLE = frozenset({S.APPLIED, S.WAITLISTED, S.APPROVED})


def decide(
    participation: Participation, decision: Decision, *, by: User, message: str = ""
) -> bool:
    """Approve, waitlist or decline an application; the advocate sees the message.

    Returns False when it was already so (a double click changes nothing).
    Raises SeatsFull when approving with no seat left, InvalidState when the
    application can no longer be decided.
    """
    participation = lock_participation(participation)
    target = _DECISION_STATUS[decision]
    if participation.status == target:
        return False
    opportunity = participation.opportunity
    if participation.status not in _DECIDABLE:
        raise InvalidState(
            _(
                "This application is %(status)s; it can't be changed.",
                status=in_sentence(participation.status.label),
            )
        )
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState(_("This opportunity is cancelled."))
    if utcnow() >= opportunity.starts_at:
        raise InvalidState(_("It has started: mark participants completed or no-show instead."))
    now = utcnow()
    held_seat = participation.holds_seat
    if target == S.APPROVED and not seats.take_seat(opportunity):
        raise SeatsFull(
            _(
                "All %(num)s seats are taken. Add seats or waitlist this advocate.",
                num=opportunity.seats,
            )
        )
    record_change("participation.decided", participation, by_id=by.id, status=target)
    participation.status = target
    participation.decided_at, participation.decided_by_id = now, by.id
    if target == S.WAITLISTED:
        participation.waitlisted_at = now
    if message.strip():
        participation.manager_message = message.strip()
    db.session.flush()
    if held_seat:
        seats.seat_freed(opportunity)
    if target == S.APPROVED:
        participation_approved.send(participation.advocate_id, participation=participation)
    declined = target == S.DECLINED
    notify(
        participation.advocate_id,
        f"application_{target.value}",
        notices.decided(target, opportunity.title, message.strip()),
        subject=notices.decided_subject(target, opportunity.title),
        # A decline can be undone for a little while before its mail goes.
        hold=DECLINE_MAIL_HOLD if declined else None,
        mail_key=_decline_mail_key(participation) if declined else None,
        opportunity_id=opportunity.id,
    )
    return True


# A decline's mail waits this long in the outbox: reopening in time withdraws it.
DECLINE_MAIL_HOLD = timedelta(minutes=2)


def _decline_mail_key(participation: Participation) -> str:
    return f"application_declined:{participation.id}:{participation.decided_at.isoformat()}"


def reopen_declined(participation: Participation, *, by: User) -> Participation:
    """Put a declined application back in the queue, until the opportunity starts.

    If the decline's mail is still held in the outbox, it is withdrawn and the
    advocate never hears of it. Raises InvalidState for anything not declined,
    after the start or for a cancelled opportunity.
    """
    participation = lock_participation(participation)
    opportunity = participation.opportunity
    if participation.status != S.DECLINED:
        raise InvalidState(
            _(
                "This application is %(status)s, not declined.",
                status=in_sentence(participation.status.label),
            )
        )
    if opportunity.state == OpportunityState.CANCELLED or utcnow() >= opportunity.starts_at:
        raise InvalidState(_("It has started or was cancelled: a decline stands now."))
    told = not outbox.withdraw(_decline_mail_key(participation))
    record_change("participation.reopened", participation, by_id=by.id, status=S.APPLIED)
    participation.status = S.APPLIED
    participation.decided_at, participation.decided_by_id = None, by.id
    db.session.flush()
    if told:
        notify(
            participation.advocate_id,
            "application_received",
            notices.under_review_again(opportunity.title),
            "opportunities.detail",
            subject=notices.under_review_again_subject(opportunity.title),
            opportunity_id=opportunity.id,
        )
    return participation


@dataclass
class BulkOutcome:
    """What a decision on several applications did: who changed, and why others didn't."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def decide_many(
    participation_ids: list[int], decision: Decision, *, by: User, message: str = ""
) -> BulkOutcome:
    """The same decision for several applications, one at a time in the order given.

    Each one is decided as `decide` would, in a savepoint: a refusal (no seat
    left, already withdrawn) keeps the others. Seats are settled by the
    database, so approving more than are left approves only as many.
    """
    outcome = BulkOutcome()
    for participation_id in dict.fromkeys(participation_ids):
        taking_part = db.session.get(Participation, participation_id)
        if taking_part is None:
            continue
        name = taking_part.advocate.name
        try:
            with db.session.begin_nested():
                decide(taking_part, decision, by=by, message=message)
        except PortalError as error:
            outcome.refused.append((name, error.message))
        else:
            outcome.done.append(name)
    return outcome


# --- after the start: completed or no-show ----------------------------------


def mark_completed(participation: Participation, *, by: User) -> bool:
    """Record that the advocate took part; their points follow in the same transaction.

    Idempotent: completing twice (or ten times at once) awards once.
    Raises InvalidState before the start or for an advocate who wasn't approved.
    """
    participation = lock_participation(participation)
    if participation.status == S.COMPLETED:
        return False
    opportunity = participation.opportunity
    _check_can_mark(participation, opportunity)
    record_change("participation.completed", participation, by_id=by.id, status=S.COMPLETED)
    participation.status = S.COMPLETED
    participation.completed_at = utcnow()
    participation.decided_by_id = by.id
    db.session.flush()
    ledger.award(
        participation.advocate_id,
        opportunity.points,
        reason=opportunity.title,
        key=ledger.participation_key(participation.id),
        source=PointsSource.PARTICIPATION,
        source_id=participation.id,
        by_id=by.id,
    )
    notify(
        participation.advocate_id,
        "participation_completed",
        notices.completed(opportunity.title, opportunity.points),
        "main.dashboard",
    )
    participation_completed.send(participation.advocate_id, participation=participation)
    return True


def mark_no_show(participation: Participation, *, by: User) -> bool:
    """Record that an approved advocate didn't take part; a mistaken completion is reversed."""
    participation = lock_participation(participation)
    if participation.status == S.NO_SHOW:
        return False
    opportunity = participation.opportunity
    if participation.status == S.COMPLETED:
        entry = ledger.entry_for_key(ledger.participation_key(participation.id))
        if entry is not None:
            ledger.reverse(entry, reason=f"Marked no-show: {opportunity.title}", by_id=by.id)
    else:
        _check_can_mark(participation, opportunity)
    record_change("participation.no_show", participation, by_id=by.id, status=S.NO_SHOW)
    participation.status = S.NO_SHOW
    participation.decided_by_id = by.id
    db.session.flush()
    seats.free_seat(opportunity)
    return True


def record_completion(opportunity: Opportunity, advocate: User, *, by: User) -> Participation:
    """Record that an advocate took part in something that already happened; points follow.

    For activities staff learn about afterwards (a review posted yesterday, an
    event last week): the advocate gets a seat and is marked completed at once,
    whatever the dates, and a draft becomes closed (it happened). Recording the
    same advocate twice changes nothing. Raises InvalidState before the start,
    for a cancelled opportunity or a declined or withdrawn advocate, and
    SeatsFull when every seat is taken.
    """
    if advocate.role != Role.ADVOCATE:
        raise NotAllowed(_("Only advocates take part."))
    if opportunity.state == OpportunityState.CANCELLED:
        raise InvalidState(_("This opportunity is cancelled."))
    if utcnow() < opportunity.starts_at:
        raise InvalidState(_("It hasn't happened yet: invite or approve advocates instead."))
    taking_part = participation_of(advocate.id, opportunity.id)
    if taking_part is not None:
        taking_part = lock_participation(taking_part)
        if taking_part.status == S.COMPLETED:
            return taking_part
        if taking_part.status not in (S.APPLIED, S.INVITED, S.WAITLISTED, S.APPROVED):
            raise InvalidState(
                _(
                    "%(name)s is %(status)s for this opportunity.",
                    name=advocate.name,
                    status=in_sentence(taking_part.status.label),
                )
            )
    if taking_part is None or taking_part.status != S.APPROVED:
        if not seats.take_seat(opportunity):
            raise SeatsFull(
                _("All %(num)s seats are taken: add seats first.", num=opportunity.seats)
            )
        if taking_part is None:
            taking_part = Participation(opportunity=opportunity, advocate=advocate)
            db.session.add(taking_part)
        taking_part.status = S.APPROVED
        taking_part.decided_at, taking_part.decided_by_id = utcnow(), by.id
        try:
            db.session.flush()
        except IntegrityError as error:  # recorded by someone else a moment earlier
            db.session.rollback()
            raise AlreadyExists(
                _("%(name)s was just recorded; reload the page.", name=advocate.name)
            ) from error
    if opportunity.state == OpportunityState.DRAFT:
        opportunity.state = OpportunityState.CLOSED
    mark_completed(taking_part, by=by)
    return taking_part


def _check_can_mark(participation: Participation, opportunity: Opportunity) -> None:
    if participation.status != S.APPROVED:
        raise InvalidState(_("Only approved participants can be marked."))
    if utcnow() < opportunity.starts_at:
        raise InvalidState(_("It hasn't started yet."))
