"""Staff pages for recognition (under /manage): points, tiers, badges.

Also the recognition sections of the staff page about one advocate.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import clock, images
from portal.advocates.manage import advocate_section
from portal.auth.models import Role, User
from portal.extensions import db
from portal.i18n import format_number
from portal.inputs import page_number
from portal.opportunities.models import OpportunityType
from portal.recognition import badge_rules, badges, corrections, ledger, tier_settings, tiers
from portal.recognition.forms import AwardForm, BadgeForm, ReverseForm, RevokeForm, TierForm
from portal.recognition.models import Badge, BadgeAward, PointsEntry, Tier
from portal.views import render_form, run_service

bp = Blueprint("recognition", __name__)


def _advocate_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.role != Role.ADVOCATE or user.profile is None:
        abort(404)
    return user


# --- on the staff page about one advocate -----------------------------------


@advocate_section(20, "recognition/manage/_advocate_points.html")
def _points_section(user: User) -> dict:
    quarter = clock.current_period("quarter")
    totals = ledger.totals_for(user.id, [clock.ALL_TIME, quarter.key])
    return {
        "stats": [
            (_("Points, all time"), format_number(totals[clock.ALL_TIME])),
            (_("Points, %(period)s", period=quarter.label), format_number(totals[quarter.key])),
        ],
        "entries": ledger.recent_entries(user.id, limit=20),
        "award_form": AwardForm(key=secrets.token_urlsafe(16)),
        "reverse_form": ReverseForm(),
    }


@advocate_section(30, "recognition/manage/_advocate_tiers.html")
def _tiers_section(user: User) -> dict:
    all_tiers = tiers.all_tiers()
    states = tiers.states_for(user.id, all_tiers)
    return {
        "points": ledger.total_for(user.id),
        "tier_states": [states[tier.id] for tier in all_tiers],
        "tier_history": tiers.history_of(user.id, limit=10),
        "awards": badges.awards_of(user.id, include_revoked=True),
    }


# --- points ---------------------------------------------------------------


@bp.post("/advocates/<id:user_id>/points")
def award_points(user_id: int):
    user = _advocate_or_404(user_id)
    form = AwardForm()
    if not form.validate_on_submit():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        flash(_("Nothing was added: %(errors)s", errors=errors), "error")
        return redirect(url_for("manage.advocates.detail", user_id=user.id))
    points = form.points.data
    done = run_service(
        lambda: corrections.award_manual(
            user.id,
            points,
            reason=form.reason.data,
            by_id=current_user.id,
            token=form.key.data,
            below_zero=form.below_zero.data,
        ),
        _n(
            "%(points)s point for %(name)s.",
            "%(points)s points for %(name)s.",
            abs(points),
            points=("+" if points > 0 else "") + format_number(points),
            name=user.name,
        ),
        field=lambda error: form.below_zero if isinstance(error, corrections.BelowZero) else None,
    )
    if isinstance(done.error, corrections.BelowZero):
        return _confirm_below_zero(user, form, url_for(".award_points", user_id=user.id))
    return redirect(url_for("manage.advocates.detail", user_id=user.id))


def _confirm_below_zero(user: User, form, action: str):
    """The form again, with the box that confirms taking the advocate below zero."""
    return render_template(
        "recognition/manage/confirm_below_zero.html", person=user, form=form, action=action
    ), 409


@bp.post("/entries/<id:entry_id>/reverse")
def reverse_entry(entry_id: int):
    entry = db.get_or_404(PointsEntry, entry_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the reversal."), "error")
        return redirect(url_for("manage.advocates.detail", user_id=entry.advocate_id))

    done = run_service(
        lambda: corrections.reverse_entry(
            entry,
            reason=form.reason.data,
            by_id=current_user.id,
            below_zero=form.below_zero.data,
        ),
        _("Entry reversed with a correcting entry."),
        field=lambda error: form.below_zero if isinstance(error, corrections.BelowZero) else None,
    )
    if isinstance(done.error, corrections.BelowZero):
        advocate = db.session.get(User, entry.advocate_id)
        return _confirm_below_zero(advocate, form, url_for(".reverse_entry", entry_id=entry_id))
    return redirect(url_for("manage.advocates.detail", user_id=entry.advocate_id))


# --- tiers ----------------------------------------------------------------


@bp.post("/advocates/<id:user_id>/tiers/<id:tier_id>/invite")
def invite_to_tier(user_id: int, tier_id: int):
    user = _advocate_or_404(user_id)
    tier = db.get_or_404(Tier, tier_id)
    run_service(
        lambda: tiers.invite_to_tier(user.id, tier, by_id=current_user.id),
        _("%(name)s is invited.", name=user.name),
    )
    return redirect(url_for("manage.advocates.detail", user_id=user.id))


@bp.get("/tiers")
def tier_list():
    return render_template("recognition/manage/tiers.html", tiers=tiers.all_tiers())


@bp.route("/tiers/<id:tier_id>", methods=["GET", "POST"])
def edit_tier(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = TierForm(obj=tier)
    if form.validate_on_submit() and run_service(
        lambda: tier_settings.update_tier(
            tier,
            name=form.name.data,
            threshold=form.threshold.data,
            benefits=form.benefits.data or "",
            commitment=form.commitment.data or "",
            invitation_only=form.invitation_only.data,
            featured=form.featured.data,
            by_id=current_user.id,
        ),
        lambda _saved: _("%(tier)s saved.", tier=tier.name),
        field=form.threshold,
    ):
        return redirect(url_for(".tier_list"))
    return render_form("recognition/manage/tier_form.html", form=form, tier=tier)


# --- badges ---------------------------------------------------------------


@bp.get("/badges")
def badge_list():
    all_badges = list(
        db.session.scalars(sa.select(Badge).order_by(Badge.active.desc(), Badge.name))
    )
    return render_template(
        "recognition/manage/badges.html",
        badges=[(badge, badge_rules.describe(badge)) for badge in all_badges],
        counts=badges.award_counts(),
    )


def _rule_params(form_data, rule_kind: str) -> dict:
    """The parameters typed for the chosen rule kind (fields named `<kind>-<param>`)."""
    rule = badge_rules.RULES.get(rule_kind)
    if rule is None:
        return {}
    return {
        param.name: form_data.get(f"{rule_kind}-{param.name}", param.default)
        for param in rule.params
    }


def _saved_message(result: tuple[Badge, int]) -> str:
    saved, added = result
    if not added:
        return _("“%(badge)s” saved.", badge=saved.name)
    return _n(
        "“%(badge)s” saved. %(num)d advocate already earned it.",
        "“%(badge)s” saved. %(num)d advocates already earned it.",
        added,
        badge=saved.name,
    )


@bp.route("/badges/new", methods=["GET", "POST"])
@bp.route("/badges/<id:badge_id>", methods=["GET", "POST"])
def edit_badge(badge_id: int | None = None):
    badge = db.get_or_404(Badge, badge_id) if badge_id else None
    form = BadgeForm(obj=badge, rules=badge_rules.RULES.values())
    if request.method == "GET" and badge is None:
        form.active.data = True
    if form.validate_on_submit():
        details = badges.BadgeDetails(
            name=form.name.data,
            description=form.description.data or "",
            rule_kind=form.rule_kind.data,
            rule_params=_rule_params(request.form, form.rule_kind.data),
            color=form.color.data,
            active=form.active.data,
            upload=form.upload.data.read() if form.upload.data else None,
            remove_upload=form.remove_image.data,
        )
        if run_service(
            lambda: badges.save_badge(badge, details, by=current_user),
            _saved_message,
            field=lambda error: (
                form.upload if isinstance(error, images.UploadRefused) else form.rule_kind
            ),
        ):
            return redirect(url_for(".badge_list"))
    current = badge.rule_params if badge else {}
    return render_form(
        "recognition/manage/badge_form.html",
        form=form,
        badge=badge,
        rules=badge_rules.RULES.values(),
        values={
            f"{kind}-{param.name}": request.form.get(
                f"{kind}-{param.name}",
                current.get(param.name, param.default)
                if badge and badge.rule_kind == kind
                else param.default,
            )
            for kind, rule in badge_rules.RULES.items()
            for param in rule.params
        },
        types=OpportunityType,
        periods=badge_rules.PERIOD_CHOICES,
        closed_periods=badge_rules.CLOSED_PERIOD_CHOICES,
    )


@bp.get("/badges/<id:badge_id>/awards")
def badge_awards(badge_id: int):
    badge = db.get_or_404(Badge, badge_id)
    page = db.paginate(
        sa.select(BadgeAward)
        .where(BadgeAward.badge_id == badge.id)
        .options(joinedload(BadgeAward.advocate))
        .order_by(BadgeAward.awarded_at.desc()),
        page=page_number(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "recognition/manage/badge_awards.html", badge=badge, page=page, revoke_form=RevokeForm()
    )


@bp.post("/awards/<id:award_id>/revoke")
def revoke_award(award_id: int):
    award = db.get_or_404(BadgeAward, award_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for revoking (200 characters at most)."), "error")
    else:
        run_service(
            lambda: badges.revoke(award, by=current_user, reason=form.reason.data),
            _("The badge is revoked for %(name)s.", name=award.advocate.name),
        )
    return redirect(url_for(".badge_awards", badge_id=award.badge_id))
