from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext as _n
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from portal import i18n
from portal.auth import bp, flows, oidc, services
from portal.auth.decorators import signed_in_required
from portal.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmLinkForm,
    LanguageForm,
    RegisterForm,
    ResetRequestForm,
    SetPasswordForm,
    SignInForm,
    SignOutEverywhereForm,
)
from portal.auth.models import Role, User
from portal.auth.passwords import verify_password
from portal.extensions import db, limiter
from portal.signals import signed_in_with_sso
from portal.urls import absolute_url, is_safe_next
from portal.views import render_form, run_service


def home_url(user: User) -> str:
    if user.role == Role.ADVOCATE:
        return url_for("main.dashboard")
    if user.role == Role.REQUESTER:
        return url_for("showcase.index")
    return url_for("manage.home")


def sign_in_user(user: User, *, remember: bool) -> None:
    """Start a fresh session (new cookie contents, new CSRF token) for `user`."""
    session.clear()
    services.start_session(user, remember=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


def _address_key(prefix: str, *, per_client: bool = False):
    """A rate-limit key per email address typed into the form (and client, if asked)."""

    def key() -> str:
        address = services.normalize_email(request.form.get("email", ""))
        return f"{prefix}:{address}:{get_remote_address()}" if per_client else f"{prefix}:{address}"

    return key


def _failed(response) -> bool:
    return response.status_code != 302


# Failed sign-ins are held back per address and client, so a stranger guessing
# from one client cannot lock the owner out of their own browser; and per
# address from every client together, more slowly (NIST SP 800-63B: at most
# 100 failed attempts on one account), against guessing from many clients.
@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit(
    "10 per 15 minutes",
    methods=["POST"],
    key_func=_address_key("sign-in", per_client=True),
    deduct_when=_failed,
)
@limiter.limit(
    "100 per day", methods=["POST"], key_func=_address_key("sign-in-all"), deduct_when=_failed
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignInForm(next=request.args.get("next", ""))
    unverified = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Email or password is incorrect."), "error")
        elif user.email_verified_at is None:
            # Only the owner of the password learns this.
            unverified = user
        else:
            target = form.next.data
            sign_in_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(target if is_safe_next(target) else home_url(user))
    elif request.method == "POST" and form.errors:
        # The same answer whatever was wrong with the fields.
        form.email.errors = form.password.errors = []
        flash(_("Email or password is incorrect."), "error")
    return render_form(
        "auth/sign_in.html",
        form=form,
        unverified=unverified,
        resend_token=flows.make_token(unverified, "resend-verification") if unverified else "",
        providers=oidc.providers(),
        can_register=flows.registration_mode() != flows.RegistrationMode.INVITE,
    )


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated and current_user.current_session is not None:
        services.end_session(current_user.current_session)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.sign_in"))


def _new_password_from_link(user, set_password, done: str, **page):
    """The form behind a set-password or reset link: set it, then sign in as its owner."""
    form = SetPasswordForm()

    def set_and_sign_in() -> None:
        set_password(user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        sign_in_user(user, remember=False)

    if form.validate_on_submit() and run_service(set_and_sign_in, done, field=form.password):
        return redirect(home_url(user))
    return render_form("auth/set_password.html", form=form, user=user, **page)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    return _new_password_from_link(
        flows.user_for_set_password_token(token),
        flows.set_password_from_link,
        _("Your password is set. Welcome!"),
    )


# --- registration and verification -----------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    mode = flows.registration_mode()
    if mode == flows.RegistrationMode.INVITE:
        abort(404)
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegisterForm()
    if form.validate_on_submit() and run_service(
        lambda: flows.register(form.name.data, form.email.data, form.password.data),
        field=lambda error: (
            form.password if isinstance(error, services.WeakPassword) else form.email
        ),
    ):
        return render_template("auth/check_email.html", email=form.email.data, purpose="register")
    return render_form("auth/register.html", form=form, mode=mode)


# Links mailed to people that change something show a page with a button;
# the change happens on its POST, so mail scanners that open links change nothing.


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        user = flows.verify_email(token)
        db.session.commit()
        flash(_("Thank you: your email address is confirmed."), "success")
        if current_user.is_authenticated:
            return redirect(home_url(current_user))
        return redirect(url_for("auth.sign_in", email=user.email))
    user = flows.user_to_verify(token)
    return render_form(
        "auth/confirm_link.html",
        form=form,
        heading=_("Confirm your email address"),
        lead=_("Confirm that %(email)s is your address, and you can sign in.", email=user.email),
        button=_("Confirm my address"),
    )


@bp.post("/verify/resend")
@limiter.limit("5 per hour")
def resend_verification():
    user, _unused = flows.read_token(request.form.get("token", ""), "resend-verification")
    flows.send_verification(user)
    db.session.commit()
    return render_template("auth/check_email.html", email=user.email, purpose="register")


# --- password reset ---------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_address_key("reset"))
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        flows.request_password_reset(form.email.data)
        db.session.commit()
        # The same page whether or not the address has an account.
        return render_template("auth/check_email.html", email=form.email.data, purpose="reset")
    return render_form("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user, _unused = flows.read_token(token, "reset")
    return _new_password_from_link(
        user,
        flows.reset_password,
        _("Your password is changed, and every other session is signed out."),
        resetting=True,
    )


# --- the account's own security page -----------------------------------------


@bp.route("/security", methods=["GET", "POST"])
@signed_in_required
def security():
    form = ChangePasswordForm(prefix="password")
    email_form = ChangeEmailForm(prefix="email")
    everywhere = SignOutEverywhereForm(prefix="everywhere")
    language = LanguageForm(prefix="language", locale=current_user.locale or "")
    if language.submit.data and language.validate_on_submit():
        chosen = language.locale.data or None
        services.set_language(current_user.id, chosen)
        db.session.commit()
        with force_locale(chosen or i18n.select_locale()):
            flash(_("Language saved."), "success")
        return redirect(url_for("auth.security"))
    if form.submit.data and form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("That is not your current password.")]
        else:
            if run_service(
                lambda: services.set_password(
                    current_user, form.password.data, keep=current_user.current_session
                ),
                _("Your password is changed. Your other sessions were signed out."),
                field=form.password,
            ):
                return redirect(url_for("auth.security"))
    elif email_form.submit.data and email_form.validate_on_submit():
        if not verify_password(current_user.password_hash, email_form.current_password.data):
            email_form.current_password.errors = [_("That is not your current password.")]
        else:
            if run_service(
                lambda: flows.request_email_change(current_user, email_form.email.data),
                _(
                    "We sent a link to %(email)s: your address changes when you open it.",
                    email=email_form.email.data,
                ),
                field=email_form.email,
            ):
                return redirect(url_for("auth.security"))
    elif everywhere.submit.data and everywhere.validate_on_submit():
        ended = services.end_all_sessions(current_user, keep=current_user.current_session)
        db.session.commit()
        flash(
            _n("Signed out %(num)d other session.", "Signed out %(num)d other sessions.", ended),
            "success",
        )
        return redirect(url_for("auth.security"))
    return render_form(
        "auth/security.html",
        form=form,
        email_form=email_form,
        everywhere=everywhere,
        language_form=language,
        sessions=services.live_sessions(current_user),
        identities=services.identities_of(current_user),
    )


@bp.route("/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    signed_in = current_user if current_user.is_authenticated else None
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        user = flows.confirm_email_change(token, signed_in)
        db.session.commit()
        flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("auth.security") if signed_in else url_for("auth.sign_in"))
    user, new_email = flows.email_change_of(token, signed_in)
    return render_form(
        "auth/confirm_link.html",
        form=form,
        heading=_("Confirm your new email address"),
        lead=_(
            "Change the address you sign in with from %(old)s to %(new)s.",
            old=user.email,
            new=new_email,
        ),
        button=_("Use %(email)s", email=new_email),
    )


# --- single sign-on -----------------------------------------------------------


@bp.get("/sso/<name>")
@limiter.limit("30 per minute")
def sso_start(name: str):
    if oidc.client(name) is None:
        abort(404)
    next_target = request.args.get("next", "")
    session["sso_next"] = next_target if is_safe_next(next_target) else ""
    # The address registered at the provider, never one built from the Host header.
    redirect_uri = absolute_url("auth.sso_callback", name=name)
    try:
        return oidc.authorize_redirect(name, redirect_uri)
    except oidc.ProviderUnreachable as error:
        flash(error.message, "error")
        return redirect(url_for("auth.sign_in"))


@bp.get("/sso/<name>/callback")
@limiter.limit("30 per minute")
def sso_callback(name: str):
    client = oidc.client(name)
    if client is None:
        abort(404)
    # Imported here: the protocol libraries weigh on every worker's memory,
    # and only sign-ins through a provider need them.
    import requests
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError

    label = oidc.providers()[name]["label"]
    if "error" in request.args:
        flash(_("%(provider)s sign-in was cancelled or refused.", provider=label), "error")
        return redirect(url_for("auth.sign_in"))
    try:
        token = client.authorize_access_token()
        userinfo = None
        if not (token.get("userinfo") or {}).get("email"):
            userinfo = client.userinfo(token=token)
        claims = oidc.read_claims(token, userinfo)
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("SSO with %s failed: %s", name, error)
        abort(400, _("%(provider)s sign-in did not complete. Please try again.", provider=label))
    user = oidc.user_for_claims(name, claims)
    target = session.pop("sso_next", "")
    sign_in_user(user, remember=False)
    signed_in_with_sso.send(user.id, email=user.email)
    db.session.commit()
    return redirect(target if is_safe_next(target) else home_url(user))
