"""Staff pages for references (under /manage): the program's settings and the burnout view."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import trail
from portal.references import burnout as burnout_view
from portal.references import rules
from portal.references.forms import SettingsForm
from portal.references.models import ReferenceKind
from portal.views import render_form, run_service

bp = Blueprint("references", __name__)


@bp.route("/references/settings", methods=["GET", "POST"])
def settings():
    current = rules.current()
    form = SettingsForm(
        data={
            "fit": current.weights.fit,
            "readiness": current.weights.readiness,
            "fairness": current.weights.fairness,
            "cooldown_days": current.cooldown_days,
            "answer_days": current.answer_days,
            "currency": current.currency,
            **{f"points_{kind}": points for kind, points in current.points.items()},
        }
    )
    if form.validate_on_submit():
        new = rules.ReferenceRules(
            weights=rules.Weights(form.fit.data, form.readiness.data, form.fairness.data),
            cooldown_days=form.cooldown_days.data,
            answer_days=form.answer_days.data,
            points={kind.value: form[f"points_{kind.value}"].data for kind in ReferenceKind},
            currency=(form.currency.data or "").upper(),
        )

        def save() -> None:
            with trail.settings_changes(by_id=current_user.id):
                rules.save(new)

        if run_service(save, _("Reference settings saved."), field=form.fit):
            return redirect(url_for(".settings"))
    return render_form(
        "references/manage/settings.html",
        form=form,
        point_fields=[form[f"points_{kind.value}"] for kind in ReferenceKind],
    )


@bp.get("/references/burnout")
def burnout():
    return render_template("references/manage/burnout.html", view=burnout_view.burnout())
