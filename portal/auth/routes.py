from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.auth import bp, services
from portal.auth.decorators import signed_in_required
from portal.auth.forms import (
    ChangePasswordForm,
    SetPasswordForm,
    SignInForm,
    SignOutEverywhereForm,
)
from portal.auth.models import Role, User
from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.views import render_form


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no `//` or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def home_url(user: User) -> str:
    if user.role == Role.ADVOCATE:
        return url_for("advocates.dashboard")
    if user.role == Role.REQUESTER:
        return url_for("advocates.directory")
    return url_for("manage.home")


def sign_in_user(user: User, *, remember: bool) -> None:
    """Start a fresh session (new cookie contents, new CSRF token) for `user`."""
    session.clear()
    services.start_session(user, remember=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Email or password is incorrect.", "error")
        else:
            target = form.next.data
            sign_in_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(target if is_safe_next(target) else home_url(user))
    elif request.method == "POST" and form.errors:
        # The same answer whatever was wrong with the fields.
        form.email.errors = form.password.errors = []
        flash("Email or password is incorrect.", "error")
    return render_form("auth/sign_in.html", form=form)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated and current_user.current_session is not None:
        services.end_session(current_user.current_session)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    user = services.user_for_set_password_token(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.WeakPassword as error:
            form.password.errors = list(error.problems)
        else:
            if current_user.is_authenticated:
                logout_user()
            sign_in_user(user, remember=False)
            db.session.commit()
            flash("Your password is set. Welcome!", "success")
            return redirect(home_url(user))
    return render_form("auth/set_password.html", form=form, user=user)


@bp.route("/security", methods=["GET", "POST"])
@signed_in_required
def security():
    form = ChangePasswordForm()
    everywhere = SignOutEverywhereForm(prefix="everywhere")
    if form.submit.data and form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = ["That is not your current password."]
        else:
            try:
                services.set_password(
                    current_user, form.password.data, keep=current_user.current_session
                )
            except services.WeakPassword as error:
                form.password.errors = list(error.problems)
            else:
                db.session.commit()
                flash("Your password is changed. Your other sessions were signed out.", "success")
                return redirect(url_for("auth.security"))
    elif everywhere.submit.data and everywhere.validate_on_submit():
        ended = services.end_all_sessions(current_user, keep=current_user.current_session)
        db.session.commit()
        flash(f"Signed out {ended} other session{'s' if ended != 1 else ''}.", "success")
        return redirect(url_for("auth.security"))
    return render_form(
        "auth/security.html",
        form=form,
        everywhere=everywhere,
        sessions=services.live_sessions(current_user),
    )
