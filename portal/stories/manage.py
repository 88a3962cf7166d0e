"""Staff pages for stories: the review queue (under /manage)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.advocates import permissions
from portal.advocates.models import ConsentAsset
from portal.extensions import db
from portal.stories import services
from portal.stories.forms import StoryDecisionForm
from portal.stories.models import Story
from portal.views import run_service

bp = Blueprint("stories", __name__)


@bp.get("/stories")
def queue():
    stories = services.story_queue()
    return render_template(
        "stories/manage/queue.html",
        queue=stories,
        form=StoryDecisionForm(),
        uses=permissions.channels_for(
            sorted({story.advocate_id for story in stories}), ConsentAsset.STORIES
        ),
    )


@bp.post("/stories/<id:story_id>/decide")
def decide(story_id: int):
    story = db.get_or_404(Story, story_id)
    form = StoryDecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.reject.data):
        abort(400)
    approve = bool(form.approve.data)
    run_service(
        lambda: services.decide(story, approve=approve, by=current_user, note=form.note.data or ""),
        _("Published.") if approve else _("Sent back to the advocate."),
    )
    return redirect(url_for("manage.stories.queue"))
