"""Single sign-on with OpenID Connect providers (Authlib does the protocol).

Authlib checks the state, the nonce and the ID token's signature, issuer,
audience and expiry. The portal adds what the client library leaves to the
application: accounts are keyed by issuer + subject; an account is created or
linked by email only when the provider says the email is verified, and
linking an account whose address was never verified removes its password and
sessions (a stranger may have registered it); a provider may be limited to
some roles and email domains.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from portal.auth import services
from portal.auth.models import Role, User, UserIdentity
from portal.db import utcnow
from portal.errors import PortalError
from portal.extensions import db


class SSOError(PortalError):
    status_code = 403


class ProviderUnreachable(SSOError):
    status_code = 503


def register_providers(app: Flask) -> None:
    """One Authlib registry per app, so each app's providers are its own.

    No cache is given to Authlib: the OAuth state and nonce live in the
    signed session cookie of the browser that started the sign-in.
    """
    if not app.config["OIDC_PROVIDERS"]:
        return
    from authlib.integrations.flask_client import OAuth  # only when a provider is set up

    oauth = OAuth(app)
    app.extensions["portal.oauth"] = oauth
    for name, provider in app.config["OIDC_PROVIDERS"].items():
        oauth.register(
            name,
            client_id=provider["client_id"],
            client_secret=provider["client_secret"],
            server_metadata_url=provider["discovery_url"],
            client_kwargs={"scope": "openid email profile", "timeout": 10},
        )


def providers() -> dict[str, dict]:
    return current_app.config["OIDC_PROVIDERS"]


def client(name: str):
    if name not in providers():
        return None
    return current_app.extensions["portal.oauth"].create_client(name)


def authorize_redirect(name: str, redirect_uri: str):
    """The redirect that sends the browser to the provider's sign-in page.

    Raises ProviderUnreachable when the provider's discovery document cannot
    be read (the first sign-in after the portal started needs it).
    """
    # Imported here: the protocol libraries weigh on every worker's memory,
    # and only sign-ins through a provider need them.
    import requests
    from authlib.integrations.base_client import OAuthError

    try:
        return client(name).authorize_redirect(redirect_uri)
    except (requests.RequestException, OAuthError, ValueError, KeyError, RuntimeError) as error:
        current_app.logger.warning("SSO with %s could not start: %s", name, error)
        raise ProviderUnreachable(
            _(
                "%(provider)s sign-in can't be reached just now. Try again in a few minutes, "
                "or sign in with your password.",
                provider=providers()[name]["label"],
            )
        ) from error


@dataclass(frozen=True)
class Claims:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def read_claims(token: dict, userinfo: dict | None) -> Claims:
    """Claims from the validated ID token, completed from the userinfo endpoint."""
    id_claims = dict(token.get("userinfo") or {})
    extra = dict(userinfo or {})
    if extra.get("sub") not in (None, id_claims.get("sub")):
        raise SSOError(_("The provider answered for a different person. Please try again."))

    def claim(key: str):
        return id_claims.get(key, extra.get(key))

    verified = claim("email_verified")
    return Claims(
        issuer=str(id_claims.get("iss", "")),
        subject=str(id_claims.get("sub", "")),
        email=(claim("email") or None),
        # The portal decides this itself: only a real true counts.
        email_verified=verified is True or (isinstance(verified, str) and verified == "true"),
        name=claim("name") or None,
    )


def _check_allowed(provider: dict, role: Role, email: str | None) -> None:
    if provider["roles"] and role.value not in provider["roles"]:
        raise SSOError(
            _(
                "%(provider)s sign-in is for %(roles)s accounts only.",
                provider=provider["label"],
                roles=", ".join(provider["roles"]),
            )
        )
    if provider["domains"]:
        domain = (email or "").rsplit("@", 1)[-1].lower()
        if domain not in provider["domains"]:
            raise SSOError(
                _(
                    "%(provider)s sign-in is for addresses at %(domains)s only.",
                    provider=provider["label"],
                    domains=", ".join(provider["domains"]),
                )
            )


def _take_back_from_registrant(user: User) -> None:
    """The account's address was never verified: whoever registered it may be a
    stranger who chose its password. The provider now vouches that this person
    reads the address, so the stranger's ways back in go: the password and
    every session. The owner can set a password of their own by reset."""
    user.password_hash = None
    services.end_all_sessions(user)


def user_for_claims(name: str, claims: Claims) -> User:
    """The person these claims belong to: found by identity, linked, or created.

    Raises SSOError when the provider may not be used by this person, or did
    not vouch for the email address it sent.
    """
    provider = providers()[name]
    if not claims.issuer or not claims.subject:
        raise SSOError(_("The provider's answer is missing who you are. Please try again."))
    identity = db.session.scalar(
        sa.select(UserIdentity).where(
            UserIdentity.issuer == claims.issuer, UserIdentity.subject == claims.subject
        )
    )
    if identity is not None:
        user = identity.user
        if not user.active:
            raise SSOError(_("This account is deactivated. Contact the program team."))
        _check_allowed(provider, user.role, user.email)
        identity.last_used_at = utcnow()
        return user

    if not claims.email or not services.is_valid_email(claims.email):
        raise SSOError(
            _("%(provider)s did not share your email address.", provider=provider["label"])
        )
    if not claims.email_verified:
        raise SSOError(
            _(
                "%(provider)s has not verified your email address, so it can't be used to sign "
                "in here. Verify it with your provider, or sign in with a password.",
                provider=provider["label"],
            )
        )
    user = services.user_by_email(claims.email)
    if user is None:
        role = Role(provider["role"])
        _check_allowed(provider, role, claims.email)
        user = services.create_user(claims.email, claims.name or claims.email.split("@")[0], role)
        if role == Role.ADVOCATE:
            from portal.advocates.profiles import ensure_profile

            ensure_profile(user)
    else:
        if not user.active:
            raise SSOError(_("This account is deactivated. Contact the program team."))
        _check_allowed(provider, user.role, user.email)
        if user.email_verified_at is None:
            _take_back_from_registrant(user)
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.add(
        UserIdentity(
            user=user,
            provider=name,
            issuer=claims.issuer,
            subject=claims.subject,
            email=services.normalize_email(claims.email),
        )
    )
    db.session.flush()
    return user
