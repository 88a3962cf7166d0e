"""Stories: an advocate's success with the product, in their own words."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.advocates.models import DiscussionTopic
from portal.auth.models import User
from portal.db import utcnow
from portal.enums import LabeledEnum
from portal.extensions import db


class StoryStatus(LabeledEnum):
    SUBMITTED = "submitted", _l("Waiting for review")
    APPROVED = "approved", _l("Published")
    REJECTED = "rejected", _l("Not published")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


story_topic = sa.Table(
    "story_topic",
    db.metadata,
    sa.Column("story_id", sa.ForeignKey("story.id"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("discussion_topic.id"), primary_key=True, index=True),
)


class Story(db.Model):
    """An advocate's story of success with the product; public once a manager approves."""

    __table_args__ = (
        sa.Index("ix_story_status_advocate", "status", "advocate_id"),
        sa.Index("ix_story_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(sa.String(160))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[StoryStatus] = mapped_column(default=StoryStatus.SUBMITTED)
    manager_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    topics: Mapped[list[DiscussionTopic]] = relationship(
        secondary=story_topic, order_by=DiscussionTopic.name
    )
