"""“Delete my account”: a request, a grace period, then the person's data erased.

The person (or an admin, on the person's written request) asks; the account
is erased when the grace period ends — by a background job queued to run
then — unless the person cancels first. Nobody on the staff can shorten it:
the due date is fixed when asked, and the setting never goes below the
default.

Erasing keeps what other people and the program's figures rely on: the
user row stays (anonymised, deactivated), and so do participations, asks,
ledger entries and tier history. So other people's totals, the ledger's
sums and the program's counts are unchanged; the person leaves every
leaderboard, and nothing names them any more. Their badge assertions are
revoked, so Open Badges verifiers get 410 Gone.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import images
from portal.advocates.models import (
    AdvocateProfile,
    Employment,
    OpenType,
    UsageConsent,
    advocate_product,
)
from portal.advocates.notes import StaffNote
from portal.audit import trail
from portal.auth.models import Role, User, UserIdentity, UserSession
from portal.db import utcnow
from portal.errors import AlreadyExists, InvalidState, NotAllowed
from portal.extensions import db
from portal.jobs import queue
from portal.mail.models import MailPreference, OutboxMessage
from portal.notifications.models import Notification
from portal.once import FormToken
from portal.opportunities.models import Participation
from portal.privacy.models import DeletionRequest
from portal.recognition.models import BadgeAward
from portal.references.models import ReferenceAsk
from portal.referrals.models import Referral
from portal.settings import get_setting
from portal.signals import advocate_changed
from portal.stories.models import Story, StoryStatus
from portal.transfer.models import DataImport

GRACE_SETTING = "deletion_grace_days"
DEFAULT_GRACE_DAYS = 14
MAX_GRACE_DAYS = 365
ERASE_JOB = "erase-account"
ERASED_NAME = "Deleted person"
ERASED_STORY = "—"


def grace_period() -> timedelta:
    """The configured grace period, never shorter than the default."""
    days = get_setting(GRACE_SETTING, DEFAULT_GRACE_DAYS)
    if not isinstance(days, int):
        days = DEFAULT_GRACE_DAYS
    return timedelta(days=min(max(days, DEFAULT_GRACE_DAYS), MAX_GRACE_DAYS))


def open_request(user_id: int) -> DeletionRequest | None:
    return db.session.scalar(
        sa.select(DeletionRequest).where(
            DeletionRequest.user_id == user_id,
            DeletionRequest.cancelled_at.is_(None),
            DeletionRequest.erased_at.is_(None),
        )
    )


def _lock_user(user: User) -> User:
    return db.session.scalar(
        sa.select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def request_deletion(user: User, *, by: User, reference: str = "") -> DeletionRequest:
    """Ask for `user`'s account to be erased after the grace period.

    `by` is the person themselves, or an admin acting on their written request
    (`reference` says which). Raises NotAllowed for anyone else or for an admin
    account, AlreadyExists when a request is open.
    """
    if by.id != user.id and not by.is_admin:
        raise NotAllowed(
            _("Only the person, or an admin on their written request, can request it.")
        )
    if user.role == Role.ADMIN:
        raise NotAllowed(_("An admin account is handed over, not deleted: change its role first."))
    user = _lock_user(user)
    if open_request(user.id) is not None:
        raise AlreadyExists(_("This account is already due to be deleted."))
    now = utcnow()
    deletion = DeletionRequest(
        user_id=user.id,
        requested_by_id=by.id,
        requested_at=now,
        reference=reference.strip()[:200],
        due_at=now + grace_period(),
    )
    db.session.add(deletion)
    db.session.flush()
    queue.enqueue(
        ERASE_JOB,
        {"request_id": deletion.id},
        run_after=deletion.due_at,
        dedupe_key=f"erase-account:{deletion.id}",
    )
    trail.record(
        "deletion.requested",
        "user",
        user.id,
        by_id=by.id,
        details={"due": deletion.due_at, "written_request": by.id != user.id},
    )
    return deletion


def cancel_deletion(user: User, *, by: User) -> None:
    """Keep the account after all. Raises InvalidState when nothing is due."""
    if by.id != user.id and not by.is_admin:
        raise NotAllowed(_("Only the person, or an admin on their request, can cancel."))
    _lock_user(user)
    deletion = open_request(user.id)
    if deletion is None:
        raise InvalidState(_("This account is not due to be deleted."))
    deletion.cancelled_at, deletion.cancelled_by_id = utcnow(), by.id
    trail.record("deletion.cancelled", "user", user.id, by_id=by.id)


@queue.handler(ERASE_JOB)
def _erase_when_due(context: queue.JobContext) -> dict:
    deletion = db.session.get(DeletionRequest, context.payload["request_id"])
    return {"erased": erase_if_due(deletion)}


def erase_if_due(deletion: DeletionRequest, now: datetime | None = None) -> bool:
    """Erase the account of an open request whose grace period is over; else nothing."""
    user = _lock_user(db.session.get(User, deletion.user_id))
    db.session.refresh(deletion)
    if not deletion.is_open or (now or utcnow()) < deletion.due_at:
        return False
    erase(user)
    deletion.erased_at = utcnow()
    deletion.reference = ""
    trail.record("deletion.done", "user", user.id, by_id=None)
    return True


def erase(user: User) -> None:
    """Erase or anonymise the person's data, keeping the records others rely on."""
    now, old_email = utcnow(), user.email
    user.name, user.email = ERASED_NAME, f"deleted-{user.id}@deleted.invalid"
    user.active, user.deactivated_at = False, user.deactivated_at or now
    user.password_hash = user.timezone = user.email_verified_at = None
    user.unread_notifications = 0
    for model in (UserSession, UserIdentity, Notification, MailPreference, FormToken):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(OutboxMessage.to_user_id == user.id, OutboxMessage.to_address == old_email)
        )
    )
    # Their stories lose every word but stay counted, withdrawn, in the program's figures.
    db.session.execute(
        sa.update(Story)
        .where(Story.advocate_id == user.id)
        .values(title=ERASED_STORY, body="", manager_note="", status=StoryStatus.WITHDRAWN)
    )
    db.session.execute(sa.delete(StaffNote).where(StaffNote.advocate_id == user.id))
    db.session.execute(
        sa.update(Participation)
        .where(Participation.advocate_id == user.id)
        .values(note="", manager_message="")
    )
    db.session.execute(sa.update(Employment).where(Employment.user_id == user.id).values(title=""))
    db.session.execute(
        sa.update(ReferenceAsk).where(ReferenceAsk.advocate_id == user.id).values(decline_note="")
    )
    db.session.execute(sa.update(Referral).where(Referral.advocate_id == user.id).values(why=""))
    # Someone else referred them: the referral stays, without naming them.
    db.session.execute(
        sa.update(Referral)
        .where(sa.func.lower(Referral.peer_email) == old_email)
        .values(peer_name=ERASED_NAME, peer_email="", peer_role="", open_email=None)
    )
    db.session.execute(sa.delete(UsageConsent).where(UsageConsent.user_id == user.id))
    profile = db.session.get(AdvocateProfile, user.id)
    if profile is not None and profile.photo_id is not None:
        photo_id, profile.photo_id = profile.photo_id, None
        db.session.flush()
        images.discard(photo_id)
    if profile is not None:
        profile.bio, profile.quiet_until = "", None
        profile.show_on_leaderboard = False
        profile.quote = profile.linkedin_url = ""
        db.session.execute(sa.delete(OpenType).where(OpenType.user_id == user.id))
        db.session.execute(sa.delete(advocate_product).where(advocate_product.c.user_id == user.id))
    for award in db.session.scalars(sa.select(BadgeAward).where(BadgeAward.advocate_id == user.id)):
        award.recipient_hash = "sha256$" + secrets.token_hex(32)
        award.evidence = ""
        if award.revoked_at is None:
            award.revoked_at, award.revoked_reason = now, "The recipient's account was deleted."
    _forget_in_import_reports(old_email)
    db.session.flush()
    db.session.expire(user)
    advocate_changed.send(user.id)


def _forget_in_import_reports(email: str) -> None:
    """Imports' reports (and files not imported yet) name people by email."""
    for data_import in db.session.scalars(sa.select(DataImport)):
        rows = data_import.rows or []
        if any(row[1] == email for row in rows):
            data_import.rows = [[n, "" if e == email else e, o, r] for n, e, o, r in rows]
        if email in (data_import.text or ""):
            data_import.text = data_import.text.replace(email, "")
