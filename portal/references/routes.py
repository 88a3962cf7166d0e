"""Pages of reference requests: requesters and the program team, and the advocate's answer."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user

from portal.advocates import accounts
from portal.advocates.models import Industry, Region, SizeBand
from portal.auth.decorators import advocate_required, roles_required, signed_in_required
from portal.db import utcnow
from portal.errors import InvalidToken
from portal.extensions import db
from portal.inputs import page_number
from portal.references import asks, links, matching, outcomes, requests, rules
from portal.references.forms import (
    AnswerForm,
    AskForm,
    CloseForm,
    OfferForm,
    OpenToForm,
    OutcomeForm,
    RequestForm,
)
from portal.references.models import (
    KIND_NOUNS,
    KIND_PLURALS,
    AskStatus,
    DealOutcome,
    DeclineReason,
    ReferenceAsk,
    ReferenceKind,
    RequestState,
    Urgency,
)
from portal.views import render_form, run_create_once, run_service

from . import bp

requester_required = roles_required(*requests.REQUESTER_ROLES)


@bp.context_processor
def kind_words() -> dict:
    """Each kind of ask inside a sentence, and several of it, for the pages."""
    return {"kind_nouns": KIND_NOUNS, "kind_plurals": KIND_PLURALS}


def _request_or_404(request_id: int):
    found = requests.request_for(current_user, request_id)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@requester_required
def index():
    state = request.args.get("state", "")[:20]
    return render_template(
        "references/index.html",
        page=requests.visible_requests(current_user, state=state, page=page_number()),
        state=state,
        states=RequestState,
    )


def _request_form() -> RequestForm:
    return RequestForm(
        prospects=requests.prospect_accounts(),
        accounts=accounts.all_accounts(),
        products=accounts.active_products(),
        topics=accounts.active_topics(),
        currency=rules.current().currency,
    )


@bp.route("/new", methods=["GET", "POST"])
@requester_required
def new():
    form = _request_form()
    if form.validate_on_submit():
        details = requests.RequestDetails(
            prospect_account_id=form.prospect.data or None,
            prospect_name=form.prospect_name.data or "",
            competitor_ids=form.competitors.data or [],
            industry=Industry(form.industry.data),
            region=Region(form.region.data),
            size_band=SizeBand(form.size_band.data),
            product_ids=form.products.data or [],
            topic_ids=form.topics.data or [],
            kind=ReferenceKind(form.kind.data),
            deal_size=form.deal_size.data,
            urgency=Urgency(form.urgency.data),
            needed_by=form.needed_by.data,
            note=form.note.data or "",
        )
        done = run_create_once(
            form.once.data,
            lambda: requests.create_request(details, by=current_user),
            lambda created: url_for(".detail", request_id=created.id),
            _("Request saved: here is the shortlist."),
            field=lambda error: _field_of(form, error),
        )
        if done:
            return redirect(done.value.url)
    return render_form("references/new.html", form=form)


def _field_of(form: RequestForm, error):
    """The form field a service's refusal is about."""
    return form[getattr(error, "field", "needed_by")]


@bp.get("/<id:request_id>")
@requester_required
def detail(request_id: int):
    ref = _request_or_404(request_id)
    shortlist = matching.shortlist(ref) if ref.is_searching else None
    settings = rules.current()
    return render_template(
        "references/detail.html",
        ref=ref,
        contact=requests.contact_of(ref),
        shortlist=shortlist,
        ask_form=AskForm(candidates=shortlist.candidates if shortlist else ()),
        close_form=CloseForm(),
        outcome_form=OutcomeForm(currency=ref.currency),
        asks=asks.asks_of(ref),
        weights=settings.weights,
        points=settings.points[ref.kind.value],
    )


@bp.post("/<id:request_id>/ask")
@requester_required
def ask(request_id: int):
    ref = _request_or_404(request_id)
    shortlist = matching.shortlist(ref) if ref.is_searching else None
    form = AskForm(candidates=shortlist.candidates if shortlist else ())
    if not form.validate_on_submit():
        flash(" ".join(form.advocates.errors) or _("Choose advocates from the shortlist."), "error")
        return redirect(url_for(".detail", request_id=ref.id)), 303
    run_service(
        lambda: asks.ask_candidates(ref, form.advocates.data, by=current_user),
        lambda asked: _n(
            "Asked %(num)d advocate: the first to accept takes the request.",
            "Asked %(num)d advocates: the first to accept takes the request.",
            len(asked),
        ),
    )
    return redirect(url_for(".detail", request_id=ref.id))


@bp.post("/<id:request_id>/close")
@requester_required
def close(request_id: int):
    ref = _request_or_404(request_id)
    form = CloseForm()
    if form.validate_on_submit():
        state = RequestState.UNFULFILLED if form.unfulfilled.data else RequestState.CANCELLED
        run_service(
            lambda: outcomes.close_request(ref, by=current_user, state=state),
            _("The request is closed as unfulfilled.")
            if state == RequestState.UNFULFILLED
            else _("The request is cancelled."),
        )
    return redirect(url_for(".detail", request_id=ref.id))


