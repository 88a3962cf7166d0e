from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
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
