from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.advocates import bp, services, stories
from portal.advocates.forms import ProfileForm, StoryForm, WelcomeForm
from portal.advocates.models import (
    Account,
    AdvocateProfile,
    Employment,
    Industry,
    Story,
    advocate_product,
)
from portal.auth.decorators import advocate_required
from portal.auth.models import Role, User
from portal.errors import PortalError
from portal.extensions import db
from portal.opportunities import services as opportunity_services
from portal.recognition import badges, ledger, tiers
from portal.views import render_form

# Pages an advocate may open before finishing the welcome step.
_BEFORE_WELCOME = {"advocates.welcome", "static"}
_BLUEPRINTS_BEFORE_WELCOME = {"auth", "mail"}


@bp.before_app_request
def send_new_advocates_to_welcome():
    if (
        current_user.is_authenticated
        and current_user.role == Role.ADVOCATE
        and request.endpoint not in _BEFORE_WELCOME
        and request.blueprint not in _BLUEPRINTS_BEFORE_WELCOME
        and request.method == "GET"
        and (current_user.profile is None or current_user.profile.onboarded_at is None)
    ):
        return redirect(url_for("advocates.welcome"))
    return None


def _choices_from(form: ProfileForm) -> services.ProfileChoices:
    return services.ProfileChoices(
        name=form.name.data,
        title=form.title.data or "",
        bio=form.bio.data or "",
        product_ids=form.products.data or [],
        open_types=form.open_types.data or [],
        max_asks_per_quarter=form.max_asks_per_quarter.data,
        quiet_until=form.quiet_until.data,
        show_on_leaderboard=form.show_on_leaderboard.data,
        public_profile=form.public_profile.data,
        timezone=form.timezone.data or None,
    )


def _form_defaults(user: User) -> dict:
    profile = services.ensure_profile(user)
    job = services.current_employment(user.id)
    return {
        "name": user.name,
        "title": job.title if job else "",
        "bio": profile.bio,
        "products": [p.id for p in profile.products],
        "open_types": sorted(profile.open_types),
        "max_asks_per_quarter": profile.max_asks_per_quarter,
        "quiet_until": profile.quiet_until,
        "show_on_leaderboard": profile.show_on_leaderboard,
        "public_profile": profile.public_profile,
        "timezone": user.timezone or "",
    }


@bp.route("/welcome", methods=["GET", "POST"])
@advocate_required
def welcome():
    profile = services.ensure_profile(current_user)
    if profile.onboarded_at is not None:
        return redirect(url_for("advocates.dashboard"))
    defaults = _form_defaults(current_user) if request.method == "GET" else {}
    form = WelcomeForm(products=services.active_products(), data=defaults or None)
    if form.validate_on_submit():
        services.complete_onboarding(current_user, _choices_from(form))
        db.session.commit()
        flash("Welcome to the program! Here is what's open to you.", "success")
        return redirect(url_for("opportunities.index"))
    return render_form(
        "advocates/welcome.html",
        form=form,
        job=services.current_employment(current_user.id),
    )


@bp.route("/profile", methods=["GET", "POST"])
@advocate_required
def profile():
    defaults = _form_defaults(current_user) if request.method == "GET" else None
    form = ProfileForm(products=services.active_products(), data=defaults)
    if form.validate_on_submit():
        services.update_profile(current_user, _choices_from(form))
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for("advocates.profile"))
    return render_form(
        "advocates/profile.html",
        form=form,
        history=services.employment_history(current_user.id),
        awards=badges.awards_of(current_user.id),
    )


@bp.get("/dashboard")
@advocate_required
def dashboard():
    quarter = clock.current_period("quarter")
    mine = ledger.standings_of(current_user.id, [clock.ALL_TIME, quarter.key])
    totals = {period: standing.points for period, standing in mine.items()}
    rank_all, rank_quarter = mine[clock.ALL_TIME].rank, mine[quarter.key].rank
    return render_template(
        "advocates/dashboard.html",
        participations=opportunity_services.my_participations(current_user.id),
        totals=totals,
        quarter=quarter,
        rank_all=rank_all,
        rank_quarter=rank_quarter,
        progress=tiers.progress_for(current_user.id, totals[clock.ALL_TIME]),
        entries=ledger.recent_entries(current_user.id, limit=8),
        shown=current_user.profile.show_on_leaderboard,
        awards=badges.awards_of(current_user.id),
    )


def _public_advocates():
    return (
        sa.select(User)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(
            User.active.is_(True),
            User.role == Role.ADVOCATE,
            AdvocateProfile.public_profile.is_(True),
        )
    )


@bp.get("/people")
def directory():
    return redirect(url_for("advocates.showcase", **request.args.to_dict()), 301)


@bp.get("/showcase")
def showcase():
    """Advocates who made their profile public (no sign-in needed)."""
    industry = request.args.get("industry", "")
    product_id = request.args.get("product", type=int)
    query = _public_advocates().order_by(User.name, User.id)
    if industry in {i.value for i in Industry}:
        query = query.where(
            sa.exists().where(
                Employment.user_id == User.id,
                Employment.ended_on.is_(None),
                Employment.account_id == Account.id,
                Account.industry == industry,
            )
        )
    if product_id:
        query = query.where(
            sa.exists().where(
                advocate_product.c.user_id == User.id,
                advocate_product.c.product_id == product_id,
            )
        )
    page = db.paginate(query, per_page=24, max_per_page=48, error_out=False)
    ids = [user.id for user in page.items]
    return render_template(
        "advocates/showcase.html",
        page=page,
        jobs=services.current_jobs(ids),
        badges=badges.badges_by_advocate(ids),
        tiers=services.tiers_by_advocate(ids),
        stories=stories.public_stories(ids, limit=3),
        industry=industry,
        product_id=product_id,
        industries=Industry,
        products=services.active_products(),
    )


@bp.get("/people/<int:user_id>")
def public_profile(user_id: int):
    user = db.session.scalar(_public_advocates().where(User.id == user_id))
    if user is None:
        abort(404)
    return render_template(
        "advocates/public_profile.html",
        person=user,
        job=services.current_employment(user.id),
        completed=services.public_participations(user.id),
        awards=badges.awards_of(user.id),
        stories=stories.public_stories([user.id]),
    )


# --- stories ------------------------------------------------------------------


@bp.get("/stories", endpoint="stories")
@advocate_required
def stories_page():
    return render_template("advocates/stories.html", stories=stories.mine(current_user.id))


def _own_story(story_id: int) -> Story:
    story = db.get_or_404(Story, story_id)
    if story.advocate_id != current_user.id:
        abort(404)
    return story


@bp.route("/stories/new", methods=["GET", "POST"])
@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@advocate_required
def write_story(story_id: int | None = None):
    story = _own_story(story_id) if story_id else None
    form = StoryForm(obj=story)
    if form.validate_on_submit():
        try:
            stories.write(current_user, title=form.title.data, body=form.body.data, story=story)
        except PortalError as error:
            db.session.rollback()
            form.title.errors = [error.message]
        else:
            db.session.commit()
            flash("Thank you! Your story is waiting for review.", "success")
            return redirect(url_for("advocates.stories"))
    return render_form("advocates/story_form.html", form=form, story=story)


@bp.post("/stories/<int:story_id>/withdraw")
@advocate_required
def withdraw_story(story_id: int):
    story = _own_story(story_id)
    try:
        stories.withdraw(story, current_user)
    except PortalError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Your story is withdrawn: nobody else sees it now.", "success")
    return redirect(url_for("advocates.stories"))
