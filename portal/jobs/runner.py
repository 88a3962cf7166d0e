"""The timed jobs run by the worker (`flask --app portal mail send --loop`) or by cron.

Every job is idempotent: reminders are claimed with a conditional UPDATE,
digests (`jobs.digests`) carry an outbox dedupe key per person and period, tier lapses are
events recorded once. Running a job twice, or in two workers at once, sends
nothing twice. Each job commits on its own, so one failing job does not
hold back the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import clock, once
from portal.auth.models import UserSession
from portal.db import dialect_insert, utcnow
from portal.extensions import db
from portal.i18n import format_datetime
from portal.insight.summaries import take_summaries
from portal.jobs.digests import (
    BATCH,
    finished,
    mark_finished,
    send_manager_digests,
    send_opportunity_digests,
    send_weekly_digests,
)
from portal.jobs.models import JobRun
from portal.notifications.services import notify, notify_staff
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    Participation,
    ParticipationStatus,
)
from portal.recognition import tiers

REMINDER_AHEAD = timedelta(hours=24)


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
        notify(
            participation.advocate_id,
            "reminder",
            _reminder(opportunity),
            "opportunities.detail",
            subject=_l("Tomorrow: %(title)s", title=opportunity.title),
            opportunity_id=opportunity.id,
        )
        sent += 1
    db.session.commit()
    return sent


def _reminder(opportunity: Opportunity) -> LazyString:
    """The reminder, with the start in the advocate's language and time zone."""
    title, starts = opportunity.title, LazyString(format_datetime, opportunity.starts_at)
    if opportunity.is_online:
        return _l("Reminder: “%(title)s” starts %(when)s (online).", title=title, when=starts)
    if opportunity.location:
        return _l(
            "Reminder: “%(title)s” starts %(when)s (%(where)s).",
            title=title,
            when=starts,
            where=opportunity.location,
        )
    return _l("Reminder: “%(title)s” starts %(when)s.", title=title, when=starts)


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
            _l("“%(title)s” has started: mark who took part.", title=opportunity.title),
            "manage.opportunities.detail",
            opportunity_id=opportunity.id,
        )
        db.session.commit()
        told += 1
    return told


def award_period_badges(now: datetime) -> int:
    """When a quarter or month ends, award the badges judged on it: every rule kind
    that waits for a period's end ("top of the period", "top referrer")."""
    from portal.recognition import badges
    from portal.recognition.badge_rules import RULES
    from portal.recognition.models import Badge

    kinds = sorted(key for key, rule in RULES.items() if "period_end" in rule.events)
    added = 0
    for badge in db.session.scalars(
        sa.select(Badge).where(Badge.active, Badge.rule_kind.in_(kinds))
    ):
        current = clock.current_period(badge.rule_params.get("period", "quarter"), now)
        if finished(f"top-badge-{badge.id}", current.key):
            continue
        awarded = badges.recompute([badge])
        mark_finished(f"top-badge-{badge.id}", current.key, awarded)
        db.session.commit()
        added += awarded
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
