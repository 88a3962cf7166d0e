"""Staff pages for opportunities (under /manage): posting, inviting, deciding, marking."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _n
from flask_login import current_user

from portal import clock
from portal.advocates import consent, people
from portal.advocates.accounts import active_products, active_topics
from portal.advocates.employment import current_jobs
from portal.advocates.manage import advocate_section
from portal.auth.models import Role, User
from portal.extensions import db
from portal.forms import PortalForm
from portal.i18n import format_number
from portal.inputs import database_id, id_arg, page_number
from portal.opportunities import eligibility, invitations, messages, participation, posting, queues
from portal.opportunities.forms import (
    BulkDecisionForm,
    DecisionForm,
    InviteForm,
    MarkForm,
    MessageForm,
    OpportunityForm,
    RecordForm,
    StateForm,
)
from portal.opportunities.listing import my_participations
from portal.opportunities.models import (
    ApprovalMode,
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition import tiers
from portal.views import back_to, render_form, run_create_once, run_service

bp = Blueprint("opportunities", __name__)


@advocate_section(40, "opportunities/manage/_advocate_participations.html")
def _participations_section(user: User) -> dict:
    return {"participations": my_participations(user.id)}


def _queue_filters() -> dict:
    """The review queue's filters from the query string, unknown values ignored."""
    opportunity_id = id_arg("opportunity")
    kind = request.args.get("type", "")
    order = request.args.get("order", "oldest")
    return {
        "opportunity_id": opportunity_id,
        "type": OpportunityType(kind) if kind in OpportunityType.__members__.values() else None,
        "order": order if order in queues.QUEUE_ORDERS else "oldest",
    }


@bp.get("/applications")
def applications():
    filters = _queue_filters()
    queue = queues.application_queue(page=page_number(), **filters)
    return render_template(
        "opportunities/manage/applications.html",
        queue=queue,
        facts=queues.applicant_facts(list({p.advocate_id for p in queue.items})),
        filters=filters,
        filter_opportunities=queues.opportunities_with_applications(),
        orders=queues.QUEUE_ORDERS,
        types=OpportunityType,
        offers=queues.seat_offers(),
        to_mark=queues.to_mark(limit=200),
        decision_form=DecisionForm(),
        bulk_form=BulkDecisionForm(),
        mark_form=MarkForm(),
    )


@bp.post("/applications/decide")
def decide_many():
    """One decision for the applications ticked in the queue; declining asks first."""
    form = BulkDecisionForm()
    back = back_to(url_for(".applications"))
    ids = [i for i in map(database_id, request.form.getlist("ids")) if i is not None][:200]
    decision = _pressed(form)
    if not form.validate_on_submit() or decision is None:
        flash(
            _("Nothing was decided: the message is too long (1,000 characters at most)."), "error"
        )
        return redirect(back)
    if not ids:
        flash(_("Tick the applications to decide first."), "error")
        return redirect(back)
    if decision is participation.Decision.DECLINE and not form.confirmed.data:
        chosen = db.session.scalars(
            sa.select(Participation).where(Participation.id.in_(ids)).order_by(Participation.id)
        ).all()
        return render_template(
            "opportunities/manage/confirm_decline.html", chosen=chosen, form=form, back=back
        )
    done = run_service(
        lambda: participation.decide_many(
            ids, decision, by=current_user, message=form.message.data or ""
        )
    )
    if done:
        outcome = done.value
        if outcome.done:
            done_text = {
                "decision": decision.past_tense[:1].upper() + decision.past_tense[1:],
                "names": ", ".join(outcome.done),
            }
            flash(_("%(decision)s: %(names)s.", **done_text), "success")
        for name, reason in outcome.refused:
            flash(_("%(name)s: %(reason)s", name=name, reason=reason), "error")
    return redirect(back)


def _pressed(form) -> participation.Decision | None:
    for decision, button in (
        (participation.Decision.APPROVE, form.approve),
        (participation.Decision.WAITLIST, form.waitlist),
        (participation.Decision.DECLINE, form.decline),
    ):
        if button.data:
            return decision
    return None


@bp.get("/opportunities")
def index():
    state = request.args.get("state", "")
    text = request.args.get("q", "")[:100]
    page = queues.staff_listing(
        state=OpportunityState(state) if state in OpportunityState.__members__.values() else None,
        text=text,
        page=page_number(),
    )
    return render_template(
        "opportunities/manage/index.html",
        page=page,
        state=state,
        text=text,
        states=OpportunityState,
    )


# --- posting --------------------------------------------------------------


