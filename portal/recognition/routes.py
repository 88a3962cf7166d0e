from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import clock
from portal.advocates.employment import current_jobs
from portal.advocates.models import ConsentAsset, Industry, Region
from portal.advocates.visibility import public_uses
from portal.auth.decorators import advocate_required, roles_required
from portal.auth.models import Role
from portal.db import read_only
from portal.extensions import db
from portal.inputs import database_id, page_number
from portal.opportunities import posting
from portal.recognition import badge_rules, badges, boards, bp, ledger, openbadges, tiers
from portal.recognition.forms import OptInForm, StepDownForm
from portal.recognition.models import Badge, BadgeAward, Tier
from portal.views import run_service

PAGE_SIZE = 50
PERIOD_KINDS = {"all": _l("All time"), "quarter": _l("This quarter"), "month": _l("This month")}


def _board_filter(args) -> tuple[boards.BoardFilter | None, dict, str | None]:
    """The filter asked for in the query string (one at a time), its echo for links
    and its label; a company's name is looked up with the viewer (see `leaderboard`)."""
    if args.get("industry") in {i.value for i in Industry}:
        industry = Industry(args["industry"])
        return (
            boards.BoardFilter("industry", industry.value),
            {"industry": industry.value},
            industry.label,
        )
    if args.get("region") in {r.value for r in Region}:
        region = Region(args["region"])
        return boards.BoardFilter("region", region.value), {"region": region.value}, region.label
    account_id = database_id(args.get("account"))
    if account_id:
        return boards.BoardFilter("account", account_id), {"account": account_id}, None
    return None, {}, None


@bp.get("/leaderboard")
@read_only
@roles_required(Role.ADVOCATE, Role.MANAGER, Role.ADMIN)
def leaderboard():
    kind = request.args.get("period", "all")
    if kind not in PERIOD_KINDS:
        kind = "all"
    period = clock.current_period(kind)
    board_filter, filter_args, filter_label = _board_filter(request.args)
    # One query for the viewer, the asked company and the boards' version; the
    # page of the board itself comes from the cache while that version holds.
    viewer = boards.viewer(current_user.id, period.key, board_filter)
    if board_filter is not None and board_filter.kind == "account":
        if viewer.account_name is None:  # no such company: the whole board
            board_filter, filter_args = None, {}
        filter_label = viewer.account_name
    page = page_number()
    text = request.args.get("q", "").strip()[:100]
    if text:
        rows, has_more, pages = boards.search(period.key, text, board_filter=board_filter), False, 1
    else:
        board = boards.board_page(period.key, board_filter, page, PAGE_SIZE, viewer.version)
        rows, has_more, pages = board.rows, board.has_more, board.pages
    me = my_job = None
    if current_user.is_advocate:
        me = {
            "points": viewer.points,
            "rank": viewer.rank_on(board_filter),
            "shown": current_user.profile.show_on_leaderboard,
        }
        if viewer.job_account_id is not None:
            my_job = {"account_id": viewer.job_account_id, "name": viewer.job_account_name}
    return render_template(
        "recognition/leaderboard.html",
        rows=rows,
        has_more=has_more,
        has_ties=len({row.rank for row in rows}) < len(rows),
        page=page,
        pages=pages,
        text=text,
        kind=kind,
        kinds=PERIOD_KINDS,
        period=period,
        me=me,
        my_job=my_job,
        board_filter=board_filter,
        filter_args=filter_args,
        filter_label=filter_label,
        industries=Industry.known(),
        regions=Region.known(),
    )


@bp.get("/recognition")
def how_it_works():
    """Generated from the live point values, badge rules and tier thresholds."""
    return render_template(
        "recognition/how_it_works.html",
        points=list(posting.default_points().items()),
        tiers=tiers.all_tiers(),
        grace_days=tiers.grace_period().days,
        badges=[(badge, badge_rules.describe(badge)) for badge in badges.active_badges()],
        program_tz=current_app.config["PROGRAM_TIMEZONE"],
    )


