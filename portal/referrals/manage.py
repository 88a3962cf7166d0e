"""Staff pages for referrals (under /manage): the pipeline, one referral, points per stage,
and champions at new companies."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.advocates import employment, people
from portal.advocates.models import Employment
from portal.audit import trail
from portal.auth.models import User
from portal.extensions import db
from portal.inputs import page_number
from portal.notifications.services import notify
from portal.references import rules
from portal.referrals import services
from portal.referrals.forms import MoveForm, OwnerForm, PointsForm
from portal.referrals.models import STAGE_STATES, Referral, ReferralStage, event_note
from portal.signals import advocate_moved
from portal.views import render_form, run_service

bp = Blueprint("referrals", __name__)


@bp.get("/referrals")
def index():
    chosen = request.args.get("stage", "")
    stage = ReferralStage(chosen) if chosen in {s.value for s in ReferralStage} else None
    page = services.pipeline_page(stage, page=page_number())
    return render_template(
        "referrals/manage/index.html",
        page=page,
        stage=stage,
        stages=list(ReferralStage),
        points=services.points_by_referral([r.id for r in page.items]),
        currency=rules.current().currency,
    )


def _detail_page(referral: Referral, move_form: MoveForm, owner_form: OwnerForm):
    currency = rules.current().currency
    return render_form(
        "referrals/manage/detail.html",
        referral=referral,
        move_form=move_form,
        owner_form=owner_form,
        currency=currency,
        history=[
            (event, event_note(event.note, currency)) for event in services.history_of(referral.id)
        ],
        points=services.points_by_referral([referral.id]).get(referral.id, 0),
    )


@bp.get("/referrals/<id:referral_id>")
def detail(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    owner_form = OwnerForm(staff=people.staff_users(), data={"owner": referral.owner_id or 0})
    return _detail_page(referral, MoveForm(data={"stage": referral.stage.value}), owner_form)


@bp.post("/referrals/<id:referral_id>/move")
def move(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    form = MoveForm()
    if form.validate_on_submit():
        stage = ReferralStage(form.stage.data)
        done = run_service(
            lambda: services.move(
                referral.id,
                stage,
                by=current_user,
                lost_reason=form.lost_reason.data or "",
                revenue=form.revenue.data,
            ),
            _("The referral is %(stage)s.", stage=STAGE_STATES[stage]),
            field=form.stage,
        )
        if done:
            return redirect(url_for(".detail", referral_id=referral.id))
    owner_form = OwnerForm(
        formdata=None, staff=people.staff_users(), data={"owner": referral.owner_id or 0}
    )
    return _detail_page(referral, form, owner_form)


@bp.post("/referrals/<id:referral_id>/owner")
def assign_owner(referral_id: int):
    referral = db.get_or_404(Referral, referral_id)
    form = OwnerForm(staff=people.staff_users())
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner.data) if form.owner.data else None
        run_service(
            lambda: services.assign_owner(referral.id, owner, by=current_user),
            _("%(name)s owns this referral now.", name=owner.name)
            if owner
            else _("Nobody owns this referral now."),
        )
    else:
        flash(_("Choose someone from the list."), "error")
    return redirect(url_for(".detail", referral_id=referral.id))


@bp.route("/referrals/points", methods=["GET", "POST"])
def points():
    form = PointsForm(data=services.points_per_stage() if request.method == "GET" else None)

    def save() -> None:
        with trail.settings_changes(by_id=current_user.id):
            services.save_points_per_stage(
                {stage: form[stage].data for stage in ("new", "contacted", "qualified", "won")}
            )

    if form.validate_on_submit() and run_service(
        save,
        _("Points per stage saved. They apply to stages reached from now on."),
    ):
        return redirect(url_for(".index"))
    return render_form("referrals/manage/points.html", form=form)


@bp.get("/champions")
def champions():
    """Champions at new companies: who moved, from where to where, when, and what followed."""
    page = employment.moves_page(page=page_number())
    return render_template(
        "referrals/manage/champions.html",
        page=page,
        referrals=services.referrals_from(sorted({job.user_id for job in page.items})),
    )


@advocate_moved.connect
def _tell_the_account_owner(advocate_id: int, *, employment: Employment, **_unused: object) -> None:
    """The owner of the company a champion moved to hears of it (in the portal and by mail)."""
    account = employment.account
    if account.owner_id is None:
        return
    user = db.session.get(User, advocate_id)
    notify(
        account.owner_id,
        "champion_moved",
        _l(
            "%(name)s, an advocate, now works at %(company)s (%(kind)s) as %(title)s.",
            name=user.name,
            company=account.name,
            kind=account.kind.label,
            title=employment.title,
        ),
        "manage.referrals.champions",
        subject=_l("A champion moved to %(company)s", company=account.name),
    )