def _opportunity_form(opportunity: Opportunity | None = None) -> OpportunityForm:
    form = OpportunityForm(
        tiers=tiers.all_tiers(),
        products=active_products(),
        topics=active_topics(),
        default_points=posting.default_points(),
    )
    if request.method == "GET":
        if opportunity is None:
            _prefill_new(form)
        else:
            form.fill_from(opportunity)
    return form


def _prefill_new(form: OpportunityForm) -> None:
    form.timezone.data = clock.program_tz().key
    form.seats.data = 5


def _data_from(form: OpportunityForm) -> posting.OpportunityData:
    return posting.OpportunityData(
        type=OpportunityType(form.type.data),
        title=form.title.data,
        summary=form.summary.data or "",
        description=form.description.data or "",
        starts_at=form.starts_at.aware,
        ends_at=form.ends_at.aware,
        timezone=form.timezone.data,
        is_online=form.is_online.data,
        location=form.location.data or "",
        seats=form.seats.data,
        application_deadline=form.application_deadline.aware,
        points=form.points.data,  # None (left empty): the type's default
        approval_mode=ApprovalMode(form.approval_mode.data),
        min_tier_id=form.min_tier.data or None,
        industries=form.industries.data or [],
        regions=form.regions.data or [],
        product_ids=form.products.data or [],
        topic_ids=form.topics.data or [],
    )


@bp.route("/opportunities/new", methods=["GET", "POST"])
def new():
    form = _opportunity_form()
    if form.validate_on_submit():
        done = run_create_once(
            form.once.data,
            lambda: posting.create_opportunity(_data_from(form), by=current_user),
            lambda created: url_for(".detail", opportunity_id=created.id),
            _("Saved as a draft. Publish it when it's ready."),
            field=form.starts_at,
        )
        if done:
            return redirect(done.value.url)
    return render_form("opportunities/manage/form.html", form=form, opportunity=None)


