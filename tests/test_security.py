"""Headers, CSRF, error pages and the role check on every staff route."""

from __future__ import annotations

import re

import pytest
from flask import Flask, url_for

from tests.conftest import make_test_app
from tests.helpers import page


def test_security_headers_on_every_response(client):
    for path in ("/", "/auth/sign-in", "/no-such-page", "/static/css/portal.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_signed_in_pages_are_not_cached(make, login, client):
    login(make.advocate())
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script_or_style():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "portal" / "templates"
    for template in root.rglob("*.html"):
        if template.parent.name == "mail" and template.name != "preferences.html":
            continue  # mail clients need inline styles; CSP applies to pages only
        source = template.read_text()
        # Data for scripts (type="application/json") is not run, so the CSP allows it.
        assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))', source), (
            template
        )
        assert " style=" not in source and "<style" not in source, template
        assert not re.search(r"\son[a-z]+=", source), template


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/no-such-page", 404),
        ("get", "/opportunities/999999", 302),  # signed out: to sign-in first
        ("post", "/", 405),
        ("get", "/auth/sign-out", 405),
    ],
)
def test_friendly_error_pages(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    if status >= 400:
        body = page(response)
        assert "Traceback" not in body
        assert "<h1>" in body


def test_too_large_request_is_refused(client):
    response = client.post("/auth/sign-in", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than the portal accepts" in page(response)


def test_unexpected_error_shows_500_page_without_details(database_url):
    app = make_test_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert "secret internals" not in page(response)
    assert "Something went wrong" in page(response)


def test_csrf_is_enforced_on_forms(database_url, make):
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    advocate = make.advocate()
    response = client.post(
        "/auth/sign-in", data={"email": advocate.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert "Form expired" in page(response)
    # With the token from the form, the same request works.
    form = page(client.get("/auth/sign-in"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(
        "/auth/sign-in",
        data={
            "email": advocate.email,
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302


STAFF_PREFIXES = ("/manage", "/admin")


def _staff_routes(app: Flask):
    """Every route under the staff prefixes, whatever blueprint serves it."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(STAFF_PREFIXES):
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **{arg: 1 for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_staff_routes_are_found_by_their_address(app):
    routes = list(_staff_routes(app))
    # Every domain's staff pages are under /manage (and admin pages under /admin).
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for blueprint in ("manage.opportunities.", "manage.advocates.", "manage.recognition."):
        assert any(e.startswith(blueprint) for e in endpoints), blueprint
    assert {path.split("/")[1] for _, path in routes} == {"manage", "admin"}
    assert len(routes) >= 40


def test_every_staff_route_refuses_advocates_requesters_and_visitors(app, make):
    routes = list(_staff_routes(app))
    assert len(routes) >= 40
    for person in (make.advocate(), make.requester(), None):
        client = app.test_client()
        if person is not None:
            client.post(
                "/auth/sign-in",
                data={"email": person.email, "password": "correct horse battery staple"},
            )
        for method, path in routes:
            response = client.open(path, method=method, data={})
            if person is None:
                assert response.status_code == 302, (method, path)
                assert response.headers["Location"].startswith("/auth/sign-in"), (method, path)
            else:
                assert response.status_code == 403, (person.role, method, path)


def test_admin_routes_refuse_managers(app, make, login):
    client = login(make.manager())
    for method, path in _staff_routes(app):
        if path.startswith("/admin"):
            assert client.open(path, method=method, data={}).status_code == 403, path


def test_requester_sees_public_profiles_only(make, login):
    public = make.advocate(public=True, name="Public Person")
    make.advocate(public=False, name="Private Person")
    client = login(make.requester())
    directory = page(client.get("/showcase"))
    assert "Public Person" in directory and "Private Person" not in directory
    assert client.get(f"/people/{public.id}").status_code == 200
    for path in ("/dashboard", "/opportunities", "/leaderboard", "/manage/", "/admin/users"):
        assert client.get(path).status_code == 403, path


def test_required_fields_are_marked_before_submitting(make, login, client):
    sign_in = page(client.get("/auth/sign-in"))
    assert 'class="muted required-note">Fields marked' in sign_in
    assert '<label for="email" class="required">Email</label>' in sign_in
    form = page(login(make.manager()).get("/manage/opportunities/new"))
    assert '<label for="title" class="required">Title</label>' in form
    assert '<label for="summary">One-line summary</label>' in form
