"""The timed jobs run by the worker (`flask --app portal mail send --loop`) or by cron.

Every job is idempotent: reminders are claimed with a conditional UPDATE,
digests carry an outbox dedupe key per person and period, tier lapses are
events recorded once. Running a job twice, or in two workers at once, sends
nothing twice. Each job commits on its own, so one failing job does not
hold back the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload

from portal import clock, once
from portal.advocates import consent
from portal.advocates.models import AdvocateProfile
from portal.auth.models import STAFF_ROLES, Role, User, UserSession
from portal.branding import branding
from portal.db import dialect_insert, utcnow
from portal.extensions import db
from portal.insight.summaries import take_summaries
from portal.jobs.models import JobRun
from portal.mail import outbox
from portal.mail.categories import CATEGORIES, DIGEST
from portal.mail.models import Frequency, MailPreference
from portal.notifications.models import Notification
from portal.notifications.services import notify, notify_staff
from portal.opportunities import eligibility
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
)
from portal.recognition import tiers
from portal.urls import absolute_url

DIGEST_HOUR = 8  # local program time
REMINDER_AHEAD = timedelta(hours=24)
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
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}", cutoff


def _finished(name: str, period: str) -> bool:
    return db.session.get(JobRun, (name, period)) is not None


def _mark_finished(name: str, period: str, items: int) -> None:
    db.session.execute(
        dialect_insert(JobRun.__table__)
        .values(name=name, period=period, finished_at=utcnow(), items=items)
        .on_conflict_do_nothing(index_elements=["name", "period"])
    )


def _claim(name: str, period: str) -> bool:
    """Record a job's period as done; False when another run recorded it first."""
    return (
        db.session.execute(
            dialect_insert(JobRun.__table__)
            .values(name=name, period=period, finished_at=utcnow(), items=1)
            .on_conflict_do_nothing(index_elements=["name", "period"])
            .returning(JobRun.name)
        ).scalar()
        is not None
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


# --- the jobs ----------------------------------------------------------------


def send_reminders(now: datetime) -> int:
    """One reminder per confirmed participant, a day before the start."""
    due = db.session.scalars(
        sa.select(Participation)
        .join(Participation.opportunity)
        .where(
            Participation.status == ParticipationStatus.APPROVED,
            Participation.reminder_sent_at.is_(None),
            Opportunity.state != OpportunityState.CANCELLED,
            Opportunity.starts_at > now,
            Opportunity.starts_at <= now + REMINDER_AHEAD,
        )
        .options(joinedload(Participation.opportunity), joinedload(Participation.advocate))
        .limit(BATCH)
    ).all()
    sent = 0
    for participation in due:
        claimed = db.session.execute(
            sa.update(Participation)
            .where(Participation.id == participation.id, Participation.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        opportunity = participation.opportunity
        tz = participation.advocate.timezone or current_app.config["PROGRAM_TIMEZONE"]
        starts = clock.local(opportunity.starts_at, clock.zone(tz))
        where = "online" if opportunity.is_online else opportunity.location
        notify(
            participation.advocate_id,
            "reminder",
            f"Reminder: “{opportunity.title}” starts {starts:%A %-d %B at %H:%M %Z}"
            + (f" ({where})." if where else "."),
            "opportunities.detail",
            subject=f"Tomorrow: {opportunity.title}",
            opportunity_id=opportunity.id,
        )
        sent += 1
    db.session.commit()
    return sent


def announce_participants_to_mark(now: datetime) -> int:
    """Once an opportunity has started, tell the team to mark who took part (once each)."""
    started = db.session.scalars(
        sa.select(Opportunity)
        .where(
            Opportunity.state != OpportunityState.CANCELLED,
            Opportunity.starts_at <= now,
            Opportunity.starts_at > now - timedelta(days=7),
            sa.exists().where(
                Participation.opportunity_id == Opportunity.id,
                Participation.status == ParticipationStatus.APPROVED,
            ),
        )
        .order_by(Opportunity.starts_at)
        .limit(BATCH)
    ).all()
    told = 0
    for opportunity in started:
        # Claimed first: two workers at once tell the team once.
        if not _claim("to-mark", str(opportunity.id)):
            continue
        notify_staff(
            "team_to_mark",
            f"“{opportunity.title}” has started: mark who took part.",
            "manage.opportunities.detail",
            opportunity_id=opportunity.id,
        )
        db.session.commit()
        told += 1
    return told


def send_weekly_digests(now: datetime) -> int:
    """Each person's pending notifications from before this week's cutoff, in one mail."""
    period, cutoff = weekly_cutoff(now)
    if _finished("weekly-digest", period):
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
                subject=f"Your week in the {branding().program_name}",
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
    _mark_finished("weekly-digest", period, sent)
    db.session.commit()
    return sent


def send_opportunity_digests(now: datetime) -> int:
    """To each advocate who wants it: last week's new opportunities that fit them."""
    period, cutoff = weekly_cutoff(now)
    if _finished("opportunity-digest", period):
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
    _mark_finished("opportunity-digest", period, sent)
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
        tz = clock.zone(user.timezone or current_app.config["PROGRAM_TIMEZONE"])
        sent += int(
            outbox.enqueue(
                kind="opportunity_digest",
                to_address=user.email,
                to_name=user.name,
                user_id=user.id,
                subject=f"New opportunities for you ({len(matches)})",
                template="opportunity_digest",
                context={
                    "name": user.first_name,
                    "opportunities": [
                        {
                            "title": o.title,
                            "type_label": o.type.label,
                            "when": f"{clock.local(o.starts_at, tz):%a %-d %b %Y, %H:%M %Z}",
                            "deadline": f"{clock.local(o.application_deadline, tz):%-d %b}",
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
    if _finished("manager-digest", period):
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
                    subject=f"{total} new application{'s' if total != 1 else ''} to review",
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
    _mark_finished("manager-digest", period, sent)
    db.session.commit()
    return sent


def award_period_badges(now: datetime) -> int:
    """When a quarter or month ends, award the "top of the period" badges for it."""
    from portal.recognition import badges
    from portal.recognition.models import Badge

    added = 0
    for badge in db.session.scalars(
        sa.select(Badge).where(Badge.active, Badge.rule_kind == "top_of_period")
    ):
        current = clock.current_period(badge.rule_params.get("period", "quarter"), now)
        if _finished(f"top-badge-{badge.id}", current.key):
            continue
        added += badges.recompute([badge])
        _mark_finished(f"top-badge-{badge.id}", current.key, added)
        db.session.commit()
    return added


def expire_tiers(now: datetime) -> int:
    lapsed = tiers.expire_grace_periods(now)
    db.session.commit()
    return lapsed


def purge_sessions(now: datetime) -> int:
    """Forget sessions that ended more than 30 days ago."""
    old = now - timedelta(days=30)
    purged = db.session.execute(
        sa.delete(UserSession).where(
            sa.or_(UserSession.expires_at < old, UserSession.revoked_at < old)
        )
    ).rowcount
    db.session.commit()
    return purged


JOBS: dict[str, Callable[[datetime], int]] = {
    "reminders": send_reminders,
    "participants to mark": announce_participants_to_mark,
    "weekly digests": send_weekly_digests,
    "opportunity digests": send_opportunity_digests,
    "manager digests": send_manager_digests,
    "tier grace periods": expire_tiers,
    "period badges": award_period_badges,
    "old sessions": purge_sessions,
    "old form tokens": once.purge,
    "insight summaries": take_summaries,
}


def run_due(now: datetime | None = None) -> dict[str, int]:
    """Run every job once; a job that fails is logged and retried on the next run."""
    now = now or utcnow()
    results = {}
    for name, job in JOBS.items():
        try:
            results[name] = job(now)
        except Exception:  # one broken job must not stop the others or the mail
            db.session.rollback()
            current_app.logger.exception("job %s failed", name)
            results[name] = -1
    return results