# --- badges and Open Badges --------------------------------------------------


def _badge_or_404(slug: str) -> Badge:
    badge = db.session.scalar(sa.select(Badge).where(Badge.slug == slug))
    if badge is None:
        abort(404)
    return badge


@bp.get("/badges/<slug>")
def badge(slug: str):
    badge = _badge_or_404(slug)
    page = badges.public_holders(badge, page=page_number())
    ids = [user.id for user in page.items]
    return render_template(
        "recognition/badge.html",
        badge=badge,
        rule=badge_rules.describe(badge),
        page=page,
        jobs=current_jobs(ids),
        uses=public_uses(ids),  # a holder's company only where they allow it on the showcase
        Use=ConsentAsset,
    )


@bp.get("/badges/<slug>/image")
def badge_image(slug: str):
    badge = _badge_or_404(slug)
    response = make_response(badge.image)
    response.headers["Content-Type"] = badge.image_type
    response.headers["Cache-Control"] = "public, max-age=3600"
    # An SVG opened directly must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.set_etag(f"{badge.id}-{badge.updated_at.timestamp()}")
    return response.make_conditional(request)


def _json_ld(document: dict, status: int = 200):
    response = make_response(json.dumps(document, indent=2), status)
    response.headers["Content-Type"] = "application/ld+json"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these
    return response


@bp.get("/ob/issuer")
def ob_issuer():
    return _json_ld(openbadges.issuer_document())


@bp.get("/ob/badges/<slug>")
def ob_badge_class(slug: str):
    return _json_ld(openbadges.badge_class_document(_badge_or_404(slug)))


def _award_or_404(uid: str) -> BadgeAward:
    award = db.session.scalar(sa.select(BadgeAward).where(BadgeAward.uid == uid))
    if award is None:
        abort(404)
    return award


@bp.get("/ob/assertions/<uid>")
def ob_assertion(uid: str):
    award = _award_or_404(uid)
    return _json_ld(openbadges.assertion_document(award), 410 if award.is_revoked else 200)


@bp.get("/ob/assertions/<uid>/download")
def ob_download(uid: str):
    award = _award_or_404(uid)
    if award.is_revoked:
        abort(410)
    data, mimetype, name = openbadges.baked_image(award)
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/tiers", endpoint="tiers")
@read_only
@advocate_required
def tiers_page():
    points = ledger.total_for(current_user.id)
    all_tiers = tiers.all_tiers()
    states = tiers.states_for(current_user.id, all_tiers)
    held = max(
        (state.tier for state in states.values() if state.opted_in),
        key=lambda tier: tier.position,
        default=None,
    )
    return render_template(
        "recognition/tiers.html",
        tiers=all_tiers,
        states=states,
        held=held,
        joinable=[
            tier
            for tier in all_tiers
            if states[tier.id].can_opt_in(points)
            and (held is None or tier.position > held.position)
        ],
        history=tiers.history_of(current_user.id),
        points=points,
        opt_in_form=OptInForm(),
        step_down_form=StepDownForm(),
    )


@bp.post("/tiers/<id:tier_id>/opt-in")
@advocate_required
def opt_in(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = OptInForm()
    if not form.validate_on_submit():
        abort(400)
    run_service(
        lambda: tiers.opt_in(current_user.id, tier, accepted=form.accept.data),
        _("Welcome to the %(tier)s tier!", tier=tier.name),
    )
    return redirect(url_for("recognition.tiers"))


@bp.post("/tiers/<id:tier_id>/step-down")
@advocate_required
def step_down(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    if not StepDownForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: tiers.step_down(current_user.id, tier),
        _("You stepped down from %(tier)s.", tier=tier.name),
    )
    return redirect(url_for("recognition.tiers"))


@bp.get("/points")
@read_only
@advocate_required
def points_history():
    page = page_number()
    entries = ledger.entries_page(current_user.id, page=page)
    return render_template("recognition/points.html", entries=entries)
