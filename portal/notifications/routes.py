from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.decorators import signed_in_required
from portal.forms import PortalForm
from portal.notifications import bp, services
from portal.recognition import tiers
from portal.views import run_service


@bp.get("")
@signed_in_required
def index():
    notifications = services.recent_for(current_user.id)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        spent=_spent_tier_invitations(notifications),
        form=PortalForm(),
    )


_TIER_INVITATIONS = ("tier_eligible", "tier_invited")


def _spent_tier_invitations(notifications) -> dict[int, str]:
    """Invitations to a tier the advocate holds or has passed: notification id → tier held."""
    if not current_user.is_advocate or not any(n.kind in _TIER_INVITATIONS for n in notifications):
        return {}
    held = tiers.held_or_passed(current_user.id)
    return {
        n.id: held[n.endpoint_args["tier"]]
        for n in notifications
        if n.kind in _TIER_INVITATIONS and (n.endpoint_args or {}).get("tier") in held
    }


@bp.post("/read")
@signed_in_required
def mark_read():
    if PortalForm().validate_on_submit():
        run_service(
            lambda: services.mark_all_read(current_user.id),
            _("All notifications are marked as read."),
        )
    return redirect(url_for("notifications.index"))
