"""The staff home (what waits for the program team today) and the staff search."""

from __future__ import annotations

from flask import render_template, request

from portal.advocates import accounts, people
from portal.advocates.employment import current_jobs
from portal.manage import bp
from portal.opportunities import queues
from portal.stories.services import story_queue

SEARCH_LIMIT = 10


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


@bp.get("/search")
def search():
    """Advocates, accounts and opportunities matching what was typed in the header."""
    text = request.args.get("q", "").strip()[:100]
    found = {}
    if text:
        found = {
            "advocates": people.search_advocates(text, per_page=SEARCH_LIMIT),
            "accounts": accounts.accounts_page(text, per_page=SEARCH_LIMIT),
            "opportunities": queues.staff_listing(
                state=None, text=text, page=1, per_page=SEARCH_LIMIT
            ),
        }
    advocates = found["advocates"].items if found else []
    return render_template(
        "manage/search.html",
        text=text,
        found=found,
        jobs=current_jobs([user.id for user in advocates]),
    )
