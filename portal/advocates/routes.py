"""An advocate's own pages: the welcome step and the profile."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from portal.advocates import bp, profiles
from portal.advocates.accounts import active_products
from portal.advocates.employment import current_employment, employment_history
from portal.advocates.forms import ProfileForm, WelcomeForm
from portal.auth.decorators import advocate_required
from portal.auth.models import Role, User
from portal.recognition import badges
from portal.views import render_form, run_service

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


def _choices_from(form: ProfileForm) -> profiles.ProfileChoices:
    return profiles.ProfileChoices(
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
    profile = profiles.ensure_profile(user)
    job = current_employment(user.id)
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
    profile = profiles.ensure_profile(current_user)
    if profile.onboarded_at is not None:
        return redirect(url_for("main.dashboard"))
    defaults = _form_defaults(current_user) if request.method == "GET" else {}
    form = WelcomeForm(products=active_products(), data=defaults or None)
    if form.validate_on_submit() and run_service(
        lambda: profiles.complete_onboarding(current_user, _choices_from(form)),
        "Welcome to the program! Here is what's open to you.",
    ):
        return redirect(url_for("opportunities.index"))
    return render_form(
        "advocates/welcome.html",
        form=form,
        job=current_employment(current_user.id),
    )


@bp.route("/profile", methods=["GET", "POST"])
@advocate_required
def profile():
    defaults = _form_defaults(current_user) if request.method == "GET" else None
    form = ProfileForm(products=active_products(), data=defaults)
    if form.validate_on_submit() and run_service(
        lambda: profiles.update_profile(current_user, _choices_from(form)),
        "Your profile is saved.",
    ):
        return redirect(url_for("advocates.profile"))
    return render_form(
        "advocates/profile.html",
        form=form,
        history=employment_history(current_user.id),
        awards=badges.awards_of(current_user.id),
    )
