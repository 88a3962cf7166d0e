"""Admins' pages: users and roles, program settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import images
from portal.admin import bp
from portal.admin.forms import NewUserForm, RoleForm, SettingsForm
from portal.audit import trail
from portal.auth import flows
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.branding import branding, save_branding
from portal.db import contains_text
from portal.extensions import db
from portal.inputs import page_number
from portal.mail import delivery
from portal.mail.models import MessageStatus, OutboxMessage
from portal.opportunities import posting
from portal.opportunities.models import OpportunityType
from portal.privacy import erasure
from portal.recognition.tiers import DEFAULT_GRACE_DAYS
from portal.settings import all_settings, get_setting, set_setting
from portal.views import render_form, run_service


@bp.get("/users")
def users():
    role = request.args.get("role", "")
    text = request.args.get("q", "").strip()[:100]
    query = sa.select(User).options(selectinload(User.profile)).order_by(User.name, User.id)
    if role in Role.__members__.values():
        query = query.where(User.role == role)
    if text:
        query = query.where(sa.or_(contains_text(User.name, text), contains_text(User.email, text)))
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template(
        "admin/users.html", page=page, role=role, text=text, roles=Role, role_form=RoleForm()
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():

        def add() -> User:
            user = auth_services.create_user(form.email.data, form.name.data, Role(form.role.data))
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
    return render_form("admin/user_new.html", form=form)


@bp.post("/users/<id:user_id>/role")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    new_role = Role(form.role.data)
    if user.id == current_user.id:
        flash(_("You can't change your own role."), "error")
    elif (user.role == Role.ADVOCATE) != (new_role == Role.ADVOCATE):
        flash(
            _(
                "Advocates are customers and staff are not: add a new user instead of "
                "turning one into the other."
            ),
            "error",
        )
    else:
        auth_services.change_role(user, new_role, by_id=current_user.id)
        db.session.commit()
        flash(
            _("%(name)s now has the role: %(role)s.", name=user.name, role=new_role.label),
            "success",
        )
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = SettingsForm()
    if request.method == "GET":
        brand = branding()
        chosen = get_setting("branding", {}) or {}
        form.program_name.data = chosen.get("program_name", "")
        form.accent_color.data = brand.accent
        form.language.data = brand.language
        form.registration_mode.data = flows.registration_mode()
        form.tier_grace_days.data = get_setting("tier_grace_days", DEFAULT_GRACE_DAYS)
        form.deletion_grace_days.data = erasure.grace_period().days
        for kind, points in posting.default_points().items():
            form[f"points_{kind.value}"].data = points
    form.program_name.render_kw = {"placeholder": current_app.config["PROGRAM_NAME"]}
    by_id = current_user.id

    def save() -> None:
        before = all_settings()
        save_branding(
            program_name=form.program_name.data or "",
            accent=form.accent_color.data,
            logo=form.logo.data.read() if form.logo.data else None,
            remove_logo=form.remove_logo.data,
            language=form.language.data,
        )
        set_setting("registration_mode", form.registration_mode.data)
        set_setting("tier_grace_days", form.tier_grace_days.data)
        if form.deletion_grace_days.data is not None:
            set_setting(erasure.GRACE_SETTING, form.deletion_grace_days.data)
        posting.set_default_points(
            {kind: form[f"points_{kind.value}"].data for kind in OpportunityType}
        )
        db.session.flush()
        after = all_settings()
        if after != before:
            trail.record(
                "settings.changed", "settings", None, by_id=by_id, before=before, after=after
            )

    if form.validate_on_submit():
        done = run_service(save, _("Settings saved."))
        if done:
            return redirect(url_for("admin.settings"))
        field = form.logo if isinstance(done.error, images.UploadRefused) else form.accent_color
        field.errors = [*field.errors, done.error.message]
    return render_form("admin/settings.html", form=form, kinds=OpportunityType)


@bp.get("/mail")
def mail():
    status = request.args.get("status", "")
    query = sa.select(OutboxMessage).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if status in MessageStatus.__members__.values():
        query = query.where(OutboxMessage.status == status)
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "admin/mail.html",
        page=db.paginate(query, page=page_number(), per_page=50, error_out=False),
        counts=counts,
        statuses=MessageStatus,
        status=status,
    )


@bp.post("/mail/<id:message_id>/retry")
def retry_mail(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != MessageStatus.FAILED:
        flash(_("Only failed messages can be retried."), "error")
    else:
        delivery.retry(message)
        db.session.commit()
        flash(
            _("The message to %(address)s will be sent again.", address=message.to_address),
            "success",
        )
    return redirect(url_for("admin.mail", status="failed"))


@bp.post("/mail/send-waiting")
def send_waiting_mail():
    run_service(
        delivery.send_waiting_now,
        lambda count: _n(
            "%(num)d waiting message will go out on the mail worker's next round.",
            "%(num)d waiting messages will go out on the mail worker's next round.",
            count,
        ),
    )
    return redirect(url_for("admin.mail"))
