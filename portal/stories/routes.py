"""An advocate's own stories: write, change, withdraw."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.advocates.accounts import active_topics
from portal.auth.decorators import advocate_required
from portal.extensions import db
from portal.stories import bp, services
from portal.stories.forms import StoryForm
from portal.stories.models import Story
from portal.views import render_form, run_create_once, run_service


@bp.get("/stories")
@advocate_required
def index():
    return render_template("stories/index.html", stories=services.mine(current_user.id))


def _own_story(story_id: int) -> Story:
    story = db.get_or_404(Story, story_id)
    if story.advocate_id != current_user.id:
        abort(404)
    return story


@bp.route("/stories/new", methods=["GET", "POST"])
@bp.route("/stories/<id:story_id>/edit", methods=["GET", "POST"])
@advocate_required
def write(story_id: int | None = None):
    story = _own_story(story_id) if story_id else None
    form = StoryForm(obj=story, topics=active_topics())
    if story is not None and request.method == "GET":
        form.topic_ids.data = [t.id for t in story.topics]
    if form.validate_on_submit():
        done = run_create_once(
            None if story else form.once.data,
            lambda: services.write(
                current_user,
                title=form.title.data,
                body=form.body.data,
                story=story,
                topic_ids=form.topic_ids.data or [],
            ),
            lambda written: url_for("stories.index", _anchor=f"story-{written.id}"),
            _("Thank you! Your story is waiting for review."),
            field=form.title,
        )
        if done:
            return redirect(done.value.url)
    return render_form("stories/form.html", form=form, story=story)


@bp.post("/stories/<id:story_id>/withdraw")
@advocate_required
def withdraw(story_id: int):
    story = _own_story(story_id)
    run_service(
        lambda: services.withdraw(story, current_user),
        _("Your story is withdrawn: nobody else sees it now."),
    )
    return redirect(url_for("stories.index"))
