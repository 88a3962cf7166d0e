"""The program page (under /manage/insight): every figure for a period, with charts and CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.advocates import notes
from portal.audit import trail
from portal.auth.models import Role, User
from portal.csvfiles import csv_text
from portal.extensions import db
from portal.insight import (
    asks,
    figures,
    funnel,
    history,
    moves,
    people,
    periods,
    qualified,
    recognition,
    references,
    referrals,
)
from portal.insight.forms import PeriodForm, RuleForm
from portal.views import run_service

bp = Blueprint("insight", __name__, url_prefix="/insight")

# Each module registers its figures (history: its staff page sections) when imported.
FAMILIES = (people, funnel, asks, references, referrals, qualified, moves, recognition, history)


def _period(form: PeriodForm) -> periods.Window:
    """The chosen period; for a custom range that can't be used, the default one and why."""
    form.validate()
    kind = form.period.data if form.period.data in periods.KINDS else periods.DEFAULT_KIND
    if form.errors:
        kind = periods.DEFAULT_KIND
    try:
        return periods.window(kind, first=form.first.data, last=form.last.data)
    except periods.InvalidPeriod as error:
        field = getattr(form, error.field)
        field.errors = [*field.errors, error.message]
        return periods.window(periods.DEFAULT_KIND)


def _rule_form() -> RuleForm:
    form = RuleForm()
    form.kinds.choices = [(kind.key, kind.label) for kind in qualified.KINDS.values()]
    return form


@bp.get("/")
def program():
    form = PeriodForm(formdata=request.args)
    span = _period(form)
    rule_form = _rule_form()
    current = qualified.rule()
    rule_form.days.data, rule_form.kinds.data = current.days, list(current.kinds)
    return render_template(
        "insight/manage/program.html",
        form=form,
        span=span,
        sections=figures.sections(span),
        query={k: v for k, v in request.args.items() if k in ("period", "first", "last")},
        rule_form=rule_form,
        show=figures.show,
    ), 422 if form.errors else 200


@bp.get("/<name>/<table>.csv")
def table_csv(name: str, table: str):
    """One table of the program page as CSV, for the same period (the same rows)."""
    form = PeriodForm(formdata=request.args)
    span = _period(form)
    if form.errors:
        abort(400)
    found = figures.section(name, span)
    chosen = found.table(table) if found else None
    if chosen is None:
        abort(404)
    filename = f"{name}-{table}-{span.starts_at:%Y%m%d}-{span.ends_at:%Y%m%d}.csv"
    return Response(
        csv_text(chosen.columns, chosen.rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/advocates/<id:user_id>/history")
def advocate_history(user_id: int):
    """Everything about one advocate, newest first (up to history.FULL events)."""
    user = db.get_or_404(User, user_id)
    if user.role != Role.ADVOCATE or user.profile is None:
        abort(404)
    return render_template(
        "insight/manage/history.html",
        person=user,
        events=history.advocate_history(user.id, limit=history.FULL),
        limit=history.FULL,
        notes=notes.notes_about(user.id, limit=history.FULL),
    )


@bp.post("/qualified-rule")
def save_rule():
    """Admins choose what makes an advocate qualified."""
    if not current_user.is_admin:
        abort(403)
    form = _rule_form()
    if form.validate_on_submit():

        def save() -> None:
            with trail.settings_changes(by_id=current_user.id):
                qualified.save_rule(form.days.data, form.kinds.data)

        run_service(
            save,
            _("The qualified-advocate rule is saved."),
        )
    else:
        flash(_("Give a window of 1 to 3,650 days and at least one kind."), "error")
    return redirect(url_for(".program") + "#qualified")
