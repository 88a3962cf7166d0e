"""An advocate's own pages: the welcome step and the profile."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from portal.advocates import bp, permissions, profiles, visibility
from portal.advocates.accounts import active_products
from portal.advocates.employment import current_employment, employment_history
from portal.advocates.forms import ConsentForm, PhotoForm, ProfileForm, WelcomeForm
from portal.advocates.models import ConsentAsset, ConsentChannel
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
        public_profile=form.public_profile.data if isinstance(form, WelcomeForm) else None,
        timezone=form.timezone.data or None,
        quote=form.quote.data or "",
        linkedin_url=form.linkedin_url.data or "",
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
        "quote": profile.quote,
        "linkedin_url": profile.linkedin_url,
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
    return _profile_page(form, PhotoForm())


def _profile_page(form: ProfileForm, photo_form: PhotoForm):
    return render_form(
        "advocates/profile.html",
        form=form,
        photo_form=photo_form,
        history=employment_history(current_user.id),
        awards=badges.awards_of(current_user.id),
        is_public=visibility.shows_publicly(current_user.id, ConsentAsset.NAME_TITLE),
    )


@bp.post("/profile/photo")
@advocate_required
def upload_photo():
    photo_form = PhotoForm()
    if photo_form.validate_on_submit() and run_service(
        lambda: profiles.set_photo(current_user, photo_form.photo.data.read()),
        "Your photo is saved.",
        field=photo_form.photo,
    ):
        return redirect(url_for("advocates.profile"))
    form = ProfileForm(formdata=None, products=active_products(), data=_form_defaults(current_user))
    return _profile_page(form, photo_form)


@bp.post("/profile/photo/remove")
@advocate_required
def remove_photo():
    run_service(lambda: profiles.set_photo(current_user, None), "Your photo is removed.")
    return redirect(url_for("advocates.profile"))


@bp.route("/profile/consent", methods=["GET", "POST"])
@advocate_required
def consent():
    """The consent grid: how the program may use the advocate's name and work, where."""
    grid = permissions.grid_of(current_user.id)
    form = ConsentForm()
    if request.method == "GET":
        for (asset, channel), switch in grid.items():
            form[f"granted-{asset.value}-{channel.value}"].data = switch.granted
            form[f"until-{asset.value}-{channel.value}"].data = switch.expires_on
    if form.validate_on_submit() and run_service(
        lambda: permissions.change_grid(current_user, form.switches(), by=current_user),
        lambda changed: (
            f"Your choices are saved ({changed} changed)." if changed else "Nothing changed."
        ),
    ):
        return redirect(url_for("advocates.consent"))
    return render_form(
        "advocates/consent.html",
        form=form,
        assets=list(ConsentAsset),
        channels=list(ConsentChannel),
        holding=permissions.holding(grid),
        grid=grid,
        history=permissions.history_of(current_user.id, limit=50),
    )
