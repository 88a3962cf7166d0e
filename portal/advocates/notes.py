"""Notes staff keep about one advocate: staff-only, with their author and time.

Advocates never see them (no page outside /manage reads this table). Notes are
history like the rest of the advocate's record: added, never edited.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import NotAllowed
from portal.extensions import db

MAX_LENGTH = 2000


class StaffNote(db.Model):
    __tablename__ = "staff_note"
    __table_args__ = (sa.Index("ix_staff_note_advocate_created", "advocate_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(sa.String(MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])


def add_note(advocate: User, body: str, *, author: User) -> StaffNote:
    """Add a staff note about an advocate; raises NotAllowed unless the author is staff."""
    if not author.is_staff:
        raise NotAllowed(_("Only the program team keeps notes."))
    note = StaffNote(advocate_id=advocate.id, author_id=author.id, body=body[:MAX_LENGTH])
    db.session.add(note)
    db.session.flush()
    # The note's text is about a person: the trail says whom it is about, never what it says.
    trail.record(
        "note.created", "note", note.id, by_id=author.id, after={"advocate_id": advocate.id}
    )
    return note


def notes_about(advocate_id: int, limit: int = 50) -> list[StaffNote]:
    """The newest notes about an advocate, with their authors (one query)."""
    return list(
        db.session.scalars(
            sa.select(StaffNote)
            .where(StaffNote.advocate_id == advocate_id)
            .options(sa.orm.joinedload(StaffNote.author))
            .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
            .limit(limit)
        )
    )
