"""One person's public profile, read in one statement.

The person (with their profile and tier) and each short list the page shows
(current job, what they took part in, badges, stories, what the showcase may
use) come from a single SELECT: the lists are JSON columns (`portal.bundle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal import clock
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


# The statement of the page, built once per dialect and program day (the consent rules
# compare expiry dates with today): building it costs more Python than running it.
_built: dict[tuple[str, date], tuple[sa.Select, dict[str, sa.Select]]] = {}


def _statement(dialect: str) -> tuple[sa.Select, dict[str, sa.Select]]:
    today = clock.today()
    found = _built.get((dialect, today))
    if found is not None:
        return found
    user_id: Any = sa.bindparam("user_id", type_=sa.Integer)
    queries = {
        "job": current_job_rows(user_id),
        "completed": participation_rows(user_id, completed_only=True),
        "awards": award_rows(user_id),
        "stories": public_story_rows(user_id),
        "uses": public_use_rows(user_id),
    }
    statement = (
        public_advocates()
        .where(User.id == user_id)
        .options(contains_eager(User.profile).joinedload(AdvocateProfile.current_tier))
        .add_columns(*(json_rows(query).label(name) for name, query in queries.items()))
    )
    if clock.today() == today:  # not across midnight: keep it for the rest of the day
        if len(_built) > 4:
            _built.clear()
        _built[(dialect, today)] = (statement, queries)
    return statement, queries


def public_profile(user_id: int) -> PublicProfile | None:
    """The page of someone shown publicly (`public_advocates`), or None."""
    statement, queries = _statement(db.session.get_bind().dialect.name)
    row = db.session.execute(statement, {"user_id": user_id}).first()
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
