"""An advocate's own pages: the welcome step and the profile."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user

from portal.advocates import bp, permissions, profiles, visibility
from portal.advocates.accounts import active_products
from portal.advocates.employment import (
    NewJob,
    account_of_domain,
    current_employment,
    employment_history,
    record_own_move,
)
from portal.advocates.forms import (
    ConsentForm,
    OwnMoveForm,
    PhotoForm,
    ProfileForm,
    WelcomeForm,
)
from portal.advocates.models import ConsentAsset, ConsentChannel, Industry, Region, SizeBand
from portal.auth.decorators import advocate_required
from portal.auth.models import Role, User
from portal.extensions import db
from portal.recognition import badges
from portal.signals import signed_in_with_sso
from portal.views import render_form, run_service

# Pages an advocate may open before finishing the welcome step.
_BEFORE_WELCOME = {"advocates.welcome", "static"}
# Pages an advocate may open before answering "did you move?" after a sign-on.
_BEFORE_ANSWER = {"advocates.moved", "advocates.move", "static"}
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
    if (
        current_user.is_authenticated
        and session.get("moved_to")
        and request.method == "GET"
        and request.endpoint not in _BEFORE_ANSWER
        and request.blueprint not in _BLUEPRINTS_BEFORE_WELCOME
    ):
        return redirect(url_for("advocates.moved"))
    return None


@signed_in_with_sso.connect
def _ask_whether_they_moved(user_id: int, *, email: str, **_kwargs: object) -> None:
    """A sign-on from a domain of another company than the advocate's current one: ask
    (nothing changes without their answer)."""
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.ADVOCATE:
        return
    account = account_of_domain(email)
    job = current_employment(user_id)
    if account is not None and (job is None or job.account_id != account.id):
        session["moved_to"] = account.name


@bp.route("/profile/moved", methods=["GET", "POST"])
@advocate_required
def moved():
    """ "Did you move?": asked once after a sign-on from another company's domain."""
    company = session.get("moved_to")
    if not company:
        return redirect(url_for("main.dashboard"))
    if request.method == "POST":
        session.pop("moved_to", None)
        if request.form.get("answer") == "yes":
            return redirect(url_for("advocates.move", company=company))
        flash(_("Thanks: nothing changed."), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("advocates/moved.html", company=company)


@bp.route("/profile/move", methods=["GET", "POST"])
@advocate_required
def move():
    """The advocate records their new job; history, points and badges stay with them."""
    form = OwnMoveForm()
    if request.method == "GET":
        form.company.data = request.args.get("company", "")[:160]
    if form.validate_on_submit():
        job = NewJob(
            company=form.company.data,
            title=form.title.data,
            started_on=form.started_on.data,
            industry=Industry(form.industry.data),
            region=Region(form.region.data),
            size_band=SizeBand(form.size_band.data),
        )
        if run_service(
            lambda: record_own_move(current_user, job),
            _(
                "Congratulations on your new job at %(company)s! "
                "Your points, badges and tier come with you.",
                company=job.company,
            ),
            field=form.company,
        ):
            session.pop("moved_to", None)
            return redirect(url_for("advocates.profile"))
    return render_form("advocates/move.html", form=form, job=current_employment(current_user.id))


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
        _("Welcome to the program! Here is what's open to you."),
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
        _("Your profile is saved."),
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
        _("Your photo is saved."),
        field=photo_form.photo,
    ):
        return redirect(url_for("advocates.profile"))
    form = ProfileForm(formdata=None, products=active_products(), data=_form_defaults(current_user))
    return _profile_page(form, photo_form)


@bp.post("/profile/photo/remove")
@advocate_required
def remove_photo():
    run_service(lambda: profiles.set_photo(current_user, None), _("Your photo is removed."))
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
            _n(
                "Your choices are saved (%(num)d changed).",
                "Your choices are saved (%(num)d changed).",
                changed,
            )
            if changed
            else _("Nothing changed.")
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