@bp.route("/opportunities/<id:opportunity_id>/edit", methods=["GET", "POST"])
def edit(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = _opportunity_form(opportunity)
    if form.validate_on_submit() and run_service(
        lambda: posting.update_opportunity(opportunity, _data_from(form), by_id=current_user.id),
        _("Changes saved."),
        field=form.seats,
    ):
        return redirect(url_for(".detail", opportunity_id=opportunity.id))
    return render_form("opportunities/manage/form.html", form=form, opportunity=opportunity)


@bp.get("/opportunities/<id:opportunity_id>")
def detail(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    by_status: dict[ParticipationStatus, list[Participation]] = {}
    for taking_part in queues.participants(opportunity):
        by_status.setdefault(taking_part.status, []).append(taking_part)
    return render_template(
        "opportunities/manage/detail.html",
        opportunity=opportunity,
        by_status=by_status,
        statuses=ParticipationStatus,
        state_form=StateForm(),
        decision_form=DecisionForm(),
        mark_form=MarkForm(),
        message_form=MessageForm(),
        has_started=opportunity.starts_at <= clock.utcnow(),
    )


@bp.post("/opportunities/<id:opportunity_id>/message")
def message(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = MessageForm()
    if not form.validate_on_submit():
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        flash(_("Nothing was sent: %(errors)s", errors=errors), "error")
    else:
        audience = messages.Audience(form.audience.data)
        run_service(
            lambda: messages.message_participants(
                opportunity, audience, form.message.data, by=current_user
            ),
            lambda told: _n("Sent to %(num)d advocate.", "Sent to %(num)d advocates.", told),
        )
    return redirect(url_for(".detail", opportunity_id=opportunity_id))


_STATE_ACTIONS = {
    "publish": (posting.publish, _l("Published: advocates can see it now.")),
    "reopen": (posting.reopen, _l("Reopened for applications.")),
    "close": (posting.close, _l("Closed to new applications.")),
}


@bp.post("/opportunities/<id:opportunity_id>/state")
def change_state(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = StateForm()
    if not form.validate_on_submit():
        abort(400)
    action = form.action.data
    if action == "cancel":
        note = form.message.data or ""
        run_service(
            lambda: posting.cancel(opportunity, message=note, by_id=current_user.id),
            _("Cancelled. Everyone taking part was told."),
        )
    elif action in _STATE_ACTIONS:
        service, message = _STATE_ACTIONS[action]
        run_service(lambda: service(opportunity, by_id=current_user.id), message)
    else:
        abort(400)
    return redirect(url_for(".detail", opportunity_id=opportunity_id))


# --- inviting -------------------------------------------------------------


def _advocate_or_404(value: str | None) -> User:
    user_id = database_id(value)
    advocate = db.session.get(User, user_id) if user_id else None
    if advocate is None or advocate.role != Role.ADVOCATE:
        abort(404)
    return advocate


@bp.route("/opportunities/<id:opportunity_id>/invite", methods=["GET", "POST"])
def invite(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = InviteForm()
    if form.validate_on_submit():
        advocate = _advocate_or_404(form.advocate_id.data)
        run_service(
            lambda: invitations.invite_to_opportunity(
                opportunity, advocate, by=current_user, message=form.message.data or ""
            ),
            _("%(name)s is invited.", name=advocate.name),
        )
        return redirect(
            url_for(".invite", opportunity_id=opportunity_id, q=request.args.get("q", ""))
        )
    text = request.args.get("q", "")[:100]
    page = people.search_advocates(text, page=page_number(), active_only=True)
    ids = [user.id for user in page.items]
    pairs = [(user, user.profile) for user in page.items if user.profile is not None]
    checks = {c.advocate_id: c for c in consent.check_asks(pairs, opportunity.type.value)}
    contexts = eligibility.contexts_for(ids)
    all_tiers = eligibility.tiers_by_id()
    problems = {
        advocate_id: eligibility.problems_for(opportunity, context, all_tiers)
        for advocate_id, context in contexts.items()
    }
    return render_template(
        "opportunities/manage/invite.html",
        opportunity=opportunity,
        page=page,
        checks=checks,
        problems=problems,
        taking_part=queues.participation_statuses(opportunity.id, ids),
        jobs=current_jobs(ids),
        text=text,
        form=form,
    )


@bp.route("/opportunities/<id:opportunity_id>/record", methods=["GET", "POST"])
def record(opportunity_id: int):
    """Record who took part in something that already happened (points follow)."""
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = RecordForm()
    if form.validate_on_submit():
        advocate = _advocate_or_404(form.advocate_id.data)
        run_service(
            lambda: participation.record_completion(opportunity, advocate, by=current_user),
            _n(
                "%(name)s: took part, %(count)s point awarded.",
                "%(name)s: took part, %(count)s points awarded.",
                opportunity.points,
                name=advocate.name,
                count=format_number(opportunity.points),
            ),
        )
        return redirect(
            url_for(".record", opportunity_id=opportunity_id, q=request.args.get("q", ""))
        )
    text = request.args.get("q", "")[:100]
    page = people.search_advocates(text, page=page_number(), active_only=True)
    ids = [user.id for user in page.items]
    return render_template(
        "opportunities/manage/record.html",
        opportunity=opportunity,
        page=page,
        taking_part=queues.participation_statuses(opportunity.id, ids),
        jobs=current_jobs(ids),
        text=text,
        has_started=opportunity.starts_at <= clock.utcnow(),
    )


# --- deciding -------------------------------------------------------------


@bp.post("/participations/<id:participation_id>/decide")
def decide(participation_id: int):
    taking_part = db.get_or_404(Participation, participation_id)
    form = DecisionForm()
    back = back_to(url_for(".detail", opportunity_id=taking_part.opportunity_id))
    if not form.validate_on_submit():
        flash(_("The message is too long (1,000 characters at most)."), "error")
        return redirect(back)
    decision = _pressed(form)
    if decision is None:
        abort(400)
    run_service(
        lambda: participation.decide(
            taking_part, decision, by=current_user, message=form.message.data or ""
        ),
        _("%(name)s: %(decision)s.", name=taking_part.advocate.name, decision=decision.past_tense),
    )
    return redirect(back)


@bp.post("/participations/<id:participation_id>/reopen")
def reopen(participation_id: int):
    """Undo a decline until the opportunity starts (its mail is withdrawn if still held)."""
    taking_part = db.get_or_404(Participation, participation_id)
    back = back_to(url_for(".detail", opportunity_id=taking_part.opportunity_id))
    if not PortalForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: participation.reopen_declined(taking_part, by=current_user),
        _("%(name)s's application is back in the queue.", name=taking_part.advocate.name),
    )
    return redirect(back)


@bp.post("/participations/<id:participation_id>/mark")
def mark(participation_id: int):
    taking_part = db.get_or_404(Participation, participation_id)
    form = MarkForm()
    back = back_to(url_for(".detail", opportunity_id=taking_part.opportunity_id))
    if not form.validate_on_submit() or not (form.completed.data or form.no_show.data):
        abort(400)
    name = taking_part.advocate.name
    if form.completed.data:
        run_service(
            lambda: participation.mark_completed(taking_part, by=current_user),
            _("%(name)s: completed, points awarded.", name=name),
        )
    else:
        run_service(
            lambda: participation.mark_no_show(taking_part, by=current_user),
            _("%(name)s: marked as no-show.", name=name),
        )
    return redirect(back)
