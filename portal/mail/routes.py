"""Email preferences and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.decorators import signed_in_required
from portal.extensions import csrf, db
from portal.forms import PortalForm
from portal.mail import bp, outbox
from portal.mail.categories import CATEGORIES, categories_for
from portal.mail.models import Frequency


@bp.route("/preferences", methods=["GET", "POST"])
@signed_in_required
def preferences():
    categories = categories_for(current_user.role.value)
    form = PortalForm()
    if form.validate_on_submit():
        for category in categories:
            value = request.form.get(category.key, "")
            try:
                frequency = Frequency(value)
            except ValueError:
                abort(400, _("Choose how often for “%(category)s”.", category=category.label))
            if frequency not in category.choices:
                abort(
                    400,
                    _(
                        "“%(frequency)s” is not offered for “%(category)s”.",
                        frequency=frequency.label,
                        category=category.label,
                    ),
                )
            outbox.set_frequency(current_user.id, category.key, frequency)
        db.session.commit()
        flash(_("Your email preferences are saved."), "success")
        return redirect(url_for("mail.preferences"))
    return render_template(
        "mail/preferences.html",
        categories=categories,
        chosen=outbox.frequencies_for(current_user.id),
        form=form,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail programs POST without a form
def unsubscribe(token: str):
    found = outbox.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, category = found
    if request.method == "POST":
        outbox.unsubscribe(user_id, category)
        db.session.commit()
    return render_template(
        "mail/unsubscribed.html",
        label=outbox.category_label(category),
        description=CATEGORIES[category].description
        if category in CATEGORIES
        else _("A weekly summary of what happened in the program."),
        done=request.method == "POST",
        token=token,
    )
