"""The digests the timed jobs send: a person's week of notifications, new
opportunities that fit an advocate, and the staff's morning list of applications.

Each is written in its recipient's language and time zone (`outbox.enqueue`
renders it so): subjects are lazy strings, and dates go in as moments
formatted when the mail is written.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy.orm import contains_eager, joinedload

from portal import clock
from portal.advocates import consent
from portal.advocates.models import AdvocateProfile
from portal.auth.models import STAFF_ROLES, Role, User
from portal.branding import branding
from portal.db import dialect_insert, utcnow
from portal.extensions import db
from portal.i18n import format_date, format_datetime
from portal.jobs.models import JobRun
from portal.mail import outbox
from portal.mail.categories import CATEGORIES, DIGEST
from portal.mail.models import Frequency, MailPreference
from portal.notifications.models import Notification
from portal.opportunities import eligibility
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
)
from portal.urls import absolute_url

DIGEST_HOUR = 8  # local program time
BATCH = 500


def _local_cutoff(day, tz) -> datetime:
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=tz).astimezone(clock.zone("UTC"))


def daily_cutoff(now: datetime) -> tuple[str, datetime] | None:
    """Today's 08:00 in the program's time zone, once it has passed."""
    tz = clock.program_tz()
    cutoff = _local_cutoff(clock.local(now, tz).date(), tz)
    return (f"{clock.local(now, tz).date()}", cutoff) if now >= cutoff else None


def weekly_cutoff(now: datetime) -> tuple[str, datetime]:
    """The latest Monday 08:00 (program time) at or before `now`, and its ISO week."""
    tz = clock.program_tz()
    today = clock.local(now, tz).date()
    monday = today - timedelta(days=today.weekday())
    cutoff = _local_cutoff(monday, tz)
    if now < cutoff:
        monday -= timedelta(days=7)
        cutoff = _local_cutoff(monday, tz)
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}", cutoff


def finished(name: str, period: str) -> bool:
    """A job's period is done (recorded by `mark_finished`)."""
    return db.session.get(JobRun, (name, period)) is not None


def mark_finished(name: str, period: str, items: int) -> None:
    db.session.execute(
        dialect_insert(JobRun.__table__)
        .values(name=name, period=period, finished_at=utcnow(), items=items)
        .on_conflict_do_nothing(index_elements=["name", "period"])
    )


def _people_choosing(category: str, frequency: Frequency, roles) -> sa.Select:
    """Active people of `roles` whose preference for `category` is `frequency`."""
    preference = sa.select(MailPreference.frequency).where(
        MailPreference.user_id == User.id, MailPreference.category == category
    )
    chosen = sa.func.coalesce(preference.scalar_subquery(), CATEGORIES[category].default.value)
    return sa.select(User).where(
        User.active.is_(True), User.role.in_(list(roles)), chosen == frequency.value
    )


def send_weekly_digests(now: datetime) -> int:
    """Each person's pending notifications from before this week's cutoff, in one mail."""
    period, cutoff = weekly_cutoff(now)
    if finished("weekly-digest", period):
        return 0
    user_ids = db.session.scalars(
        sa.select(Notification.user_id)
        .where(Notification.digest_pending.is_(True), Notification.created_at < cutoff)
        .distinct()
    ).all()
    sent = 0
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        pending = db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.digest_pending.is_(True),
                Notification.created_at < cutoff,
            )
            .order_by(Notification.created_at)
        ).all()
        if user.active and pending:
            queued = outbox.enqueue(
                kind="digest",
                to_address=user.email,
                to_name=user.name,
                user_id=user.id,
                subject=_l("Your week in the %(program)s", program=branding().program_name),
                template="digest",
                context={
                    "name": user.first_name,
                    "items": [
                        {
                            "message": n.message,
                            "url": absolute_url(n.endpoint, **(n.endpoint_args or {}))
                            if n.endpoint
                            else None,
                        }
                        for n in pending
                    ],
                },
                dedupe_key=f"digest:{user.id}:{period}",
                unsubscribe_category=DIGEST,
            )
            sent += int(queued)
        for notification in pending:
            notification.digest_pending = False
        db.session.commit()
    mark_finished("weekly-digest", period, sent)
    db.session.commit()
    return sent


