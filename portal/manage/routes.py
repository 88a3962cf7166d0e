"""The staff home: what waits for the program team today."""

from __future__ import annotations

from flask import render_template

from portal.manage import bp
from portal.opportunities import queues
from portal.stories.services import story_queue


@bp.get("/")
def home():
    return render_template(
        "manage/home.html",
        queue=queues.application_queue(per_page=10).items,
        offers=queues.seat_offers(),
        to_mark=queues.to_mark(limit=10),
        counts=queues.staff_counts(),
        upcoming=queues.upcoming(limit=6),
        stories_waiting=len(story_queue()),
    )
