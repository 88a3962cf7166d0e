"""Asking advocates for a reference, and their answers.

Each ask is an `Ask` recorded through `advocates.consent.record_ask`, which
locks the advocate's profile and applies their consent and cap; with the
lock held, the shortlist's own exclusions (an unanswered ask, the cool-down,
the prospect's employees) are checked again, so ten staff asking the same
advocate at once never pass the cap. The first to accept takes the request
(locked first); the other open asks are withdrawn and still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import clock
from portal.advocates import consent, profiles
from portal.advocates.models import AdvocateProfile, AskAnswer, AskKind, OpenType
from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import AskNotAllowed, InvalidState, NotAllowed
from portal.extensions import db
from portal.i18n import format_long_date
from portal.mail import outbox
from portal.notifications.services import notify
from portal.references import links, matching, rules
from portal.references.explain import reason_text
from portal.references.models import (
    KIND_NOUNS,
    KIND_PLURALS,
    NEW_CONSENT_KINDS,
    SEARCHING,
    AskStatus,
    DeclineReason,
    ReferenceAsk,
    ReferenceRecord,
    ReferenceRequest,
    RequestState,
    in_english,
)
from portal.references.requests import can_see, lock_request
from portal.signals import reference_answered
from portal.urls import absolute_url

MAX_AT_ONCE = 3


def ask_candidates(
    request: ReferenceRequest, advocate_ids: list[int], *, by: User
) -> list[ReferenceAsk]:
    """Ask up to three advocates at once for `request`.

    Raises NotAllowed (not the requester's request), InvalidState (the request
    no longer searches, too many at once), AskNotAllowed with the reasons.
    """
    if not can_see(by, request):
        raise NotAllowed(_("This is not your request."))
    ids = sorted(set(advocate_ids))
    if not ids:
        raise InvalidState(_("Choose at least one advocate to ask."))
    request = lock_request(request)
    if request.state not in SEARCHING:
        raise InvalidState(
            _(
                "This request no longer looks for an advocate (%(state)s): nobody can be asked.",
                state=request.state.label,
            )
        )
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReferenceAsk)
        .where(ReferenceAsk.request_id == request.id, ReferenceAsk.status == AskStatus.PENDING)
    )
    if waiting + len(ids) > MAX_AT_ONCE:
        raise InvalidState(
            _(
                "Ask at most %(most)d advocates at once (%(waiting)d still to answer).",
                most=MAX_AT_ONCE,
                waiting=waiting,
            )
        )
    settings = rules.current()
    now = utcnow()
    asked = []
    # In id order, so two requests asking overlapping advocates lock them in the same order.
    for advocate_id in ids:
        advocate = db.session.get(User, advocate_id)
        if advocate is None:
            raise InvalidState(_("Choose advocates from the shortlist."))
        # Their row locked first; then the shortlist's rules, read under the lock.
        _lock_profile(advocate_id)
        reasons = matching.exclusions_for(request, [advocate_id])[advocate_id]
        if reasons:
            raise AskNotAllowed(
                [reason_text(reason, settings.cooldown_days) for reason in reasons],
                lead=_("%(name)s can't be asked", name=advocate.name),
            )
        try:
            ask = consent.record_ask(
                advocate,
                kind=AskKind.REFERENCE_REQUEST,
                topic=request.kind.value,
                subject=f"{in_english(request.kind.label)} for {request.prospect_name}",
                asked_by=by,
            )
        except AskNotAllowed as refused:
            raise AskNotAllowed(
                refused.reasons, lead=_("%(name)s can't be asked", name=advocate.name)
            ) from None
        reference_ask = ReferenceAsk(
            request_id=request.id,
            advocate_id=advocate_id,
            ask_id=ask.id,
            status=AskStatus.PENDING,
            asked_at=now,
            due_at=now + timedelta(days=settings.answer_days),
        )
        db.session.add(reference_ask)
        db.session.flush()
        _tell_advocate(reference_ask, request, settings.answer_days)
        asked.append(reference_ask)
    trail.record_change(
        "reference_request.asked",
        request,
        by_id=by.id,
        details={"advocate_ids": ids},
        state=RequestState.ASKED,
    )
    request.state = RequestState.ASKED
    return asked


def _lock_profile(advocate_id: int) -> None:
    db.session.execute(
        sa.select(AdvocateProfile.user_id)
        .where(AdvocateProfile.user_id == advocate_id)
        .with_for_update()
    )


def _tell_advocate(ask: ReferenceAsk, request: ReferenceRequest, days: int) -> None:
    notify(
        ask.advocate_id,
        "reference_ask",
        _l(
            "Could you help with a %(kind)s? %(prospect)s (%(industry)s, %(region)s) "
            "would like to hear from a customer.",
            kind=KIND_NOUNS[request.kind],
            prospect=request.prospect_name,
            industry=request.industry.label,
            region=request.region.label,
        ),
        "references.my_ask",
        ask_id=ask.id,
    )
    subject = _l(
        "Could you help? %(kind)s with %(prospect)s",
        kind=request.kind.label,
        prospect=request.prospect_name,
    )
    mail_ask(ask, request, subject, reminder=False, days=days)


def mail_ask(ask: ReferenceAsk, request: ReferenceRequest, subject, *, reminder: bool, days: int):
    advocate = ask.advocate
    outbox.enqueue(
        kind="reference_reminder" if reminder else "reference_ask",
        to_address=advocate.email,
        to_name=advocate.name,
        user_id=advocate.id,
        subject=subject,
        template="reference_ask",
        context={
            "name": advocate.first_name,
            "request": request,
            "reminder": reminder,
            "due_at": clock.local(
                ask.due_at, clock.zone(advocate.timezone or clock.program_tz().key)
            ),
            "days": days,
            "accept_url": links.answer_url(ask, "accept"),
            "decline_url": links.answer_url(ask, "decline"),
            "ask_url": absolute_url("references.my_ask", ask_id=ask.id),
        },
        dedupe_key=f"reference-{'reminder' if reminder else 'ask'}:{ask.id}",
    )


@dataclass(frozen=True)
class Answer:
    ask: ReferenceAsk
    accepted: bool
    # A change of settings to offer after a decline: "quiet" or "close_kind".
    offer: str | None = None


def lock_ask(ask: ReferenceAsk) -> ReferenceAsk:
    return db.session.scalar(
        sa.select(ReferenceAsk)
        .where(ReferenceAsk.id == ask.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def answer(
    ask: ReferenceAsk,
    advocate: User,
    *,
    accept: bool,
    reason: DeclineReason | None = None,
    note: str = "",
) -> Answer:
    """The advocate accepts or declines. Raises NotAllowed (someone else's ask),
    InvalidState (already answered, too late, or another advocate took it)."""
    if ask.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your ask."))
    request = lock_request(ask.request)  # the request first: one acceptance wins
    ask = lock_ask(ask)
    if ask.status != AskStatus.PENDING:
        raise InvalidState(
            _("This ask was already answered (%(status)s).", status=ask.status.label)
        )
    now = utcnow()
    if now >= ask.due_at:
        raise InvalidState(_("The time to answer this ask has passed."))
    _record_answer(ask, now)
    if not accept:
        ask.status = AskStatus.DECLINED
        ask.decline_reason = reason or DeclineReason.NOT_NOW
        ask.decline_note = note.strip()[:500]
        ask.ask.answer = AskAnswer.DECLINED
        back_to_shortlist_if_nobody_left(request)
        reference_answered.send(request.id, ask=ask)
        offer = {DeclineReason.NOT_THIS_QUARTER: "quiet", DeclineReason.NOT_THIS_KIND: "close_kind"}
        return Answer(ask, False, offer.get(ask.decline_reason))
    if request.state not in SEARCHING:
        ask.status = AskStatus.WITHDRAWN
        raise InvalidState(_("Another advocate has already taken this request. Thank you!"))
    ask.status = AskStatus.ACCEPTED
    ask.ask.answer = AskAnswer.ACCEPTED
    request.state = RequestState.SCHEDULED
    request.accepted_advocate_id = advocate.id
    if request.first_accepted_at is None:
        request.first_accepted_at = now
        request.seconds_to_acceptance = int((now - request.created_at).total_seconds())
    withdraw_open_asks(request, taken=True)
    reference_answered.send(request.id, ask=ask)
    notify(
        request.requester_id,
        "reference_accepted",
        _l(
            "%(name)s accepted your %(kind)s request for %(prospect)s. "
            "Their contact details are on the request.",
            name=advocate.name,
            kind=KIND_NOUNS[request.kind],
            prospect=request.prospect_name,
        ),
        "references.detail",
        request_id=request.id,
    )
    return Answer(ask, True)


def _record_answer(ask: ReferenceAsk, now: datetime) -> None:
    ask.answered_at = now
    ask.ask.answered_at = now
    record = record_of(ask.advocate_id)
    record.answered += 1
    record.answer_seconds += max(0, int((now - ask.asked_at).total_seconds()))


def record_of(advocate_id: int) -> ReferenceRecord:
    record = db.session.get(ReferenceRecord, advocate_id, with_for_update=True)
    if record is None:
        record = ReferenceRecord(advocate_id=advocate_id, answered=0, answer_seconds=0, held=0)
        db.session.add(record)
    return record


def back_to_shortlist_if_nobody_left(request: ReferenceRequest) -> None:
    db.session.flush()
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReferenceAsk)
        .where(ReferenceAsk.request_id == request.id, ReferenceAsk.status == AskStatus.PENDING)
    )
    if not waiting and request.state == RequestState.ASKED:
        request.state = RequestState.OPEN
        notify(
            request.requester_id,
            "reference_back",
            _l(
                "Nobody asked for %(prospect)s is available: choose from the shortlist again.",
                prospect=request.prospect_name,
            ),
            "references.detail",
            request_id=request.id,
        )


def withdraw_open_asks(request: ReferenceRequest, *, taken: bool) -> int:
    """Withdraw every open ask of the request (they still count against caps): another
    advocate `taken` it, or it was closed."""
    open_asks = list(
        db.session.scalars(
            sa.select(ReferenceAsk)
            .where(ReferenceAsk.request_id == request.id, ReferenceAsk.status == AskStatus.PENDING)
            .with_for_update()
        )
    )
    for open_ask in open_asks:
        open_ask.status = AskStatus.WITHDRAWN
        notify(
            open_ask.advocate_id,
            "reference_withdrawn",
            _l(
                "The %(kind)s for %(prospect)s no longer needs you: another advocate took it. "
                "Thank you for your time.",
                kind=KIND_NOUNS[request.kind],
                prospect=request.prospect_name,
            )
            if taken
            else _l(
                "The %(kind)s for %(prospect)s no longer needs you: the request was closed. "
                "Thank you for your time.",
                kind=KIND_NOUNS[request.kind],
                prospect=request.prospect_name,
            ),
        )
    return len(open_asks)


def apply_offer(ask: ReferenceAsk, advocate: User, offer: str) -> str:
    """Apply the settings change offered after a decline, once the advocate confirms."""
    if ask.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your ask."))
    if ask.status != AskStatus.DECLINED:
        raise InvalidState(_("Only a declined ask offers a change of settings."))
    profile = profiles.locked_profile(advocate)
    if offer == "quiet":
        last_day = clock.local(clock.current_period("quarter").ends_at).date() - timedelta(days=1)
        profile.quiet_until = max(profile.quiet_until or date.min, last_day)
        message = _("Nobody will ask you anything until %(day)s.", day=format_long_date(last_day))
    elif offer == "close_kind":
        kind = ask.request.kind
        profile.open_type_rows = [row for row in profile.open_type_rows if row.type != kind.value]
        message = _(
            "You are no longer asked for this kind of ask: %(kinds)s.", kinds=KIND_PLURALS[kind]
        )
    else:
        raise InvalidState(_("Choose one of the changes offered."))
    db.session.flush()
    return message


def choose_reference_kinds(advocate: User, kinds: list[str]) -> None:
    """The advocate's answer to the one question about the reference kinds of ask."""
    profile = profiles.locked_profile(advocate)
    offered = {kind.value for kind in NEW_CONSENT_KINDS}
    profile.open_type_rows = [row for row in profile.open_type_rows if row.type not in offered] + [
        OpenType(type=kind) for kind in sorted(set(kinds) & offered)
    ]
    profile.reference_kinds_answered_at = utcnow()
    db.session.flush()


def asks_waiting_for(advocate_id: int) -> list[ReferenceAsk]:
    return list(
        db.session.scalars(
            sa.select(ReferenceAsk)
            .where(
                ReferenceAsk.advocate_id == advocate_id, ReferenceAsk.status == AskStatus.PENDING
            )
            .order_by(ReferenceAsk.due_at)
        )
    )


def waiting_rows(advocate_id: int) -> sa.Select:
    """`asks_waiting_for` as rows with their request's kind and prospect
    (`request.kind`, `request.prospect_name`), for a page's single statement."""
    return (
        sa.select(
            ReferenceAsk.id,
            ReferenceAsk.due_at,
            ReferenceRequest.kind.label("request.kind"),
            ReferenceRequest.prospect_name.label("request.prospect_name"),
        )
        .join(ReferenceRequest, ReferenceRequest.id == ReferenceAsk.request_id)
        .where(ReferenceAsk.advocate_id == advocate_id, ReferenceAsk.status == AskStatus.PENDING)
        .order_by(ReferenceAsk.due_at, ReferenceAsk.id)
    )


def asks_of(request: ReferenceRequest) -> list[ReferenceAsk]:
    return list(
        db.session.scalars(
            sa.select(ReferenceAsk)
            .where(ReferenceAsk.request_id == request.id)
            .options(selectinload(ReferenceAsk.advocate))
            .order_by(ReferenceAsk.asked_at, ReferenceAsk.id)
        )
    )


def profile_of(advocate_id: int) -> AdvocateProfile | None:
    return db.session.get(AdvocateProfile, advocate_id)


def rebuild_records() -> int:
    """Recompute every ReferenceRecord from the asks and requests (loaders, repairs)."""
    db.session.execute(sa.delete(ReferenceRecord))
    answered = db.session.execute(
        sa.select(ReferenceAsk.advocate_id, ReferenceAsk.asked_at, ReferenceAsk.answered_at).where(
            ReferenceAsk.answered_at.is_not(None)
        )
    ).all()
    records: dict[int, ReferenceRecord] = {}
    for advocate_id, asked_at, answered_at in answered:
        record = records.setdefault(
            advocate_id,
            ReferenceRecord(advocate_id=advocate_id, answered=0, answer_seconds=0, held=0),
        )
        record.answered += 1
        record.answer_seconds += max(0, int((answered_at - asked_at).total_seconds()))
    held = db.session.execute(
        sa.select(
            ReferenceRequest.accepted_advocate_id,
            sa.func.count(),
            sa.func.max(ReferenceRequest.outcome_at),
        )
        .where(ReferenceRequest.call_held.is_(True))
        .group_by(ReferenceRequest.accepted_advocate_id)
    ).all()
    for advocate_id, count, last in held:
        record = records.setdefault(
            advocate_id,
            ReferenceRecord(advocate_id=advocate_id, answered=0, answer_seconds=0, held=0),
        )
        record.held, record.last_held_at = count, last
    db.session.add_all(records.values())
    db.session.flush()
    return len(records)
