"""Referrals: an advocate refers a peer; staff move it to won or lost; points follow.

Duplicates: while a referral is open, no second one may be about the same
email, the same account, or the same email domain (public mail domains
excepted). The check names nobody else's referral, and unique indexes on the
referral's `open_*` columns settle two referrals sent at once.

Points: reaching a stage awards that stage's points (settings
"referral_points", by default qualified 50 and won 250) through the ledger,
once per stage (`ledger.referral_key`); a referral moved back has the points
of the stages it leaves reversed, and earns them again only by reaching them
again. A lost referral keeps what it earned before.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from portal.advocates.models import Account, AccountDomain
from portal.audit import trail
from portal.auth.models import STAFF_ROLES, Role, User
from portal.db import utcnow
from portal.errors import AlreadyExists, InvalidState, NotAllowed
from portal.extensions import db
from portal.mail import outbox
from portal.notifications.services import notify, notify_staff
from portal.recognition import badges, ledger
from portal.recognition.models import PointsEntry, PointsSource
from portal.referrals.models import (
    OPEN_STAGES,
    PIPELINE,
    STAGE_STATES,
    Referral,
    ReferralEvent,
    ReferralStage,
)
from portal.settings import get_setting, set_setting
from portal.signals import referral_stage_changed

DEFAULT_POINTS = {"new": 0, "contacted": 0, "qualified": 50, "won": 250}
# Mail domains anyone can have: two people there are not the same company.
PUBLIC_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com ymail.com
    icloud.com me.com mac.com aol.com proton.me protonmail.com gmx.com gmx.de gmx.net web.de
    mail.com zoho.com yandex.com yandex.ru qq.com 163.com fastmail.com hey.com
    """.split()
)
SAME_PERSON = _l("Someone already referred this person, and our team is in touch with them.")
SAME_COMPANY = _l(
    "Our team is already talking with this company through another referral. "
    "Thank you all the same: is there someone at another company?"
)


def points_per_stage() -> dict[str, int]:
    chosen = get_setting("referral_points", {}) or {}
    return {stage: int(chosen.get(stage, points)) for stage, points in DEFAULT_POINTS.items()}


def save_points_per_stage(points: dict[str, int]) -> None:
    """The program's points per stage. Raises InvalidState outside 0 to 100,000."""
    for stage, value in points.items():
        if stage not in DEFAULT_POINTS or not 0 <= value <= 100_000:
            raise InvalidState(_("Points per stage are whole numbers from 0 to 100,000."))
    set_setting("referral_points", {**points_per_stage(), **points})


# --- referring ---------------------------------------------------------------


@dataclass
class PeerDetails:
    name: str
    email: str
    company: str
    role: str
    why: str
    peer_agreed: bool
    send_introduction: bool = False


