"""An advocate's referrals: refer a peer, follow each referral and the points it earned."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.decorators import advocate_required
from portal.extensions import db
from portal.referrals import bp, services
from portal.referrals.forms import ReferralForm
from portal.referrals.models import Referral
from portal.views import render_form, run_create_once


@bp.get("/referrals")
@advocate_required
def index():
    referrals = services.mine(current_user.id)
    return render_template(
        "referrals/index.html",
        referrals=referrals,
        points=services.points_by_referral([r.id for r in referrals]),
        per_stage=services.points_per_stage(),
    )


@bp.route("/referrals/new", methods=["GET", "POST"])
@advocate_required
def new():
    form = ReferralForm()
    if form.validate_on_submit():
        peer = services.PeerDetails(
            name=form.name.data,
            email=form.email.data,
            company=form.company.data,
            role=form.role.data,
            why=form.why.data,
            peer_agreed=form.peer_agreed.data,
            send_introduction=form.send_introduction.data,
        )
        done = run_create_once(
            form.once.data,
            lambda: services.refer(current_user, peer),
            lambda referral: url_for("referrals.detail", referral_id=referral.id),
            _("Thank you! We'll take good care of %(name)s.", name=peer.name.strip()),
            field=form.email,
        )
        if done:
            return redirect(done.value.url)
    return render_form("referrals/new.html", form=form)


@bp.get("/referrals/<id:referral_id>")
@advocate_required
def detail(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    if referral.advocate_id != current_user.id:
        abort(404)
    return render_template(
        "referrals/detail.html",
        referral=referral,
        points=services.points_by_referral([referral.id]).get(referral.id, 0),
        history=services.history_of(referral.id),
    )
