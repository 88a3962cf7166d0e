"""One person's public profile, read in one statement.

The person (with their profile and tier) and each short list the page shows
(current job, what they took part in, badges, stories, what the showcase may
use) come from a single SELECT: the lists are JSON columns (`portal.bundle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy.orm import contains_eager

from portal.advocates.employment import current_job_rows
from portal.advocates.models import AdvocateProfile, ConsentAsset
from portal.advocates.visibility import public_advocates, public_use_rows, uses_from
from portal.auth.models import User
from portal.bundle import json_rows, rows_of
from portal.extensions import db
from portal.opportunities.listing import participation_rows
from portal.recognition.badges import award_rows
from portal.stories.services import public_story_rows


@dataclass
class PublicProfile:
    person: User
    job: SimpleNamespace | None
    completed: list[SimpleNamespace]
    awards: list[SimpleNamespace]
    stories: list[SimpleNamespace]
    uses: set[ConsentAsset]


def public_profile(user_id: int) -> PublicProfile | None:
    """The page of someone shown publicly (`public_advocates`), or None."""
    queries = {
        "job": current_job_rows(user_id),
        "completed": participation_rows(user_id, completed_only=True),
        "awards": award_rows(user_id),
        "stories": public_story_rows(user_id),
        "uses": public_use_rows(user_id),
    }
    row = db.session.execute(
        public_advocates()
        .where(User.id == user_id)
        .options(contains_eager(User.profile).joinedload(AdvocateProfile.current_tier))
        .add_columns(*(json_rows(query).label(name) for name, query in queries.items()))
    ).first()
    if row is None:
        return None
    lists = {name: rows_of(getattr(row, name), query) for name, query in queries.items()}
    return PublicProfile(
        person=row[0],
        job=lists["job"][0] if lists["job"] else None,
        completed=lists["completed"],
        awards=lists["awards"],
        stories=lists["stories"],
        uses=uses_from(lists["uses"]),
    )
