"""Invitations: staff asking one advocate to take part, and the advocate's answer.

An invitation is an ask, so the advocate's consent and caps decide whether
it may be sent (`advocates.consent`); and it is an offer of a place, so the
opportunity's eligibility rules apply exactly as they do to an application.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.advocates import consent
from portal.advocates.models import AskAnswer, AskKind
from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import AlreadyExists, AskNotAllowed, InvalidState, NotAllowed
from portal.extensions import db
from portal.notifications.services import notify
from portal.opportunities import eligibility, seats
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
    in_sentence,
)
from portal.opportunities.participation import answer_ask, participation_of
from portal.opportunities.seats import lock_participation
from portal.signals import participation_approved

S = ParticipationStatus


def invite_to_opportunity(
    opportunity: Opportunity, advocate: User, *, by: User, message: str = ""
) -> Participation:
    """Invite one advocate. Consent, caps and eligibility apply; there is no override.

    Raises AskNotAllowed with the reasons, NotEligible, AlreadyExists, or InvalidState.
    """
    if opportunity.state != OpportunityState.PUBLISHED:
        raise InvalidState(_("Publish the opportunity before inviting advocates."))
    if utcnow() >= opportunity.starts_at:
        raise InvalidState(_("It has already started."))
    existing = participation_of(advocate.id, opportunity.id)
    if existing is not None:
        raise AlreadyExists(
            _(
                "%(name)s is already %(status)s for this opportunity.",
                name=advocate.name,
                status=in_sentence(existing.status.label),
            )
        )
    eligibility.check(opportunity, advocate.id, who=advocate.name)
    try:
        ask = consent.record_ask(
            advocate,
            kind=AskKind.INVITATION,
            topic=opportunity.type.value,
            subject=opportunity.title,
            asked_by=by,
            opportunity_id=opportunity.id,
        )
    except AskNotAllowed as refused:
        raise AskNotAllowed(
            refused.reasons, lead=_("%(name)s can't be invited", name=advocate.name)
        ) from None
    participation = Participation(
        opportunity=opportunity,
        advocate=advocate,
        status=S.INVITED,
        ask=ask,
        manager_message=message.strip(),
        decided_by_id=by.id,
    )
    db.session.add(participation)
    try:
        db.session.flush()
    except IntegrityError:  # invited, or applied, a moment ago
        db.session.rollback()
        raise AlreadyExists(
            _("%(name)s was invited or applied a moment ago.", name=advocate.name)
        ) from None
    trail.record(
        "participation.invited",
        "participation",
        participation.id,
        by_id=by.id,
        after={"status": S.INVITED},
        details={"advocate_id": advocate.id, "opportunity_id": opportunity.id},
    )
    notify(
        advocate.id,
        "invitation",
        _l(
            "You're invited to “%(title)s”. %(message)s",
            title=opportunity.title,
            message=message.strip(),
        )
        if message.strip()
        else _l("You're invited to “%(title)s”.", title=opportunity.title),
        "opportunities.detail",
        subject=_l("You're invited: %(title)s", title=opportunity.title),
        opportunity_id=opportunity.id,
    )
    return participation


def respond_to_invitation(
    participation: Participation, advocate: User, *, accept: bool
) -> Participation:
    """Accept (a seat if one is left, else the waitlist) or decline an invitation; returns it.

    Accepting checks eligibility again: what changed since the invitation
    (a move to another company, a tier stepped down) counts.
    """
    if participation.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your invitation."))
    participation = lock_participation(participation)
    if participation.status != S.INVITED:
        raise InvalidState(_("This invitation was already answered."))
    opportunity = participation.opportunity
    if opportunity.state == OpportunityState.CANCELLED or utcnow() >= opportunity.starts_at:
        raise InvalidState(_("This opportunity is no longer open."))
    now = utcnow()
    if not accept:
        participation.status = S.WITHDRAWN
        answer_ask(participation, AskAnswer.DECLINED)
        return participation
    eligibility.check(opportunity, advocate.id)
    answer_ask(participation, AskAnswer.ACCEPTED)
    if seats.take_seat(opportunity):
        participation.status, participation.decided_at = S.APPROVED, now
        db.session.flush()
        participation_approved.send(advocate.id, participation=participation)
    else:
        participation.status, participation.waitlisted_at = S.WAITLISTED, now
    return participation
