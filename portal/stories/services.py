"""Stories: an advocate's success with the product, public once a manager approves."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.advocates.models import ConsentAsset, DiscussionTopic
from portal.advocates.visibility import consents_to, shown_publicly
from portal.audit import trail
from portal.auth.models import User
from portal.db import utcnow
from portal.errors import InvalidState, NotAllowed
from portal.extensions import db
from portal.notifications.services import notify, notify_staff
from portal.stories.models import Story, StoryStatus


def write(
    advocate: User,
    *,
    title: str,
    body: str,
    story: Story | None = None,
    topic_ids: list[int] = (),
) -> Story:
    """Submit a new story, or change one: a changed story waits for review again."""
    if story is not None and story.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your story."))
    if story is None:
        story = Story(advocate_id=advocate.id)
        db.session.add(story)
    elif story.status == StoryStatus.WITHDRAWN:
        raise InvalidState(_("This story is withdrawn; write a new one instead."))
    story.title = title.strip()
    story.body = body.strip()
    story.topics = list(
        db.session.scalars(
            sa.select(DiscussionTopic).where(
                DiscussionTopic.id.in_(list(topic_ids)), DiscussionTopic.active
            )
        )
    )
    story.status = StoryStatus.SUBMITTED
    story.manager_note = ""
    story.decided_at = story.decided_by_id = None
    db.session.flush()
    notify_staff(
        "team_story",
        _l(
            "%(name)s sent a story to review: “%(title)s”.",
            name=advocate.name,
            title=story.title,
        ),
        "manage.stories.queue",
    )
    return story


def withdraw(story: Story, advocate: User) -> None:
    """The advocate takes a story back, published or not, at any time."""
    if story.advocate_id != advocate.id:
        raise NotAllowed(_("This is not your story."))
    if story.status == StoryStatus.WITHDRAWN:
        raise InvalidState(_("This story is already withdrawn."))
    story.status = StoryStatus.WITHDRAWN


def decide(story: Story, *, approve: bool, by: User, note: str = "") -> None:
    """Publish a submitted story, or send it back with a note."""
    if story.status != StoryStatus.SUBMITTED:
        raise InvalidState(
            _("This story is no longer waiting for review (%(status)s).", status=story.status.label)
        )
    status = StoryStatus.APPROVED if approve else StoryStatus.REJECTED
    trail.record_change("story.decided", story, by_id=by.id, status=status)
    story.status = status
    story.manager_note = note.strip()[:500]
    story.decided_at, story.decided_by_id = utcnow(), by.id
    notify(
        story.advocate_id,
        "story_published" if approve else "story_returned",
        _story_message(story, approve),
        "stories.index",
        subject=_l("Your story is published") if approve else _l("About your story"),
    )


def _story_message(story: Story, approve: bool):
    """What the advocate reads about the decision (lazy: in their language)."""
    if approve:
        return _l("Your story “%(title)s” is published.", title=story.title)
    if story.manager_note:
        return _l(
            "Your story “%(title)s” was not published. %(note)s",
            title=story.title,
            note=story.manager_note,
        )
    return _l("Your story “%(title)s” was not published.", title=story.title)


def mine(advocate_id: int) -> list[Story]:
    return list(
        db.session.scalars(
            sa.select(Story)
            .where(Story.advocate_id == advocate_id)
            .order_by(Story.updated_at.desc(), Story.id.desc())
        )
    )


def story_queue() -> list[Story]:
    """Stories waiting for a manager's review, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Story)
            .where(Story.status == StoryStatus.SUBMITTED)
            .options(joinedload(Story.advocate))
            .order_by(Story.updated_at, Story.id)
        )
    )


def public_stories(advocate_ids: list[int] | None = None, limit: int = 50) -> list[Story]:
    """Approved stories of advocates shown publicly who allow their stories on the showcase."""
    query = _public(sa.select(Story), limit).options(joinedload(Story.advocate))
    if advocate_ids is not None:
        query = query.where(Story.advocate_id.in_(advocate_ids))
    return list(db.session.scalars(query))


def public_story_rows(advocate_id: int, limit: int = 50) -> sa.Select:
    """`public_stories` of one advocate as rows (title, body), for a page's single statement."""
    return _public(sa.select(Story.title, Story.body), limit).where(
        Story.advocate_id == advocate_id
    )


def _public(query: sa.Select, limit: int) -> sa.Select:
    return (
        query.join(User, User.id == Story.advocate_id)
        .where(
            Story.status == StoryStatus.APPROVED,
            shown_publicly(),
            consents_to(ConsentAsset.STORIES),
        )
        .order_by(Story.decided_at.desc(), Story.id.desc())
        .limit(limit)
    )
