"""Staff pages for people and companies (under /manage): advocates, moves, accounts, products."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.advocates import accounts, consent, employment, notes, people, permissions
from portal.advocates.forms import (
    AccountForm,
    AddAdvocateForm,
    MoveForm,
    NoteForm,
    ProductForm,
    TopicForm,
)
from portal.advocates.models import (
    Account,
    AccountKind,
    ConsentAsset,
    ConsentChannel,
    DiscussionTopic,
    Industry,
    Product,
    Region,
    SizeBand,
)
from portal.audit import trail
from portal.auth import flows
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.extensions import db
from portal.i18n import format_number
from portal.inputs import page_number
from portal.recognition import ledger
from portal.views import back_to, render_form, run_create_once, run_service

bp = Blueprint("advocates", __name__)


@dataclass(frozen=True)
class Section:
    """A part of the staff page about one advocate, given by the package that owns its data.

    `load(user)` returns the template's context (as `section`); a "stats" entry
    of (label, value) pairs joins the figures at the top of the page.
    """

    order: int
    template: str
    load: Callable[[User], dict]


SECTIONS: list[Section] = []
ACCOUNT_SECTIONS: list[Section] = []


def advocate_section(order: int, template: str) -> Callable:
    """Register a section of the staff advocate page (a decorator on its loader)."""

    def register(load: Callable[[User], dict]) -> Callable[[User], dict]:
        SECTIONS.append(Section(order, template, load))
        SECTIONS.sort(key=lambda section: section.order)
        return load

    return register


def account_section(order: int, template: str) -> Callable:
    """Register a section of the staff account page (a decorator on its loader of the account)."""

    def register(load: Callable[[Account], dict]) -> Callable[[Account], dict]:
        ACCOUNT_SECTIONS.append(Section(order, template, load))
        ACCOUNT_SECTIONS.sort(key=lambda section: section.order)
        return load

    return register


@advocate_section(90, "advocates/manage/_notes.html")
def _notes_section(user: User) -> dict:
    return {"notes": notes.notes_about(user.id), "note_form": NoteForm()}


@bp.get("/advocates")
def index():
    text = request.args.get("q", "")[:100]
    page = people.search_advocates(text, page=page_number())
    ids = [u.id for u in page.items]
    return render_template(
        "advocates/manage/index.html",
        page=page,
        text=text,
        jobs=employment.current_jobs(ids),
        points=ledger.totals_by_advocate(ids),
    )


@bp.route("/advocates/new", methods=["GET", "POST"])
def new():
    form = AddAdvocateForm(accounts=accounts.all_accounts())
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data)

        def add() -> User:
            user = people.add_advocate(
                name=form.name.data, email=form.email.data, account=account, title=form.title.data
            )
            flows.send_invitation(user, invited_by=current_user)
            trail.record(
                "user.created", "user", user.id, by_id=current_user.id, after={"role": user.role}
            )
            return user

        done = run_service(add, field=form.email)
        if done:
            return render_template(
                "auth/set_password_link.html",
                user=done.value,
                link=flows.set_password_link(done.value),
                added=True,
            )
    return render_form("advocates/manage/new.html", form=form)


def _advocate_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.role != Role.ADVOCATE or user.profile is None:
        abort(404)
    return user


@bp.get("/advocates/<id:user_id>")
def detail(user_id: int):
    user = _advocate_or_404(user_id)
    sections = [(section.template, section.load(user)) for section in SECTIONS]
    asked = consent.asks_this_quarter([user.id])[user.id]
    stats = [
        (
            _("Asks this quarter"),
            _(
                "%(asked)s / %(cap)s",
                asked=format_number(asked),
                cap=format_number(user.profile.max_asks_per_quarter),
            ),
        )
    ]
    grid = permissions.grid_of(user.id)
    return render_template(
        "advocates/manage/detail.html",
        **consent_context(grid),
        consent_history=permissions.history_of(user.id),
        person=user,
        profile=user.profile,
        history=employment.employment_history(user.id),
        move_form=MoveForm(accounts=accounts.all_accounts()),
        stats=[stat for _template, data in sections for stat in data.get("stats", ())] + stats,
        sections=sections,
    )


def consent_context(grid: dict) -> dict:
    """What `advocates/manage/_consent_grid.html` needs to show one advocate's grid."""
    return {
        "consent_grid": grid,
        "consent_holding": permissions.holding(grid),
        "assets": list(ConsentAsset),
        "channels": list(ConsentChannel),
    }


@bp.get("/consents")
def consent_watch():
    """Consents withdrawn in the last 30 days, and grants ending within 30 days."""
    return render_template(
        "advocates/manage/consents.html", watches=permissions.withdrawn_or_expiring()
    )


@bp.post("/advocates/<id:user_id>/move")
def record_move(user_id: int):
    user = _advocate_or_404(user_id)
    form = MoveForm(accounts=accounts.all_accounts())
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data)
        run_service(
            lambda: employment.record_move(
                user,
                account=account,
                title=form.title.data,
                started_on=form.started_on.data,
                by=current_user,
            ),
            _("%(name)s now works at %(company)s.", name=user.name, company=account.name),
        )
    else:
        flash(_("Choose the new company, title and start date."), "error")
    return redirect(url_for(".detail", user_id=user.id))


