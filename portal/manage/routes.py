"""Program managers' pages: opportunities, applications, advocates, points, tiers."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import clock
from portal.advocates import asks, stories
from portal.advocates import services as advocate_services
from portal.advocates.models import Account, Industry, Product, Region, SizeBand, Story
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.errors import AskNotAllowed, PortalError
from portal.extensions import db
from portal.manage import bp
from portal.manage.forms import (
    AccountForm,
    AddAdvocateForm,
    AwardForm,
    BadgeForm,
    DecisionForm,
    InviteForm,
    MarkForm,
    MoveForm,
    OpportunityForm,
    ProductForm,
    ReverseForm,
    RevokeForm,
    StateForm,
    StoryDecisionForm,
    TierForm,
)
from portal.opportunities import services as opportunity_services
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition import badges, ledger, tiers
from portal.recognition.models import Badge, BadgeAward, PointsEntry, PointsSource, Tier
from portal.settings import get_setting
from portal.views import external_url, render_form


def _back(default: str) -> str:
    """Where to return after an action: a local `next`, else `default`."""
    from portal.auth.routes import is_safe_next

    target = request.form.get("next") or request.args.get("next")
    return target if is_safe_next(target) else default


def _do(action, success: str) -> bool:
    """Run a service call, commit on success, flash the outcome either way."""
    try:
        action()
    except PortalError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


# --- home -----------------------------------------------------------------


@bp.get("/")
def home():
    return render_template(
        "manage/home.html",
        queue=opportunity_services.review_queue(per_page=10).items,
        offers=opportunity_services.seat_offers(),
        to_mark=opportunity_services.to_mark(limit=10),
        counts=opportunity_services.staff_counts(),
        upcoming=opportunity_services.upcoming(limit=6),
        stories_waiting=len(stories.review_queue()),
    )


@bp.get("/applications")
def applications():
    return render_template(
        "manage/applications.html",
        queue=opportunity_services.review_queue(page=max(request.args.get("page", 1, type=int), 1)),
        offers=opportunity_services.seat_offers(),
        to_mark=opportunity_services.to_mark(limit=200),
        decision_form=DecisionForm(),
        mark_form=MarkForm(),
    )


# --- opportunities --------------------------------------------------------


@bp.get("/opportunities")
def opportunities():
    state = request.args.get("state", "")
    text = request.args.get("q", "")[:100]
    page = opportunity_services.staff_listing(
        state=OpportunityState(state) if state in OpportunityState.__members__.values() else None,
        text=text,
        page=max(request.args.get("page", 1, type=int), 1),
    )
    return render_template(
        "manage/opportunities.html", page=page, state=state, text=text, states=OpportunityState
    )


def _opportunity_form(opportunity: Opportunity | None = None) -> OpportunityForm:
    form = OpportunityForm(
        tiers=tiers.all_tiers(),
        products=advocate_services.active_products(),
        obj=None,
    )
    if request.method == "GET":
        if opportunity is None:
            _prefill_new(form)
        else:
            _prefill_existing(form, opportunity)
    return form


def _prefill_new(form: OpportunityForm) -> None:
    form.timezone.data = clock.program_tz().key
    defaults = get_setting("default_points", {})
    form.points.data = defaults.get(form.type.data or OpportunityType.SPEAKING_PANEL.value, 100)
    form.seats.data = 5


def _prefill_existing(form: OpportunityForm, opportunity: Opportunity) -> None:
    zone = clock.zone(opportunity.timezone)
    form.type.data = opportunity.type.value
    form.title.data = opportunity.title
    form.summary.data = opportunity.summary
    form.description.data = opportunity.description
    form.timezone.data = opportunity.timezone
    form.starts_at.data = opportunity.starts_at.astimezone(zone).replace(tzinfo=None)
    form.ends_at.data = opportunity.ends_at.astimezone(zone).replace(tzinfo=None)
    form.application_deadline.data = opportunity.application_deadline.astimezone(zone).replace(
        tzinfo=None
    )
    form.is_online.data = opportunity.is_online
    form.location.data = opportunity.location
    form.seats.data = opportunity.seats
    form.points.data = opportunity.points
    form.approval_mode.data = opportunity.approval_mode.value
    form.min_tier.data = opportunity.min_tier_id or 0
    form.industries.data = opportunity.industries
    form.regions.data = opportunity.regions
    form.products.data = [p.id for p in opportunity.products]


def _aware(naive: datetime, tz_name: str) -> datetime:
    return naive.replace(tzinfo=clock.zone(tz_name))


def _data_from(form: OpportunityForm) -> opportunity_services.OpportunityData:
    from portal.opportunities.models import ApprovalMode

    tz = form.timezone.data
    return opportunity_services.OpportunityData(
        type=OpportunityType(form.type.data),
        title=form.title.data,
        summary=form.summary.data or "",
        description=form.description.data or "",
        starts_at=_aware(form.starts_at.data, tz),
        ends_at=_aware(form.ends_at.data, tz),
        timezone=tz,
        is_online=form.is_online.data,
        location=form.location.data or "",
        seats=form.seats.data,
        application_deadline=_aware(form.application_deadline.data, tz),
        points=form.points.data,
        approval_mode=ApprovalMode(form.approval_mode.data),
        min_tier_id=form.min_tier.data or None,
        industries=form.industries.data or [],
        regions=form.regions.data or [],
        product_ids=form.products.data or [],
    )


@bp.route("/opportunities/new", methods=["GET", "POST"])
def new_opportunity():
    form = _opportunity_form()
    if form.validate_on_submit():
        try:
            opportunity = opportunity_services.create_opportunity(_data_from(form), by=current_user)
        except PortalError as error:
            db.session.rollback()
            form.starts_at.errors = [error.message]
        else:
            db.session.commit()
            flash("Saved as a draft. Publish it when it's ready.", "success")
            return redirect(url_for("manage.opportunity", opportunity_id=opportunity.id))
    return render_form("manage/opportunity_form.html", form=form, opportunity=None)


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
def edit_opportunity(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = _opportunity_form(opportunity)
    if form.validate_on_submit():
        try:
            opportunity_services.update_opportunity(opportunity, _data_from(form))
        except PortalError as error:
            db.session.rollback()
            form.seats.errors = [error.message]
        else:
            db.session.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("manage.opportunity", opportunity_id=opportunity.id))
    return render_form("manage/opportunity_form.html", form=form, opportunity=opportunity)


@bp.get("/opportunities/<int:opportunity_id>")
def opportunity(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    participants = opportunity_services.participants(opportunity)
    by_status: dict[ParticipationStatus, list[Participation]] = {}
    for participation in participants:
        by_status.setdefault(participation.status, []).append(participation)
    return render_template(
        "manage/opportunity.html",
        opportunity=opportunity,
        by_status=by_status,
        statuses=ParticipationStatus,
        state_form=StateForm(),
        decision_form=DecisionForm(),
        mark_form=MarkForm(),
        has_started=opportunity.starts_at <= clock.utcnow(),
    )


_STATE_ACTIONS = {
    "publish": (opportunity_services.publish, "Published: advocates can see it now."),
    "reopen": (opportunity_services.reopen, "Reopened for applications."),
    "close": (opportunity_services.close, "Closed to new applications."),
}


@bp.post("/opportunities/<int:opportunity_id>/state")
def change_state(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = StateForm()
    if not form.validate_on_submit():
        abort(400)
    action = form.action.data
    if action == "cancel":
        _do(
            lambda: opportunity_services.cancel(opportunity, message=form.message.data or ""),
            "Cancelled. Everyone taking part was told.",
        )
    elif action in _STATE_ACTIONS:
        service, message = _STATE_ACTIONS[action]
        _do(lambda: service(opportunity), message)
    else:
        abort(400)
    return redirect(url_for("manage.opportunity", opportunity_id=opportunity_id))


@bp.route("/opportunities/<int:opportunity_id>/invite", methods=["GET", "POST"])
def invite(opportunity_id: int):
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    form = InviteForm()
    if form.validate_on_submit():
        advocate = db.session.get(User, _int_or_404(form.advocate_id.data))
        if advocate is None or advocate.role != Role.ADVOCATE:
            abort(404)
        try:
            opportunity_services.invite(
                opportunity, advocate, by=current_user, message=form.message.data or ""
            )
        except AskNotAllowed as error:
            db.session.rollback()
            flash(f"{advocate.name} can't be invited: {error.message}.", "error")
        except PortalError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"{advocate.name} is invited.", "success")
        return redirect(
            url_for("manage.invite", opportunity_id=opportunity_id, q=request.args.get("q", ""))
        )
    text = request.args.get("q", "")[:100]
    page = advocate_services.search_advocates(
        text, page=max(request.args.get("page", 1, type=int), 1), active_only=True
    )
    pairs = [(user, user.profile) for user in page.items if user.profile is not None]
    checks = {c.advocate_id: c for c in asks.check_asks(pairs, opportunity.type.value)}
    taking_part = opportunity_services.participation_statuses(
        opportunity.id, [user.id for user in page.items]
    )
    return render_template(
        "manage/invite.html",
        opportunity=opportunity,
        page=page,
        checks=checks,
        taking_part=taking_part,
        jobs=advocate_services.current_jobs([u.id for u in page.items]),
        text=text,
        form=form,
    )


def _int_or_404(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        abort(404)


# --- deciding -------------------------------------------------------------


@bp.post("/participations/<int:participation_id>/decide")
def decide(participation_id: int):
    participation = db.get_or_404(Participation, participation_id)
    form = DecisionForm()
    back = _back(url_for("manage.opportunity", opportunity_id=participation.opportunity_id))
    if not form.validate_on_submit():
        flash("The message is too long (1,000 characters at most).", "error")
        return redirect(back)
    decision = next(
        (
            d
            for d, pressed in (
                (opportunity_services.Decision.APPROVE, form.approve.data),
                (opportunity_services.Decision.WAITLIST, form.waitlist.data),
                (opportunity_services.Decision.DECLINE, form.decline.data),
            )
            if pressed
        ),
        None,
    )
    if decision is None:
        abort(400)
    name = participation.advocate.name
    _do(
        lambda: opportunity_services.decide(
            participation, decision, by=current_user, message=form.message.data or ""
        ),
        f"{name}: {opportunity_services.DECISION_LABELS[decision]}.",
    )
    return redirect(back)


@bp.post("/participations/<int:participation_id>/mark")
def mark(participation_id: int):
    participation = db.get_or_404(Participation, participation_id)
    form = MarkForm()
    back = _back(url_for("manage.opportunity", opportunity_id=participation.opportunity_id))
    if not form.validate_on_submit() or not (form.completed.data or form.no_show.data):
        abort(400)
    name = participation.advocate.name
    if form.completed.data:
        _do(
            lambda: opportunity_services.mark_completed(participation, by=current_user),
            f"{name}: completed, points awarded.",
        )
    else:
        _do(
            lambda: opportunity_services.mark_no_show(participation, by=current_user),
            f"{name}: marked as no-show.",
        )
    return redirect(back)


# --- advocates ------------------------------------------------------------


@bp.get("/advocates")
def advocates():
    text = request.args.get("q", "")[:100]
    page = advocate_services.search_advocates(
        text, page=max(request.args.get("page", 1, type=int), 1)
    )
    ids = [u.id for u in page.items]
    return render_template(
        "manage/advocates.html",
        page=page,
        text=text,
        jobs=advocate_services.current_jobs(ids),
        points=ledger.totals_by_advocate(ids),
    )


@bp.route("/advocates/new", methods=["GET", "POST"])
def new_advocate():
    accounts = advocate_services.all_accounts()
    form = AddAdvocateForm(accounts=accounts)
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data)
        try:
            user = advocate_services.add_advocate(
                name=form.name.data, email=form.email.data, account=account, title=form.title.data
            )
        except PortalError as error:
            db.session.rollback()
            form.email.errors = [error.message]
        else:
            auth_services.send_invitation(user, invited_by=current_user)
            db.session.commit()
            return render_template(
                "manage/set_password_link.html",
                user=user,
                link=_set_password_link(user),
                added=True,
            )
    return render_form("manage/advocate_new.html", form=form)


def _set_password_link(user: User) -> str:
    return external_url("auth.set_password", token=auth_services.make_set_password_token(user))


@bp.get("/advocates/<int:user_id>")
def advocate(user_id: int):
    user = _advocate_or_404(user_id)
    quarter = clock.current_period("quarter")
    totals = ledger.totals_for(user.id, [clock.ALL_TIME, quarter.key])
    accounts = advocate_services.all_accounts()
    all_tiers = tiers.all_tiers()
    (check,) = asks.check_asks([(user, user.profile)], OpportunityType.SPEAKING_PANEL.value)
    return render_template(
        "manage/advocate.html",
        person=user,
        profile=user.profile,
        history=advocate_services.employment_history(user.id),
        participations=opportunity_services.my_participations(user.id),
        entries=ledger.recent_entries(user.id, limit=20),
        totals=totals,
        quarter=quarter,
        asked=check.asked,
        tiers=all_tiers,
        tier_states=tiers.states_for(user.id, all_tiers),
        tier_history=tiers.history_of(user.id, limit=10),
        awards=badges.awards_of(user.id, include_revoked=True),
        award_form=AwardForm(key=secrets.token_urlsafe(16)),
        reverse_form=ReverseForm(),
        move_form=MoveForm(accounts=accounts),
    )


def _advocate_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.role != Role.ADVOCATE or user.profile is None:
        abort(404)
    return user


@bp.post("/advocates/<int:user_id>/points")
def award_points(user_id: int):
    user = _advocate_or_404(user_id)
    form = AwardForm()
    if not form.validate_on_submit():
        errors = "; ".join(e for errors in form.errors.values() for e in errors)
        flash(f"Nothing was added: {errors}", "error")
        return redirect(url_for("manage.advocate", user_id=user.id))
    points = form.points.data

    def add():
        entry = ledger.award(
            user.id,
            points,
            reason=form.reason.data,
            key=f"manual:{current_user.id}:{form.key.data}",
            source=PointsSource.MANUAL if points > 0 else PointsSource.CORRECTION,
            by_id=current_user.id,
        )
        if entry is None:
            raise PortalError("This award was already added (the form was sent twice).")

    _do(add, f"{points:+,} points for {user.name}.")
    return redirect(url_for("manage.advocate", user_id=user.id))


@bp.post("/entries/<int:entry_id>/reverse")
def reverse_entry(entry_id: int):
    entry = db.get_or_404(PointsEntry, entry_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash("Give a reason for the reversal.", "error")
        return redirect(url_for("manage.advocate", user_id=entry.advocate_id))

    def reverse():
        if entry.corrects_id is not None:
            raise PortalError("A reversal can't itself be reversed; add a new award instead.")
        if ledger.reverse(entry, reason=form.reason.data, by_id=current_user.id) is None:
            raise PortalError("This entry was already reversed.")

    _do(reverse, "Entry reversed with a correcting entry.")
    return redirect(url_for("manage.advocate", user_id=entry.advocate_id))


@bp.post("/advocates/<int:user_id>/move")
def record_move(user_id: int):
    user = _advocate_or_404(user_id)
    form = MoveForm(accounts=advocate_services.all_accounts())
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data)
        _do(
            lambda: advocate_services.record_move(
                user, account=account, title=form.title.data, started_on=form.started_on.data
            ),
            f"{user.name} now works at {account.name}.",
        )
    else:
        flash("Choose the new company, title and start date.", "error")
    return redirect(url_for("manage.advocate", user_id=user.id))


@bp.post("/advocates/<int:user_id>/tiers/<int:tier_id>/invite")
def invite_to_tier(user_id: int, tier_id: int):
    user = _advocate_or_404(user_id)
    tier = db.get_or_404(Tier, tier_id)
    _do(lambda: tiers.invite(user.id, tier, by_id=current_user.id), f"{user.name} is invited.")
    return redirect(url_for("manage.advocate", user_id=user.id))


# --- users: links and deactivation ----------------------------------------


def _manageable_user(user_id: int) -> User:
    """Managers manage advocates and requesters; only admins manage staff."""
    user = db.get_or_404(User, user_id)
    if user.is_staff and not current_user.is_admin:
        abort(403)
    return user


@bp.post("/users/<int:user_id>/link")
def new_link(user_id: int):
    user = _manageable_user(user_id)
    if not user.active:
        flash("Reactivate this person first.", "error")
        return redirect(_back(url_for("manage.advocates")))
    return render_template(
        "manage/set_password_link.html", user=user, link=_set_password_link(user), added=False
    )


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    user = _manageable_user(user_id)
    if user.id == current_user.id:
        flash("You can't deactivate yourself.", "error")
    elif user.active:
        auth_services.deactivate(user)
        db.session.commit()
        flash(f"{user.name} is deactivated and signed out everywhere.", "success")
    return redirect(_back(url_for("manage.advocates")))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    user = _manageable_user(user_id)
    if not user.active:
        auth_services.reactivate(user)
        db.session.commit()
        flash(f"{user.name} can sign in again.", "success")
    return redirect(_back(url_for("manage.advocates")))


# --- companies, tiers, products -------------------------------------------


@bp.get("/accounts")
def accounts():
    page = advocate_services.accounts_page(
        request.args.get("q", "")[:100], page=max(request.args.get("page", 1, type=int), 1)
    )
    return render_template(
        "manage/accounts.html",
        page=page,
        text=request.args.get("q", ""),
        counts=advocate_services.advocate_counts([a.id for a in page.items]),
        Industry=Industry,
        Region=Region,
    )


def _account_details(form: AccountForm) -> advocate_services.AccountDetails:
    return advocate_services.AccountDetails(
        name=form.name.data,
        industry=Industry(form.industry.data),
        region=Region(form.region.data),
        size_band=SizeBand(form.size_band.data),
        owner_id=form.owner.data or None,
        crm_id=form.crm_id.data or None,
        domains=form.domain_list(),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def new_account():
    form = AccountForm(owners=advocate_services.staff_users())
    if form.validate_on_submit():
        try:
            advocate_services.save_account(None, _account_details(form))
        except PortalError as error:
            db.session.rollback()
            form.name.errors = [error.message]
        else:
            db.session.commit()
            flash(f"{form.name.data} added.", "success")
            return redirect(url_for("manage.accounts"))
    return render_form("manage/account_form.html", form=form, account=None)


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
def edit_account(account_id: int):
    account = db.get_or_404(Account, account_id)
    form = AccountForm(owners=advocate_services.staff_users(), obj=account)
    if request.method == "GET":
        form.owner.data = account.owner_id or 0
        form.domains.data = ", ".join(d.domain for d in account.domains)
    if form.validate_on_submit():
        try:
            advocate_services.save_account(account, _account_details(form))
        except PortalError as error:
            db.session.rollback()
            form.name.errors = [error.message]
        else:
            db.session.commit()
            flash(f"{account.name} saved.", "success")
            return redirect(url_for("manage.accounts"))
    return render_form("manage/account_form.html", form=form, account=account)


@bp.get("/tiers")
def tier_list():
    return render_template("manage/tiers.html", tiers=tiers.all_tiers())


@bp.route("/tiers/<int:tier_id>", methods=["GET", "POST"])
def edit_tier(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = TierForm(obj=tier)
    if form.validate_on_submit():
        try:
            tiers.update_tier(
                tier,
                name=form.name.data,
                threshold=form.threshold.data,
                benefits=form.benefits.data or "",
                commitment=form.commitment.data or "",
                invitation_only=form.invitation_only.data,
            )
        except PortalError as error:
            db.session.rollback()
            form.threshold.errors = [error.message]
        else:
            db.session.commit()
            flash(f"{tier.name} saved.", "success")
            return redirect(url_for("manage.tier_list"))
    return render_form("manage/tier_form.html", form=form, tier=tier)


@bp.route("/products", methods=["GET", "POST"])
def products():
    form = ProductForm()
    if form.validate_on_submit():
        try:
            advocate_services.add_product(form.name.data)
        except PortalError as error:
            db.session.rollback()
            form.name.errors = [error.message]
        else:
            db.session.commit()
            flash(f"{form.name.data} added.", "success")
            return redirect(url_for("manage.products"))
    return render_form(
        "manage/products.html",
        form=form,
        products=advocate_services.all_products(),
    )


@bp.post("/products/<int:product_id>/toggle")
def toggle_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    product.active = not product.active
    db.session.commit()
    flash(f"{product.name} is {'active' if product.active else 'retired'}.", "success")
    return redirect(url_for("manage.products"))


# --- badges --------------------------------------------------------------------


@bp.get("/badges")
def badge_list():
    all_badges = list(
        db.session.scalars(sa.select(Badge).order_by(Badge.active.desc(), Badge.name))
    )
    return render_template(
        "manage/badges.html",
        badges=[(badge, badges.describe(badge)) for badge in all_badges],
        counts=badges.award_counts(),
    )


def _rule_params(form_data, rule_kind: str) -> dict:
    """The parameters typed for the chosen rule kind (fields named `<kind>-<param>`)."""
    rule = badges.RULES.get(rule_kind)
    if rule is None:
        return {}
    return {
        param.name: form_data.get(f"{rule_kind}-{param.name}", param.default)
        for param in rule.params
    }


@bp.route("/badges/new", methods=["GET", "POST"])
@bp.route("/badges/<int:badge_id>", methods=["GET", "POST"])
def edit_badge(badge_id: int | None = None):
    badge = db.get_or_404(Badge, badge_id) if badge_id else None
    form = BadgeForm(obj=badge, rules=badges.RULES.values())
    if request.method == "GET" and badge is None:
        form.active.data = True
    if form.validate_on_submit():
        upload = form.image.data.read() if form.image.data else None
        details = badges.BadgeDetails(
            name=form.name.data,
            description=form.description.data or "",
            rule_kind=form.rule_kind.data,
            rule_params=_rule_params(request.form, form.rule_kind.data),
            color=form.color.data,
            active=form.active.data,
            upload=upload,
            remove_upload=form.remove_image.data,
        )
        try:
            saved, added = badges.save_badge(badge, details, by=current_user)
        except PortalError as error:
            db.session.rollback()
            form.rule_kind.errors = [error.message]
        else:
            db.session.commit()
            flash(
                f"“{saved.name}” saved."
                + (
                    f" {added} advocate{'s' if added != 1 else ''} already earned it."
                    if added
                    else ""
                ),
                "success",
            )
            return redirect(url_for("manage.badge_list"))
    current = badge.rule_params if badge else {}
    return render_form(
        "manage/badge_form.html",
        form=form,
        badge=badge,
        rules=badges.RULES.values(),
        values={
            f"{kind}-{param.name}": request.form.get(
                f"{kind}-{param.name}",
                current.get(param.name, param.default)
                if badge and badge.rule_kind == kind
                else param.default,
            )
            for kind, rule in badges.RULES.items()
            for param in rule.params
        },
        types=OpportunityType,
        periods=badges.PERIOD_CHOICES,
        closed_periods=badges.CLOSED_PERIOD_CHOICES,
    )


@bp.get("/badges/<int:badge_id>/awards")
def badge_awards(badge_id: int):
    badge = db.get_or_404(Badge, badge_id)
    page = db.paginate(
        sa.select(BadgeAward)
        .where(BadgeAward.badge_id == badge.id)
        .options(joinedload(BadgeAward.advocate))
        .order_by(BadgeAward.awarded_at.desc()),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "manage/badge_awards.html", badge=badge, page=page, revoke_form=RevokeForm()
    )


@bp.post("/awards/<int:award_id>/revoke")
def revoke_award(award_id: int):
    award = db.get_or_404(BadgeAward, award_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash("Give a reason for revoking (200 characters at most).", "error")
    else:
        _do(
            lambda: badges.revoke(award, by=current_user, reason=form.reason.data),
            f"The badge is revoked for {award.advocate.name}.",
        )
    return redirect(url_for("manage.badge_awards", badge_id=award.badge_id))


# --- stories -------------------------------------------------------------------


@bp.get("/stories")
def story_queue():
    return render_template(
        "manage/stories.html", queue=stories.review_queue(), form=StoryDecisionForm()
    )


@bp.post("/stories/<int:story_id>/decide")
def decide_story(story_id: int):
    story = db.get_or_404(Story, story_id)
    form = StoryDecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.reject.data):
        abort(400)
    approve = bool(form.approve.data)
    _do(
        lambda: stories.decide(story, approve=approve, by=current_user, note=form.note.data or ""),
        "Published." if approve else "Sent back to the advocate.",
    )
    return redirect(url_for("manage.story_queue"))
