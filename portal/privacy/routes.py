"""A person's own data: download it, delete the account (with a grace period), cancel."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from portal.auth.decorators import signed_in_required
from portal.branding import branding
from portal.clock import today
from portal.forms import PortalForm
from portal.i18n import format_long_date
from portal.privacy import archive, bp, erasure
from portal.views import render_form, run_service


class DeleteForm(PortalForm):
    understood = BooleanField(
        _l(
            "I understand: my name, email, profile, stories and mail are erased, and I can't "
            "sign in again."
        ),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


def archive_response(user) -> Response:
    data = archive.build(user, branding().program_name)
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="my-data-{today().isoformat()}.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("")
@signed_in_required
def index():
    return render_template(
        "privacy/index.html",
        deletion=erasure.open_request(current_user.id),
        grace_days=erasure.grace_period().days,
        form=PortalForm(),
    )


@bp.get("/archive.zip")
@signed_in_required
def download():
    # Only ever the signed-in person's own data: there is no id to change.
    return archive_response(current_user)


@bp.route("/delete", methods=["GET", "POST"])
@signed_in_required
def delete():
    if current_user.is_admin:
        abort(
            403,
            _(
                "An admin account is handed over, not deleted: "
                "have another admin change your role first."
            ),
        )
    if erasure.open_request(current_user.id) is not None:
        return redirect(url_for(".index"))
    form = DeleteForm()
    if form.validate_on_submit() and run_service(
        lambda: erasure.request_deletion(current_user, by=current_user),
        lambda deletion: _(
            "Your account will be deleted on %(date)s. You can cancel until then.",
            date=format_long_date(deletion.due_at),
        ),
    ):
        return redirect(url_for(".index"))
    return render_form("privacy/delete.html", form=form, grace_days=erasure.grace_period().days)


@bp.post("/cancel")
@signed_in_required
def cancel():
    if not PortalForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: erasure.cancel_deletion(current_user, by=current_user),
        _("Your account is kept: the deletion is cancelled."),
    )
    return redirect(url_for(".index"))
