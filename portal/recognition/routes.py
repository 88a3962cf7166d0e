from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.auth.decorators import advocate_required, roles_required
from portal.auth.models import Role
from portal.errors import PortalError
from portal.extensions import db
from portal.recognition import bp, ledger, tiers
from portal.recognition.forms import OptInForm, StepDownForm
from portal.recognition.models import Tier

PAGE_SIZE = 50
PERIOD_KINDS = {"all": "All time", "quarter": "This quarter"}


@bp.get("/leaderboard")
@roles_required(Role.ADVOCATE, Role.MANAGER, Role.ADMIN)
def leaderboard():
    kind = request.args.get("period", "all")
    if kind not in PERIOD_KINDS:
        kind = "all"
    period = clock.current_period(kind)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_more = ledger.leaderboard(period.key, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    me = None
    if current_user.is_advocate:
        points, rank = ledger.standing_of(current_user.id, period.key)
        me = {"points": points, "rank": rank, "shown": current_user.profile.show_on_leaderboard}
    return render_template(
        "recognition/leaderboard.html",
        rows=rows,
        has_more=has_more,
        page=page,
        kind=kind,
        kinds=PERIOD_KINDS,
        period=period,
        me=me,
    )


@bp.get("/tiers", endpoint="tiers")
@advocate_required
def tiers_page():
    points = ledger.total_for(current_user.id)
    all_tiers = tiers.all_tiers()
    return render_template(
        "recognition/tiers.html",
        tiers=all_tiers,
        states=tiers.states_for(current_user.id, all_tiers),
        points=points,
        opt_in_form=OptInForm(),
        step_down_form=StepDownForm(),
    )


@bp.post("/tiers/<int:tier_id>/opt-in")
@advocate_required
def opt_in(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = OptInForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tiers.opt_in(current_user.id, tier, accepted=form.accept.data)
    except PortalError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Welcome to the {tier.name} tier!", "success")
    return redirect(url_for("recognition.tiers"))


@bp.post("/tiers/<int:tier_id>/step-down")
@advocate_required
def step_down(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    if not StepDownForm().validate_on_submit():
        abort(400)
    try:
        tiers.step_down(current_user.id, tier)
    except PortalError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"You stepped down from {tier.name}.", "success")
    return redirect(url_for("recognition.tiers"))


@bp.get("/points")
@advocate_required
def points_history():
    page = max(request.args.get("page", 1, type=int), 1)
    entries = ledger.entries_page(current_user.id, page=page)
    return render_template("recognition/points.html", entries=entries)