def domain_of(email: str) -> str | None:
    """The email's domain, unless anyone may have an address there."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return None if domain in PUBLIC_MAIL_DOMAINS else domain


def _matching_account(company: str, domain: str | None) -> Account | None:
    """The account named `company` (in any case), else the one owning the email domain."""
    account = db.session.scalar(
        sa.select(Account).where(sa.func.lower(Account.name) == company.strip().lower())
    )
    if account is None and domain:
        account = db.session.scalar(
            sa.select(Account)
            .join(AccountDomain, AccountDomain.account_id == Account.id)
            .where(AccountDomain.domain == domain)
        )
    return account


def _check_not_open(email: str, account_id: int | None, domain: str | None, except_id=None):
    """Raise AlreadyExists when an open referral is about this person or company."""
    others = sa.select(Referral.id).where(Referral.id != (except_id or -1))
    if db.session.scalar(others.where(Referral.open_email == email)):
        raise AlreadyExists(str(SAME_PERSON))
    company = []
    if account_id is not None:
        company.append(Referral.open_account_id == account_id)
    if domain:
        company.append(Referral.open_domain == domain)
    if company and db.session.scalar(others.where(sa.or_(*company))):
        raise AlreadyExists(str(SAME_COMPANY))


def refer(advocate: User, peer: PeerDetails) -> Referral:
    """Record an advocate's referral of a peer (and mail the peer an introduction when
    the advocate asked for one).

    Raises InvalidState when the peer did not agree to be contacted, AlreadyExists
    when an open referral is about the same person or company.
    """
    if not peer.peer_agreed:
        raise InvalidState(_("Refer someone only once they agreed that our team contacts them."))
    email = peer.email.strip().lower()
    domain = domain_of(email)
    account = _matching_account(peer.company, domain)
    if email == advocate.email.lower():
        raise InvalidState(_("Refer someone else: this is your own address."))
    _check_not_open(email, account.id if account else None, domain)
    referral = Referral(
        advocate_id=advocate.id,
        peer_name=peer.name.strip(),
        peer_email=email,
        peer_role=peer.role.strip(),
        company_name=peer.company.strip(),
        account_id=account.id if account else None,
        why=peer.why.strip(),
        peer_agreed=True,
        send_introduction=peer.send_introduction,
        stage=ReferralStage.NEW,
        owner_id=account.owner_id if account else None,
    )
    _set_open_keys(referral, True)
    db.session.add(referral)
    try:
        db.session.flush()
    except IntegrityError:  # the same person or company, referred a moment ago
        db.session.rollback()
        _check_not_open(email, account.id if account else None, domain)
        raise AlreadyExists(str(SAME_PERSON)) from None
    db.session.add(
        ReferralEvent(referral_id=referral.id, stage=ReferralStage.NEW, by_id=advocate.id)
    )
    if peer.send_introduction:
        outbox.enqueue(
            kind="referral_introduction",
            to_address=email,
            to_name=referral.peer_name,
            subject=_l("%(name)s thought we should meet", name=advocate.name),
            template="referral_introduction",
            context={"peer": referral.peer_name, "advocate": advocate.name, "why": referral.why},
            dedupe_key=f"referral-introduction:{referral.id}",
        )
    notify_staff(
        "team_referral",
        _l(
            "%(name)s referred %(peer)s (%(company)s).",
            name=advocate.name,
            peer=referral.peer_name,
            company=referral.company_name,
        ),
        "manage.referrals.detail",
        referral_id=referral.id,
    )
    badges.award_earned_badges(advocate.id, "referral")
    return referral


def _set_open_keys(referral: Referral, is_open: bool) -> None:
    referral.open_email = referral.peer_email if is_open else None
    referral.open_account_id = referral.account_id if is_open else None
    referral.open_domain = domain_of(referral.peer_email) if is_open else None


# --- moving through the pipeline -------------------------------------------


def lock_referral(referral_id: int) -> Referral:
    """The referral, locked and read again: two clicks at once change it one after the other."""
    referral = db.session.scalar(
        sa.select(Referral)
        .where(Referral.id == referral_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if referral is None:
        raise InvalidState(_("This referral no longer exists."))
    return referral


def move(
    referral_id: int,
    stage: ReferralStage,
    *,
    by: User,
    lost_reason: str = "",
    revenue: int | None = None,
) -> Referral:
    """Move a referral to a stage; points follow through the ledger.

    Raises InvalidState for the stage it is at (a second click), a loss
    without a reason or a win without revenue; AlreadyExists when reopening
    it would make two open referrals about the same person or company.
    """
    referral = lock_referral(referral_id)
    if referral.stage == stage:
        raise InvalidState(_("This referral is already %(stage)s.", stage=STAGE_STATES[stage]))
    if stage == ReferralStage.LOST and not lost_reason.strip():
        raise InvalidState(_("Say why the referral was lost."))
    if stage == ReferralStage.WON and (revenue is None or revenue < 0):
        raise InvalidState(_("Enter the revenue won (0 when there is none yet)."))
    was_open, previous = referral.is_open, referral.stage
    before = _audited(referral)
    referral.stage = stage
    referral.lost_reason = lost_reason.strip()[:300] if stage == ReferralStage.LOST else ""
    referral.revenue = revenue if stage == ReferralStage.WON else None
    referral.updated_at = utcnow()
    referral.closed_at = None if referral.is_open else utcnow()
    if referral.is_open and not was_open:  # reopened: the duplicate rule holds again
        email, domain = referral.peer_email, domain_of(referral.peer_email)
        _check_not_open(email, referral.account_id, domain, except_id=referral.id)
    _set_open_keys(referral, referral.is_open)
    try:
        db.session.flush()
    except IntegrityError:  # another referral about them was opened a moment ago
        db.session.rollback()
        raise AlreadyExists(str(SAME_COMPANY)) from None
    note = referral.lost_reason or (f"Revenue {revenue:,}" if revenue is not None else "")
    db.session.add(ReferralEvent(referral_id=referral.id, stage=stage, note=note, by_id=by.id))
    points = _settle_points(referral, by)
    trail.record(
        "referral.moved",
        "referral",
        referral.id,
        by_id=by.id,
        before=before,
        after=_audited(referral),
        details={"points": points} if points else None,
    )
    badges.award_earned_badges(referral.advocate_id, "referral")
    referral_stage_changed.send(referral.id, referral=referral, previous=previous)
    notify(
        referral.advocate_id,
        "referral_progress",
        _l(
            "Your referral of %(name)s is %(stage)s.",
            name=referral.peer_name,
            stage=STAGE_STATES[stage],
        ),
        "referrals.detail",
        subject=_l(
            "Your referral of %(name)s: %(stage)s",
            name=referral.peer_name,
            stage=STAGE_STATES[stage],
        ),
        referral_id=referral.id,
    )
    return referral


def assign_owner(referral_id: int, owner: User | None, *, by: User) -> Referral:
    """Give the referral to a staff member (or nobody)."""
    referral = lock_referral(referral_id)
    if owner is not None and owner.role not in (*STAFF_ROLES, Role.REQUESTER):
        raise NotAllowed(_("Only staff can own a referral."))
    if referral.owner_id != (owner.id if owner else None):
        trail.record_change(
            "referral.owner_changed", referral, by_id=by.id, owner_id=owner.id if owner else None
        )
    referral.owner_id = owner.id if owner else None
    referral.updated_at = utcnow()
    note = f"Owner: {owner.name}" if owner else "No owner"
    db.session.add(
        ReferralEvent(referral_id=referral.id, stage=referral.stage, note=note, by_id=by.id)
    )
    if owner is not None and owner.id != by.id:
        notify(
            owner.id,
            "referral_assigned",
            _l(
                "%(by)s gave you the referral of %(peer)s (%(company)s).",
                by=by.name,
                peer=referral.peer_name,
                company=referral.company_name,
            ),
            "manage.referrals.detail",
            subject=_l("A referral for you: %(company)s", company=referral.company_name),
            referral_id=referral.id,
        )
    return referral


def _audited(referral: Referral) -> dict:
    """What a stage move changes, as the audit trail records it (no one's name or email)."""
    return {
        "stage": referral.stage,
        "lost_reason": referral.lost_reason,
        "revenue": referral.revenue,
    }


def _held_entries(referral_id: int) -> dict[str, PointsEntry]:
    """The referral's awards that stand (not reversed), by stage."""
    reversal = aliased(PointsEntry)
    entries = db.session.scalars(
        sa.select(PointsEntry).where(
            PointsEntry.source == PointsSource.REFERRAL,
            PointsEntry.source_id == referral_id,
            PointsEntry.corrects_id.is_(None),
            ~sa.exists().where(reversal.corrects_id == PointsEntry.id),
        )
    )
    return {ledger.stage_of_referral_key(entry.award_key): entry for entry in entries}


def _rounds(referral_id: int, stage: str) -> int:
    """How many awards this referral ever had for this stage (reversed ones included)."""
    keys = db.session.scalars(
        sa.select(PointsEntry.award_key).where(
            PointsEntry.source == PointsSource.REFERRAL,
            PointsEntry.source_id == referral_id,
            PointsEntry.corrects_id.is_(None),
        )
    )
    return sum(ledger.stage_of_referral_key(key) == stage for key in keys)


def _settle_points(referral: Referral, by: User) -> int:
    """Award and reverse the stages' points; returns the change to the advocate's total."""
    held, change = _held_entries(referral.id), 0
    if referral.stage == ReferralStage.LOST:
        return 0  # a lost referral keeps what it earned
    reached = {stage.value for stage in PIPELINE[: PIPELINE.index(referral.stage) + 1]}
    back_to = referral.stage.value  # ledger reasons are stored in English
    for stage, entry in sorted(held.items()):
        if stage not in reached:
            reason = f"Referral of {referral.peer_name} moved back to {back_to}"
            reversal = ledger.reverse(entry, reason=reason, by_id=by.id)
            change += reversal.points if reversal else 0
    points = points_per_stage()
    for stage in PIPELINE:
        if stage.value in reached and stage.value not in held and points[stage.value] > 0:
            made = ledger.award(
                referral.advocate_id,
                points[stage.value],
                reason=f"Referral of {referral.peer_name}: {stage.value}",
                key=ledger.referral_key(
                    referral.id, stage.value, _rounds(referral.id, stage.value)
                ),
                source=PointsSource.REFERRAL,
                source_id=referral.id,
                by_id=by.id,
            )
            change += made.points if made else 0
    return change


# --- reading -----------------------------------------------------------------


def mine(advocate_id: int) -> list[Referral]:
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.advocate_id == advocate_id)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
        )
    )


