from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.auth.decorators import signed_in_required
from portal.extensions import db
from portal.notifications import bp, services


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
        services.mark_all_read(current_user.id)
        db.session.commit()
        flash("All notifications are marked as read.", "success")
    return redirect(url_for("notifications.index"))