@bp.post("/advocates/<id:user_id>/notes")
def add_note(user_id: int):
    user = _advocate_or_404(user_id)
    form = NoteForm()
    if form.validate_on_submit():
        run_create_once(
            form.once.data,
            lambda: notes.add_note(user, form.body.data, author=current_user),
            lambda _note: url_for(".detail", user_id=user.id) + "#notes",
            _("Note added."),
        )
    else:
        flash(_("Write the note (at most 2,000 characters)."), "error")
    return redirect(url_for(".detail", user_id=user.id) + "#notes")


# --- people's accounts: links and deactivation ----------------------------


def _manageable_user(user_id: int) -> User:
    """Managers manage advocates and requesters; only admins manage staff."""
    user = db.get_or_404(User, user_id)
    if user.is_staff and not current_user.is_admin:
        abort(403)
    return user


@bp.post("/users/<id:user_id>/link")
def new_link(user_id: int):
    user = _manageable_user(user_id)
    done = run_service(lambda: flows.help_sign_in(user))
    if done and done.value is not None:
        return render_template(
            "auth/set_password_link.html", user=user, link=done.value, added=False
        )
    if done:
        flash(
            _(
                "%(name)s already has a password: we mailed them a link to reset it.",
                name=user.name,
            ),
            "success",
        )
    return redirect(back_to(url_for(".index")))


@bp.post("/users/<id:user_id>/deactivate")
def deactivate(user_id: int):
    user = _manageable_user(user_id)
    if user.id == current_user.id:
        flash(_("You can't deactivate yourself."), "error")
    elif user.active:
        run_service(
            lambda: auth_services.deactivate(user, by_id=current_user.id),
            _("%(name)s is deactivated and signed out everywhere.", name=user.name),
        )
    return redirect(back_to(url_for(".index")))


@bp.post("/users/<id:user_id>/reactivate")
def reactivate(user_id: int):
    user = _manageable_user(user_id)
    if not user.active:
        run_service(
            lambda: auth_services.reactivate(user, by_id=current_user.id),
            _("%(name)s can sign in again.", name=user.name),
        )
    return redirect(back_to(url_for(".index")))


# --- companies and products -----------------------------------------------


@bp.get("/accounts")
def accounts_list():
    text = request.args.get("q", "")[:100]
    page = accounts.accounts_page(text, page=page_number())
    return render_template(
        "advocates/manage/accounts.html",
        page=page,
        text=text,
        counts=accounts.advocate_counts([a.id for a in page.items]),
        Industry=Industry,
        Region=Region,
    )


def _account_details(form: AccountForm) -> accounts.AccountDetails:
    return accounts.AccountDetails(
        name=form.name.data,
        industry=Industry(form.industry.data),
        region=Region(form.region.data),
        size_band=SizeBand(form.size_band.data),
        owner_id=form.owner.data or None,
        crm_id=form.crm_id.data or None,
        domains=form.domain_list(),
        kind=AccountKind(form.kind.data),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def new_account():
    form = AccountForm(owners=people.staff_users())
    if form.validate_on_submit() and run_service(
        lambda: accounts.save_account(None, _account_details(form), by_id=current_user.id),
        _("%(name)s added.", name=form.name.data),
        field=form.name,
    ):
        return redirect(url_for(".accounts_list"))
    return render_form("advocates/manage/account_form.html", form=form, account=None)


@bp.route("/accounts/<id:account_id>", methods=["GET", "POST"])
def edit_account(account_id: int):
    account = db.get_or_404(Account, account_id)
    form = AccountForm(owners=people.staff_users(), obj=account)
    if request.method == "GET":
        form.owner.data = account.owner_id or 0
        form.domains.data = ", ".join(d.domain for d in account.domains)
    if form.validate_on_submit() and run_service(
        lambda: accounts.save_account(account, _account_details(form), by_id=current_user.id),
        lambda saved: _("%(name)s saved.", name=saved.name),
        field=form.name,
    ):
        return redirect(url_for(".accounts_list"))
    sections = [(section.template, section.load(account)) for section in ACCOUNT_SECTIONS]
    return render_form(
        "advocates/manage/account_form.html", form=form, account=account, sections=sections
    )


@bp.route("/products", methods=["GET", "POST"])
def products():
    form = ProductForm()
    if form.validate_on_submit() and run_service(
        lambda: accounts.add_product(form.name.data, by_id=current_user.id),
        _("%(name)s added.", name=form.name.data),
        field=form.name,
    ):
        return redirect(url_for(".products"))
    return render_form(
        "advocates/manage/products.html", form=form, products=accounts.all_products()
    )


@bp.post("/products/<id:product_id>/toggle")
def toggle_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    run_service(
        lambda: accounts.toggle_product(product, by_id=current_user.id),
        lambda active: (
            _("%(name)s is active.", name=product.name)
            if active
            else _("%(name)s is retired.", name=product.name)
        ),
    )
    return redirect(url_for(".products"))


@bp.route("/topics", methods=["GET", "POST"])
def topics():
    form = TopicForm()
    if form.validate_on_submit() and run_service(
        lambda: accounts.add_topic(form.name.data, by_id=current_user.id),
        _("%(name)s added.", name=form.name.data),
        field=form.name,
    ):
        return redirect(url_for(".topics"))
    return render_form("advocates/manage/topics.html", form=form, topics=accounts.all_topics())


@bp.post("/topics/<id:topic_id>/toggle")
def toggle_topic(topic_id: int):
    topic = db.get_or_404(DiscussionTopic, topic_id)
    run_service(
        lambda: accounts.toggle_topic(topic, by_id=current_user.id),
        lambda active: (
            _("%(name)s is active.", name=topic.name)
            if active
            else _("%(name)s is retired.", name=topic.name)
        ),
    )
    return redirect(url_for(".topics"))
