from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.auth.decorators import advocate_required, signed_in_required
from portal.branding import branding
from portal.db import read_only
from portal.extensions import db
from portal.inputs import page_number
from portal.opportunities import bp, calendar, eligibility, invitations, listing, participation
from portal.opportunities.forms import ApplyForm, RespondForm, WithdrawForm
from portal.opportunities.models import Opportunity, OpportunityType, Participation
from portal.views import run_service


def _type_filter(value: str | None) -> OpportunityType | None:
    try:
        return OpportunityType(value) if value else None
    except ValueError:
        return None


@bp.get("/opportunities")
@read_only
@advocate_required
def index():
    kind = _type_filter(request.args.get("type"))
    text = request.args.get("q", "")[:100]
    eligible_only = request.args.get("eligible") == "1"
    context = eligibility.context_for(current_user.id)
    tiers = eligibility.tiers_by_id(context.tiers_version)
    page = listing.advocate_listing(
        current_user.id,
        context,
        tiers,
        type=kind,
        text=text,
        eligible_only=eligible_only,
        page=page_number(),
    )
    mine = page.mine  # read with the page
    problems = {o.id: eligibility.problems_for(o, context, tiers) for o in page.items}
    return render_template(
        "opportunities/index.html",
        page=page,
        mine=mine,
        problems=problems,
        tiers=tiers,
        kind=kind,
        text=text,
        eligible_only=eligible_only,
        types=OpportunityType,
    )


def _load_visible(opportunity_id: int) -> Opportunity:
    # Its eligibility rows (a few each) come in the same query, not three more.
    opportunity = db.get_or_404(
        Opportunity,
        opportunity_id,
        options=[
            joinedload(Opportunity.products),
            joinedload(Opportunity.industry_rows),
            joinedload(Opportunity.region_rows),
        ],
    )
    if not listing.visible_to(opportunity, current_user):
        abort(404)
    return opportunity


def _render_detail(
    opportunity: Opportunity, apply_form: ApplyForm | None = None, status: int = 200
):
    mine = None
    problems: list[eligibility.Problem] = []
    if current_user.is_advocate:
        mine = participation.participation_of(current_user.id, opportunity.id)
        problems = eligibility.problems_for(opportunity, eligibility.context_for(current_user.id))
    return render_template(
        "opportunities/detail.html",
        opportunity=opportunity,
        participation=mine,
        problems=problems,
        apply_form=apply_form or ApplyForm(),
        withdraw_form=WithdrawForm(),
        respond_form=RespondForm(),
        calendar_links=calendar.web_links(opportunity) if mine and mine.holds_seat else {},
    ), status


@bp.get("/opportunities/<id:opportunity_id>")
@read_only
@signed_in_required
def detail(opportunity_id: int):
    return _render_detail(_load_visible(opportunity_id))


@bp.post("/opportunities/<id:opportunity_id>/apply")
@advocate_required
def apply(opportunity_id: int):
    opportunity = _load_visible(opportunity_id)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _render_detail(opportunity, form, 422)
    done = run_service(
        lambda: participation.apply(
            opportunity, current_user, note=form.note.data or "", join_waitlist=form.waitlist.data
        ),
        _applied_message,
    )
    if not done:
        opportunity = db.session.get(Opportunity, opportunity_id)
        return _render_detail(opportunity, form, done.error.status_code)
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity_id))


def _applied_message(taking_part: Participation) -> str:
    status = taking_part.status
    if status == status.APPROVED:
        return _("You're in! Your seat is confirmed.")
    if status == status.WAITLISTED:
        return _("All seats are taken, so you're on the waitlist. We'll tell you if a seat opens.")
    return _("Thanks for applying! The program team will get back to you.")


def _own_participation(participation_id: int) -> Participation:
    taking_part = db.get_or_404(Participation, participation_id)
    # Someone else's application looks exactly like a missing one.
    if taking_part.advocate_id != current_user.id:
        abort(404)
    return taking_part


@bp.post("/participations/<id:participation_id>/withdraw")
@advocate_required
def withdraw(participation_id: int):
    taking_part = _own_participation(participation_id)
    opportunity_id = taking_part.opportunity_id
    if WithdrawForm().validate_on_submit():
        run_service(
            lambda: participation.withdraw(taking_part, current_user), _("You have withdrawn.")
        )
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity_id))


@bp.post("/participations/<id:participation_id>/respond")
@advocate_required
def respond(participation_id: int):
    taking_part = _own_participation(participation_id)
    opportunity_id = taking_part.opportunity_id
    form = RespondForm()
    if form.validate_on_submit() and (form.accept.data or form.decline.data):
        accept = bool(form.accept.data)
        run_service(
            lambda: invitations.respond_to_invitation(taking_part, current_user, accept=accept),
            _applied_message if accept else _("Invitation declined."),
        )
    return redirect(url_for("opportunities.detail", opportunity_id=opportunity_id))


@bp.get("/opportunities/<id:opportunity_id>/calendar.ics")
@advocate_required
def calendar_file(opportunity_id: int):
    """The .ics of an opportunity the advocate holds a seat in."""
    opportunity = _load_visible(opportunity_id)
    taking_part = participation.participation_of(current_user.id, opportunity.id)
    if taking_part is None or not taking_part.holds_seat:
        abort(404)
    response = make_response(calendar.ics(opportunity, program_name=branding().program_name))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="opportunity-{opportunity.id}.ics"'
    )
    return response
