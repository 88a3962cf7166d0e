from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class JobRun(db.Model):
    """A periodic job that finished for one period ("weekly-digest", "2026-W48").

    Only saves work: a second worker or a restart skips a finished period.
    Correctness comes from the outbox's dedupe keys, so two workers running
    the same period at once still send each message once.
    """

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[int] = mapped_column(default=0)


class JobStatus(LabeledEnum):
    QUEUED = "queued", _l("Waiting")
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Failed")


class BackgroundJob(db.Model):
    """One piece of background work (see jobs.queue): claimed with a lease, like mail."""

    __tablename__ = "background_job"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key"),
        sa.Index("ix_background_job_due", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    # How far a long job got, for the page that shows it (written outside its transaction).
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    last_error: Mapped[str] = mapped_column(sa.String(1000), default="")
    # One job per key, ever (a retried request adds nothing).
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(160))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
