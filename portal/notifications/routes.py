from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.auth.decorators import signed_in_required
from portal.notifications import bp, services
from portal.views import run_service


@bp.get("")
@signed_in_required
def index():
    return render_template(
        "notifications/index.html",
        notifications=services.recent_for(current_user.id),
        form=FlaskForm(),
    )


@bp.post("/read")
@signed_in_required
def mark_read():
    if FlaskForm().validate_on_submit():
        run_service(
            lambda: services.mark_all_read(current_user.id),
            "All notifications are marked as read.",
        )
    return redirect(url_for("notifications.index"))
