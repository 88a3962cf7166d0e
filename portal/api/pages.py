"""The pages where people make and revoke API tokens.

Admins: every staff token, under /admin/api-tokens. Advocates and
requesters: their own read-only tokens, linked from their account page. The secret is shown once,
on the page that follows its creation.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import once
from portal.api import tokens
from portal.api.forms import StaffTokenForm, TokenForm
from portal.api.models import ApiToken
from portal.auth.decorators import admin_required, roles_required
from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.forms import options
from portal.views import render_form, run_service

bp = Blueprint("api_tokens", __name__)


def _scope_choices(user) -> list:
    return options((scope, tokens.describe_scope(scope)) for scope in tokens.scopes_for(user))


def _create(form: TokenForm) -> once.Created:
    days = int(form.expires_in.data or 0)
    networks = getattr(form, "networks", None)
    rate_limit = getattr(form, "rate_limit", None)

    def create():
        wanted = tokens.TokenRequest(
            name=form.name.data,
            scopes=list(form.scopes.data or []),
            expires_at=utcnow() + timedelta(days=days) if days else None,
            allowed_networks=tokens.parse_networks(networks.data or "") if networks else [],
            rate_limit=rate_limit.data if rate_limit else 60,
        )
        return tokens.create_token(current_user, wanted)

    return once.create_once(form.once.data, current_user.id, create, lambda _unused: "")


def _token_page(form: TokenForm, template_tokens: list[ApiToken], staff: bool):
    form.scopes.choices = _scope_choices(current_user)
    if form.validate_on_submit():
        done = run_service(lambda: _create(form), field=form.name)
        if done:
            if not done.value.is_new:
                return redirect(url_for(".admin_tokens" if staff else ".my_tokens"))
            token, secret = done.value.value
            return render_template("api/token_created.html", token=token, secret=secret)
    return render_form(
        "api/tokens.html", form=form, tokens=template_tokens, staff=staff, now=utcnow()
    )


@bp.route("/admin/api-tokens", methods=["GET", "POST"])
@admin_required
def admin_tokens():
    return _token_page(StaffTokenForm(), tokens.all_tokens(), staff=True)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@roles_required(Role.ADVOCATE, Role.REQUESTER)
def my_tokens():
    return _token_page(TokenForm(), tokens.tokens_of(current_user.id), staff=False)


@bp.post("/api-tokens/<id:token_id>/revoke")
def revoke(token_id: int):
    if not current_user.is_authenticated:
        abort(404)
    token = db.session.get(ApiToken, token_id)
    mine = token is not None and token.user_id == current_user.id
    if token is None or not (mine or (current_user.is_admin and not token.user.is_advocate)):
        abort(404)
    run_service(
        lambda: tokens.revoke(token, by_id=current_user.id),
        _("Token “%(name)s” revoked.", name=token.name),
    )
    return redirect(url_for(".admin_tokens" if current_user.is_admin else ".my_tokens"))
