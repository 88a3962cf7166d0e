"""The audit trail's staff page (under /manage): search and filter, never change."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from portal.audit import trail
from portal.auth.models import User
from portal.extensions import db
from portal.inputs import date_arg, id_arg, page_number

bp = Blueprint("audit", __name__)


def filters_from_query() -> trail.Filters:
    action = request.args.get("action", "")
    target_type = request.args.get("target_type", "")
    return trail.Filters(
        action=action if action in trail.ACTIONS else "",
        actor_id=id_arg("actor"),
        target_type=target_type if target_type in trail.TARGET_TYPES else "",
        target_id=id_arg("target"),
        since=date_arg("since"),
        until=date_arg("until"),
    )


@bp.get("/audit")
def index():
    filters = filters_from_query()
    page = db.paginate(trail.search(filters), page=page_number(), per_page=50, error_out=False)
    actor_ids = {event.actor_id for event in page.items if event.actor_id}
    actors = dict(
        db.session.execute(sa.select(User.id, User.role).where(User.id.in_(actor_ids))).all()
    )
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actors=actors,
        actions=trail.ACTIONS,
        target_types=trail.TARGET_LABELS,
    )