def send_opportunity_digests(now: datetime) -> int:
    """To each advocate who wants it: last week's new opportunities that fit them."""
    period, cutoff = weekly_cutoff(now)
    if finished("opportunity-digest", period):
        return 0
    fresh = db.session.scalars(
        sa.select(Opportunity)
        .where(
            Opportunity.state == OpportunityState.PUBLISHED,
            Opportunity.published_at >= cutoff - timedelta(days=7),
            Opportunity.published_at < cutoff,
            Opportunity.application_deadline > now,
        )
        .order_by(Opportunity.starts_at)
    ).all()
    sent = 0
    if fresh:
        tiers_by_id = eligibility.tiers_by_id()
        people = (
            _people_choosing("new_opportunities", Frequency.DIGEST, [Role.ADVOCATE])
            .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
            .where(AdvocateProfile.onboarded_at.is_not(None))
            .options(contains_eager(User.profile))
        )
        last_id = 0
        while True:
            batch = db.session.scalars(
                people.where(User.id > last_id).order_by(User.id).limit(BATCH)
            ).all()
            if not batch:
                break
            last_id = batch[-1].id
            sent += _opportunity_digest_batch(batch, fresh, tiers_by_id, period)
            db.session.commit()
    mark_finished("opportunity-digest", period, sent)
    db.session.commit()
    return sent


def _opportunity_digest_batch(batch, fresh, tiers_by_id, period: str) -> int:
    ids = [user.id for user in batch]
    wanted = consent.digest_topics([user.profile for user in batch])
    contexts = eligibility.contexts_for(ids)
    taking_part = set(
        db.session.execute(
            sa.select(Participation.advocate_id, Participation.opportunity_id).where(
                Participation.advocate_id.in_(ids),
                Participation.opportunity_id.in_([o.id for o in fresh]),
            )
        ).all()
    )
    sent = 0
    for user in batch:
        matches = [
            o
            for o in fresh
            if o.type.value in wanted[user.id]
            and (user.id, o.id) not in taking_part
            and not eligibility.problems_for(o, contexts[user.id], tiers_by_id)
        ]
        if not matches:
            continue
        sent += int(
            outbox.enqueue(
                kind="opportunity_digest",
                to_address=user.email,
                to_name=user.name,
                user_id=user.id,
                subject=_l("New opportunities for you (%(count)s)", count=len(matches)),
                template="opportunity_digest",
                context={
                    "name": user.first_name,
                    "opportunities": [
                        {
                            "title": o.title,
                            "type_label": o.type.label,
                            # Formatted when the mail is written: in the advocate's
                            # language and time zone (the template may use the moments).
                            "starts_at": o.starts_at,
                            "application_deadline": o.application_deadline,
                            "when": LazyString(format_datetime, o.starts_at),
                            "deadline": LazyString(format_date, o.application_deadline, "MMMd"),
                            "url": absolute_url("opportunities.detail", opportunity_id=o.id),
                        }
                        for o in matches
                    ],
                },
                dedupe_key=f"opportunities:{user.id}:{period}",
                unsubscribe_category="new_opportunities",
            )
        )
    return sent


def send_manager_digests(now: datetime) -> int:
    """Each morning, to staff who want it: the applications that came in since yesterday."""
    found = daily_cutoff(now)
    if found is None:
        return 0
    period, cutoff = found
    if finished("manager-digest", period):
        return 0
    since = cutoff - timedelta(days=1)
    new = (
        sa.select(Participation)
        .join(Participation.opportunity)
        .where(
            Participation.status == ParticipationStatus.APPLIED,
            Participation.created_at >= since,
            Participation.created_at < cutoff,
        )
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(new.subquery()))
    sent = 0
    if total:
        rows = [
            {"advocate": p.advocate.name, "opportunity": p.opportunity.title}
            for p in db.session.scalars(
                new.options(
                    joinedload(Participation.advocate), joinedload(Participation.opportunity)
                )
                .order_by(Participation.created_at)
                .limit(20)
            )
        ]
        for user in db.session.scalars(
            _people_choosing("manager_digest", Frequency.DIGEST, STAFF_ROLES)
        ):
            sent += int(
                outbox.enqueue(
                    kind="manager_digest",
                    to_address=user.email,
                    to_name=user.name,
                    user_id=user.id,
                    subject=_ln(
                        "%(num)d new application to review",
                        "%(num)d new applications to review",
                        total,
                    ),
                    template="manager_digest",
                    context={
                        "name": user.first_name,
                        "total": total,
                        "rows": rows,
                        "queue_url": absolute_url("manage.opportunities.applications"),
                    },
                    dedupe_key=f"manager-digest:{user.id}:{period}",
                    unsubscribe_category="manager_digest",
                )
            )
    mark_finished("manager-digest", period, sent)
    db.session.commit()
    return sent
