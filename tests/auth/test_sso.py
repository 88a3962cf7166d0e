"""Single sign-on against a real OpenID Connect provider on 127.0.0.1.

The provider is oidc-provider-mock, built on Authlib's server components: it
issues codes, signed ID tokens, a JWKS and userinfo, and refuses a code
used twice. Nothing here stubs the protocol.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import oidc_provider_mock
import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from portal.auth.models import Role, User, UserIdentity
from portal.extensions import db
from tests.conftest import make_test_app
from tests.factories import PASSWORD
from tests.helpers import free_port, text


@pytest.fixture(scope="module")
def provider() -> str:
    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def provider_entry(
    provider: str, role: str = "advocate", roles=(), domains=(), label: str = "CustomerID"
) -> dict:
    return {
        "discovery_url": f"{provider}/.well-known/openid-configuration",
        "client_id": f"portal-{label.lower()}",
        "client_secret": "secret",
        "label": label,
        "role": role,
        "roles": list(roles),
        "domains": list(domains),
    }


@pytest.fixture
def sso_app(app, provider, database_url):
    """The portal with two providers: one for everyone, one for staff at example.com."""
    return make_test_app(
        database_url,
        OIDC_PROVIDERS={
            "idp": provider_entry(provider),
            "staff": provider_entry(
                provider, "manager", ["manager", "admin"], ["example.com"], "Okta"
            ),
        },
    )


def set_claims(provider: str, sub: str, **claims) -> None:
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=5)
    assert response.status_code == 204


def authorize(client, provider_name: str, sub: str):
    """Start at the portal, approve at the provider; returns the callback URL."""
    start = client.get(f"/auth/sso/{provider_name}")
    assert start.status_code == 302
    location = start.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"] and "state" in query and "nonce" in query
    approved = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert approved.status_code == 302, approved.text
    return approved.headers["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider_name: str, sub: str):
    return callback(client, authorize(client, provider_name, sub))


def _users(sso_app):
    with sso_app.app_context():
        return db.session.execute(sa.select(User.email, User.role)).all()


def test_first_sign_in_creates_an_account_keyed_by_issuer_and_subject(sso_app, provider):
    set_claims(
        provider,
        "alice-1",
        email="Alice@Customer.example",
        email_verified=True,
        name="Alice Liddell",
    )
    client = sso_app.test_client()
    response = sign_in(client, "idp", "alice-1")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").headers["Location"] == "/welcome"  # signed in, new advocate
    with sso_app.app_context():
        identity = db.session.scalar(sa.select(UserIdentity))
        assert (identity.issuer, identity.subject, identity.provider) == (
            provider,
            "alice-1",
            "idp",
        )
        user = identity.user
        assert (user.email, user.name, user.role) == (
            "alice@customer.example",
            "Alice Liddell",
            Role.ADVOCATE,
        )
        assert user.email_verified_at is not None


def test_the_subject_not_the_email_finds_the_account(sso_app, provider):
    set_claims(provider, "bob-1", email="bob@customer.example", email_verified=True)
    sign_in(sso_app.test_client(), "idp", "bob-1")
    # The provider now sends another address: still the same person.
    set_claims(provider, "bob-1", email="robert@elsewhere.example", email_verified=True)
    client = sso_app.test_client()
    assert sign_in(client, "idp", "bob-1").status_code == 302
    assert _users(sso_app) == [("bob@customer.example", Role.ADVOCATE)]


def test_a_verified_email_links_an_existing_account(sso_app, provider, make):
    existing = make.advocate(email="carol@customer.example")
    set_claims(provider, "carol-9", email="carol@customer.example", email_verified=True)
    assert sign_in(sso_app.test_client(), "idp", "carol-9").status_code == 302
    with sso_app.app_context():
        identity = db.session.scalar(sa.select(UserIdentity))
        assert identity.user_id == existing.id
    assert len(_users(sso_app)) == 1


@pytest.mark.parametrize("verified", [False, "false", "true ", None, 1])
def test_an_unverified_email_neither_links_nor_creates(sso_app, provider, make, verified):
    make.advocate(email="dave@customer.example")
    claims = {"email": "dave@customer.example"}
    if verified is not None:
        claims["email_verified"] = verified
    set_claims(provider, "mallory", **claims)
    client = sso_app.test_client()
    response = sign_in(client, "idp", "mallory")
    assert response.status_code == 403
    assert "has not verified your email address" in text(response)
    assert client.get("/dashboard").status_code == 302
    with sso_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserIdentity)) == 0


def test_a_wrong_state_is_refused(sso_app, provider):
    set_claims(provider, "erin", email="erin@customer.example", email_verified=True)
    client = sso_app.test_client()
    url = authorize(client, "idp", "erin")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["state"] = ["forged-state"]
    forged = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    response = callback(client, forged)
    assert response.status_code == 400
    assert "did not complete" in text(response)
    assert _users(sso_app) == []


def test_a_callback_from_another_browser_is_refused(sso_app, provider):
    set_claims(provider, "frank", email="frank@customer.example", email_verified=True)
    url = authorize(sso_app.test_client(), "idp", "frank")
    attacker = sso_app.test_client()  # no session: no state to match
    assert callback(attacker, url).status_code == 400
    assert _users(sso_app) == []


def test_a_replayed_code_is_refused(sso_app, provider):
    set_claims(provider, "grace", email="grace@customer.example", email_verified=True)
    client = sso_app.test_client()
    first = authorize(client, "idp", "grace")
    assert callback(client, first).status_code == 302
    # A fresh flow in another browser, then the old code with its own valid state.
    replay = sso_app.test_client()
    second = authorize(replay, "idp", "grace")
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    parts = urlsplit(second)
    query = parse_qs(parts.query)
    query["code"] = [old_code]
    response = callback(replay, urlunsplit(parts._replace(query=urlencode(query, doseq=True))))
    assert response.status_code == 400
    assert replay.get("/dashboard").status_code == 302


def test_a_staff_provider_refuses_advocates_and_other_domains(sso_app, provider, make):
    make.advocate(email="henry@example.com")
    set_claims(provider, "henry", email="henry@example.com", email_verified=True)
    response = sign_in(sso_app.test_client(), "staff", "henry")
    assert response.status_code == 403 and "manager, admin accounts only" in text(response)

    set_claims(provider, "ivy", email="ivy@gmail.example", email_verified=True)
    response = sign_in(sso_app.test_client(), "staff", "ivy")
    assert response.status_code == 403 and "example.com only" in text(response)

    set_claims(provider, "jo", email="jo@example.com", email_verified=True, name="Jo Staff")
    client = sso_app.test_client()
    assert sign_in(client, "staff", "jo").headers["Location"] == "/manage/"
    assert ("jo@example.com", Role.MANAGER) in _users(sso_app)


def test_a_deactivated_account_cannot_use_sso(sso_app, provider, make):
    person = make.advocate(email="kim@customer.example")
    set_claims(provider, "kim", email="kim@customer.example", email_verified=True)
    sign_in(sso_app.test_client(), "idp", "kim")
    with sso_app.app_context():
        from portal.auth.services import deactivate

        deactivate(db.session.get(User, person.id))
        db.session.commit()
    response = sign_in(sso_app.test_client(), "idp", "kim")
    assert response.status_code == 403 and "deactivated" in text(response)


def test_sign_in_page_offers_each_provider(sso_app):
    page = text(sso_app.test_client().get("/auth/sign-in"))
    assert "CustomerID" in page and "Okta" in page
    assert sso_app.test_client().get("/auth/sso/nope").status_code == 404


def test_the_provider_refusing_is_a_clear_message(sso_app, provider):
    client = sso_app.test_client()
    start = client.get("/auth/sso/idp").headers["Location"]
    denied = requests.post(start, data={"action": "deny"}, allow_redirects=False, timeout=5)
    response = callback(client, denied.headers["Location"])
    assert response.status_code == 302
    assert "cancelled or refused" in text(client.get("/auth/sign-in"))


def test_the_redirect_uri_comes_from_base_url_not_the_host_header(sso_app):
    start = sso_app.test_client().get("/auth/sso/idp", headers={"Host": "attacker.example"})
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["redirect_uri"] == ["http://portal.test/auth/sso/idp/callback"]


def test_a_provider_down_at_the_first_click_gets_a_clear_message(app, database_url):
    port = free_port()
    portal = make_test_app(
        database_url, OIDC_PROVIDERS={"idp": provider_entry(f"http://127.0.0.1:{port}")}
    )
    client = portal.test_client()
    response = client.get("/auth/sso/idp")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    assert "CustomerID sign-in can't be reached just now" in text(client.get("/auth/sign-in"))

    # The provider comes up: the next click works, nothing broken was kept.
    server = make_server("127.0.0.1", port, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        again = client.get("/auth/sso/idp")
        assert again.status_code == 302
        assert again.headers["Location"].startswith(f"http://127.0.0.1:{port}/")
    finally:
        server.shutdown()
        thread.join(5)


def test_a_strangers_registration_loses_its_password_when_the_owner_signs_in(sso_app, provider):
    from portal.auth import services
    from portal.auth.models import UserSession
    from portal.settings import set_setting

    with sso_app.app_context():
        set_setting("registration_mode", "open")
        db.session.commit()
    stranger = sso_app.test_client()
    stranger_password = "the stranger's own passphrase"
    registered = stranger.post(
        "/auth/register",
        data={
            "name": "Not Victor",
            "email": "victor@customer.example",
            "password": stranger_password,
        },
    )
    assert registered.status_code == 200
    with sso_app.app_context():
        user = services.user_by_email("victor@customer.example")
        assert user.email_verified_at is None and user.password_hash
        other_session = services.start_session(user).id  # however the stranger got one
        db.session.commit()

    set_claims(provider, "victor-1", email="victor@customer.example", email_verified=True)
    owner = sso_app.test_client()
    assert sign_in(owner, "idp", "victor-1").status_code == 302
    assert owner.get("/dashboard").status_code in (200, 302)

    again = stranger.post(
        "/auth/sign-in", data={"email": "victor@customer.example", "password": stranger_password}
    )
    assert again.status_code == 422 and "Email or password is incorrect" in text(again)
    with sso_app.app_context():
        user = services.user_by_email("victor@customer.example")
        assert user.password_hash is None and user.email_verified_at is not None
        assert db.session.get(UserSession, other_session).revoked_at is not None
        live = services.live_sessions(user)
        assert len(live) == 1  # the owner's, just started


def test_linking_a_verified_account_keeps_its_password(sso_app, provider, make):
    existing = make.advocate(email="vera@customer.example")
    set_claims(provider, "vera-1", email="vera@customer.example", email_verified=True)
    assert sign_in(sso_app.test_client(), "idp", "vera-1").status_code == 302
    response = sso_app.test_client().post(
        "/auth/sign-in", data={"email": existing.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_sign_on_from_another_companys_domain_asks_whether_they_moved(sso_app, provider, make):
    from portal.advocates.models import AccountDomain, Employment

    newco = make.account(name="Newco")
    with sso_app.app_context():
        db.session.add(AccountDomain(domain="newco.example", account_id=newco.id))
        db.session.commit()
    advocate = make.advocate(email="dana@newco.example")  # still works elsewhere
    set_claims(provider, "dana-1", email="dana@newco.example", email_verified=True)
    client = sso_app.test_client()
    assert sign_in(client, "idp", "dana-1").status_code == 302
    asked = client.get("/dashboard")
    assert asked.headers["Location"] == "/profile/moved"
    assert "Did you move to Newco?" in text(client.get("/profile/moved"))
    answer = client.post("/profile/moved", data={"answer": "yes"})
    assert answer.headers["Location"] == "/profile/move?company=Newco"
    with sso_app.app_context():  # nothing changed without the move form
        jobs = db.session.scalars(sa.select(Employment).where(Employment.user_id == advocate.id))
        assert [job.account_id for job in jobs] != [newco.id]
    assert client.get("/dashboard").status_code == 200  # asked once


def test_no_question_for_a_sign_on_from_the_current_company(sso_app, provider, make):
    from portal.advocates.models import AccountDomain

    oldco = make.account(name="Oldco")
    with sso_app.app_context():
        db.session.add(AccountDomain(domain="oldco.example", account_id=oldco.id))
        db.session.commit()
    make.advocate(email="eli@oldco.example", account=oldco)
    set_claims(provider, "eli-1", email="eli@oldco.example", email_verified=True)
    client = sso_app.test_client()
    sign_in(client, "idp", "eli-1")
    assert client.get("/dashboard").status_code == 200
