"""An uploaded CSV file on its way in: mapping, dry run, apply."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class ImportStatus(LabeledEnum):
    UPLOADED = "uploaded", _l("Columns to match")
    CHECKING = "checking", _l("Dry run running")
    CHECKED = "checked", _l("Dry run done")
    APPLYING = "applying", _l("Importing")
    APPLIED = "applied", _l("Imported")
    FAILED = "failed", _l("Failed")


class DataImport(db.Model):
    """One file a manager uploaded; its rows are read from `text` by the background job."""

    __tablename__ = "data_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    encoding: Mapped[str] = mapped_column(sa.String(20))
    delimiter: Mapped[str] = mapped_column(sa.String(1))
    # The file decoded, as uploaded (erased once applied: the report keeps what happened).
    text: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[list] = mapped_column(sa.JSON, default=list)
    row_count: Mapped[int] = mapped_column(default=0)
    # portal field -> the file's column
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[ImportStatus] = mapped_column(default=ImportStatus.UPLOADED)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("background_job.id"))
    # Counts by outcome, and every row's outcome: [row number, email, outcome, reason].
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
    applied_at: Mapped[datetime | None]
    # People this import created, for the separate choice of inviting them.
    created_user_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    invited_at: Mapped[datetime | None]