@bp.post("/<id:request_id>/outcome")
@requester_required
def outcome(request_id: int):
    ref = _request_or_404(request_id)
    form = OutcomeForm(currency=ref.currency)
    if form.validate_on_submit():
        result = outcomes.Outcome(
            call_held=form.call_held.data == "yes",
            deal_outcome=DealOutcome(form.deal_outcome.data),
            revenue_influenced=form.revenue_influenced.data or 0,
            note=form.note.data or "",
        )
        if run_service(
            lambda: outcomes.record_outcome(ref, result, by=current_user),
            lambda points: (
                _n(
                    "Outcome recorded: %(num)d point to the advocate.",
                    "Outcome recorded: %(num)d points to the advocate.",
                    points,
                )
                if points
                else _("Outcome recorded.")
            ),
        ):
            return redirect(url_for(".detail", request_id=ref.id))
    settings = rules.current()
    return render_form(
        "references/detail.html",
        ref=ref,
        contact=requests.contact_of(ref),
        shortlist=None,
        ask_form=AskForm(),
        close_form=CloseForm(),
        outcome_form=form,
        asks=asks.asks_of(ref),
        weights=settings.weights,
        points=settings.points[ref.kind.value],
    )


@bp.get("/matching")
@signed_in_required
def how_matching_works():
    settings = rules.current()
    return render_template(
        "references/matching.html", settings=settings, steps=matching.RECENCY_STEPS
    )


# --- the advocate's side ------------------------------------------------------


def _my_ask_or_404(ask_id: int) -> ReferenceAsk:
    found = db.session.get(ReferenceAsk, ask_id)
    if found is None or found.advocate_id != current_user.id:
        abort(404)
    return found


def _reason(form: AnswerForm) -> DeclineReason | None:
    value = form.reason.data
    return DeclineReason(value) if value in DeclineReason._value2member_map_ else None


@bp.route("/asks/<id:ask_id>", methods=["GET", "POST"])
@advocate_required
def my_ask(ask_id: int):
    found = _my_ask_or_404(ask_id)
    form = AnswerForm()
    if form.validate_on_submit():
        accept = bool(form.accept.data)
        done = run_service(
            lambda: asks.answer(
                found,
                current_user,
                accept=accept,
                reason=_reason(form),
                note=form.note.data or "",
            ),
            _("Thank you! The requester will contact you to arrange it.")
            if accept
            else _("Thank you for letting us know."),
        )
        if done and done.value.offer:
            return render_template(
                "references/offer.html",
                ask=found,
                offer=done.value.offer,
                form=OfferForm(offer=done.value.offer),
                action=url_for(".apply_offer", ask_id=found.id),
            )
        return redirect(url_for(".my_ask", ask_id=found.id))
    return render_form("references/ask.html", ask=found, ref=found.request, form=form, token=None)


@bp.post("/asks/<id:ask_id>/offer")
@advocate_required
def apply_offer(ask_id: int):
    found = _my_ask_or_404(ask_id)
    form = OfferForm()
    if form.validate_on_submit():
        run_service(lambda: asks.apply_offer(found, current_user, form.offer.data), lambda m: m)
    return redirect(url_for("main.dashboard"))


@bp.route("/answer/<token>", methods=["GET", "POST"])
def answer_link(token: str):
    """A mailed link: its page has a button; only pressing it answers."""
    found, action = links.read_answer_token(token[:1000], _answer_window())
    if found.status != AskStatus.PENDING or utcnow() >= found.due_at:
        raise InvalidToken(
            _("This ask can no longer be answered: it was answered or its time passed.")
        )
    form = AnswerForm()
    if form.validate_on_submit():
        accept = action == "accept"
        done = run_service(
            lambda: asks.answer(
                found,
                found.advocate,
                accept=accept,
                reason=_reason(form),
                note=form.note.data or "",
            )
        )
        if not done:
            return render_template("references/answered.html", ask=found, accepted=None), 409
        if done.value.offer:
            return render_template(
                "references/offer.html",
                ask=found,
                offer=done.value.offer,
                form=OfferForm(offer=done.value.offer, token=links.make_preference_token(found)),
                action=url_for(".offer_link"),
            )
        return render_template("references/answered.html", ask=found, accepted=accept)
    return render_form(
        "references/ask.html", ask=found, ref=found.request, form=form, token=token, action=action
    )


def _answer_window() -> timedelta:
    return timedelta(days=rules.current().answer_days)


@bp.post("/answer-settings")
def offer_link():
    form = OfferForm()
    if not form.validate_on_submit():
        abort(400)
    found = links.read_preference_token(form.token.data or "")
    done = run_service(lambda: asks.apply_offer(found, found.advocate, form.offer.data))
    return render_template(
        "references/answered.html", ask=found, accepted=False, changed=done.value
    )


@bp.post("/open-to")
@advocate_required
def open_to():
    """The dashboard's one question about the reference kinds of ask."""
    form = OpenToForm()
    if form.validate_on_submit():
        chosen = [] if form.later.data else list(form.kinds.data or [])
        run_service(
            lambda: asks.choose_reference_kinds(current_user, chosen),
            _("Saved. You can change this on your profile at any time."),
        )
    return redirect(url_for("main.dashboard"))