def points_by_referral(referral_ids: list[int]) -> dict[int, int]:
    """Points each referral earned its advocate (reversals counted)."""
    if not referral_ids:
        return {}
    award = aliased(PointsEntry)  # each award, with its reversal if any
    rows = db.session.execute(
        sa.select(award.source_id, sa.func.sum(PointsEntry.points))
        .join(award, sa.or_(award.id == PointsEntry.id, award.id == PointsEntry.corrects_id))
        .where(award.source == PointsSource.REFERRAL, award.source_id.in_(referral_ids))
        .group_by(award.source_id)
    )
    return {referral_id: int(total) for referral_id, total in rows}


def visible_to(user: User) -> sa.Select:
    """The referrals `user` may read: staff all of them, an advocate their own."""
    query = sa.select(Referral)
    return query if user.is_staff else query.where(Referral.advocate_id == user.id)


def pipeline_page(stage: ReferralStage | None, *, page: int = 1, per_page: int = 25):
    """Referrals for staff, open ones first, newest first (a Flask-SQLAlchemy page)."""
    query = (
        sa.select(Referral)
        .options(joinedload(Referral.advocate), joinedload(Referral.owner))
        .order_by(
            Referral.stage.in_(OPEN_STAGES).desc(), Referral.created_at.desc(), Referral.id.desc()
        )
    )
    if stage is not None:
        query = query.where(Referral.stage == stage)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def history_of(referral_id: int) -> list[ReferralEvent]:
    return list(
        db.session.scalars(
            sa.select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral_id)
            .options(joinedload(ReferralEvent.by))
            .order_by(ReferralEvent.at, ReferralEvent.id)
        )
    )


def referrals_from(advocate_ids: list[int]) -> dict[int, list[Referral]]:
    """Each advocate's referrals, newest first, in one query."""
    found: dict[int, list[Referral]] = {advocate_id: [] for advocate_id in advocate_ids}
    if advocate_ids:
        for referral in db.session.scalars(
            sa.select(Referral)
            .where(Referral.advocate_id.in_(advocate_ids))
            .order_by(Referral.created_at.desc(), Referral.id.desc())
        ):
            found[referral.advocate_id].append(referral)
    return found
