"""Background jobs: work too long for a request (imports, exports, webhook deliveries).

A page or service adds a job with `enqueue` in its own transaction, so the
job exists exactly when the change that asked for it does. The worker
(`flask mail send --loop`, which also sends mail and runs the timed jobs)
claims due jobs with a lease, as it claims mail: each job is taken by one
worker; a worker that dies lets its lease run out and another worker takes
the job over. A kind of job is one function registered with `handler`;
it runs in one transaction, committed when it returns and rolled back when
it raises (then retried with backoff, up to the job's attempts).
"""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from portal.db import LeaseKeeper, claim_rows, dialect_insert, utcnow
from portal.extensions import db
from portal.jobs.models import BackgroundJob, JobStatus

# How long a claim holds a job before another worker may take it over; a
# live worker renews it every RENEW_EVERY while the job runs.
LEASE = timedelta(minutes=2)
RENEW_EVERY = timedelta(seconds=30)


@dataclass
class JobContext:
    """What a handler gets: the job's payload, and a way to say how far it got."""

    job_id: int
    payload: dict
    app: Flask

    def report(self, done: int, total: int | None = None) -> None:
        """Record progress for the page that shows it (best effort, never blocks the job).

        Written through a connection of its own, outside the job's transaction,
        so the page sees it while the job still runs.
        """
        try:
            with db.engine.connect() as connection:
                sqlite = connection.dialect.name == "sqlite"
                if sqlite:  # the job's own transaction may hold SQLite's write lock
                    connection.exec_driver_sql("PRAGMA busy_timeout = 50")
                try:
                    connection.execute(
                        sa.update(BackgroundJob)
                        .where(BackgroundJob.id == self.job_id)
                        .values(progress=done, total=total)
                    )
                    connection.commit()
                finally:
                    if sqlite:
                        connection.rollback()
                        connection.exec_driver_sql("PRAGMA busy_timeout = 30000")
        except SQLAlchemyError as error:
            self.app.logger.debug("job %s: progress not recorded: %s", self.job_id, error)


Handler = Callable[[JobContext], Any]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does one kind of job; what it returns is the job's result."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def enqueue(
    kind: str,
    payload: dict | None = None,
    *,
    by_id: int | None = None,
    run_after: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> int | None:
    """Add a job in the caller's transaction; returns its id, or None when a job with the
    same dedupe key exists already (a retried request adds nothing)."""
    now = utcnow()
    statement = (
        dialect_insert(BackgroundJob.__table__)
        .values(
            kind=kind,
            payload=payload or {},
            status=JobStatus.QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            run_after=run_after or now,
            progress=0,
            result={},
            last_error="",
            created_by_id=by_id,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        .returning(BackgroundJob.id)
    )
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    return db.session.execute(statement).scalar()


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(BackgroundJob.status == JobStatus.QUEUED, BackgroundJob.run_after <= now),
        # A worker died while running it: its lease ran out.
        sa.and_(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.locked_until < now),
    )


def claim(now: datetime, limit: int) -> tuple[str, list[int]]:
    """Take up to `limit` due jobs for this worker (each row goes to one worker only)."""
    token = secrets.token_hex(16)
    claimed = claim_rows(
        BackgroundJob,
        _due(now),
        (BackgroundJob.run_after, BackgroundJob.id),
        limit,
        status=JobStatus.RUNNING,
        locked_until=now + LEASE,
        claim_token=token,
        started_at=now,
        attempts=BackgroundJob.attempts + 1,
    )
    return token, claimed


def _held_by(job_id: int, token: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        BackgroundJob.id == job_id,
        BackgroundJob.claim_token == token,
        BackgroundJob.status == JobStatus.RUNNING,
    )


def _lease_keeper(app: Flask, job_id: int, token: str) -> LeaseKeeper:
    """Renews one job's lease while it runs."""

    def renewal() -> sa.Update:
        return (
            sa.update(BackgroundJob)
            .where(_held_by(job_id, token))
            .values(locked_until=utcnow() + LEASE)
        )

    return LeaseKeeper(app, renewal, RENEW_EVERY, "job-lease")


def backoff(attempts: int) -> timedelta:
    """1, 4, 16 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=4 ** (attempts - 1)), timedelta(hours=6))


def _run_one(job_id: int, token: str) -> JobStatus | None:
    # Renewing the lease first checks the claim still holds the job: a worker
    # that was too slow to start leaves it to the one that took it over.
    held = db.session.execute(
        sa.update(BackgroundJob)
        .where(_held_by(job_id, token))
        .values(locked_until=utcnow() + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not held:
        return None
    job = db.session.get(BackgroundJob, job_id)
    function = HANDLERS.get(job.kind)
    app = current_app._get_current_object()
    context = JobContext(job.id, dict(job.payload or {}), app)
    attempts, max_attempts = job.attempts, job.max_attempts
    db.session.commit()  # the job's work starts a transaction of its own
    try:
        if function is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r}")
        with _lease_keeper(app, job_id, token):
            result = function(context)
    except Exception as error:  # any failure is the job's, recorded and retried
        db.session.rollback()
        failed_for_good = attempts >= max_attempts
        app.logger.warning("job %s (%s) failed: %s", job_id, job.kind, error)
        values = {
            "status": JobStatus.FAILED if failed_for_good else JobStatus.QUEUED,
            "last_error": "".join(traceback.format_exception_only(error)).strip()[:1000],
            "run_after": utcnow() + backoff(attempts),
        }
    else:
        values = {
            "status": JobStatus.DONE,
            "result": result if isinstance(result, dict) else {"value": result},
            "finished_at": utcnow(),
        }
    # The job's work and its new state commit together, if the claim still holds it.
    finished = db.session.execute(
        sa.update(BackgroundJob)
        .where(_held_by(job_id, token))
        .values(claim_token=None, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not finished:
        db.session.rollback()
        app.logger.warning("job %s: another worker took it over; its work is dropped", job_id)
        return None
    db.session.commit()
    return values["status"]


def run_due(limit: int = 5, now: datetime | None = None) -> dict[JobStatus, int]:
    """Claim and run up to `limit` due jobs, one after another; counts by outcome."""
    token, job_ids = claim(now or utcnow(), limit)
    outcome: dict[JobStatus, int] = {}
    for job_id in job_ids:
        status = _run_one(job_id, token)
        if status is not None:
            outcome[status] = outcome.get(status, 0) + 1
    return outcome
