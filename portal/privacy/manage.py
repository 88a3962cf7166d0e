"""Admins acting on a person's written request: their archive, deleting their account.

A part of the staff page about one advocate; managers see whether a deletion
is due but can't ask for one, download another person's data or shorten
the grace period.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.advocates.manage import advocate_section
from portal.audit import trail
from portal.auth.models import User
from portal.extensions import db
from portal.forms import PortalForm
from portal.i18n import format_long_date
from portal.privacy import erasure
from portal.privacy.routes import archive_response
from portal.views import run_service

bp = Blueprint("privacy", __name__)


@advocate_section(90, "privacy/_advocate_section.html")
def _privacy_section(user: User) -> dict:
    deletion = erasure.open_request(user.id)
    # Only the admins' form says how long the grace period is.
    asking = current_user.is_admin and deletion is None
    return {
        "deletion": deletion,
        "grace_days": erasure.grace_period().days if asking else None,
    }


def _person_for_admin(user_id: int) -> User:
    if not current_user.is_admin:
        abort(403)
    return db.get_or_404(User, user_id)


@bp.get("/people/<id:user_id>/archive.zip")
def archive(user_id: int):
    user = _person_for_admin(user_id)
    trail.record(
        "export.downloaded",
        "user",
        user.id,
        by_id=current_user.id,
        details={"kind": "archive", "written_request": True},
    )
    db.session.commit()
    return archive_response(user)


@bp.post("/people/<id:user_id>/delete")
def delete(user_id: int):
    user = _person_for_admin(user_id)
    form = PortalForm()
    reference = request.form.get("reference", "").strip()
    if not form.validate_on_submit():
        abort(400)
    if not reference:
        flash(_("Say which written request this is (a letter, an email and its date)."), "error")
    else:
        run_service(
            lambda: erasure.request_deletion(user, by=current_user, reference=reference),
            lambda deletion: _(
                "The account will be erased on %(date)s, unless the person cancels.",
                date=format_long_date(deletion.due_at),
            ),
        )
    return redirect(url_for("manage.advocates.detail", user_id=user.id))


@bp.post("/people/<id:user_id>/cancel-deletion")
def cancel(user_id: int):
    user = _person_for_admin(user_id)
    if not PortalForm().validate_on_submit():
        abort(400)
    run_service(
        lambda: erasure.cancel_deletion(user, by=current_user), _("The deletion is cancelled.")
    )
    return redirect(url_for("manage.advocates.detail", user_id=user.id))
