"""Open Badges 2.0 documents: valid JSON-LD in the shipped v2 context, and against a schema."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from openbadges_bakery import unbake
from pyld import jsonld

from portal.extensions import db
from portal.recognition import badges
from portal.recognition.models import BadgeAward
from tests.factories import PASSWORD
from tests.helpers import text

DATA = Path(__file__).resolve().parent.parent / "data"
CONTEXT_URL = "https://w3id.org/openbadges/v2"
CONTEXT = json.loads((DATA / "openbadges-v2-context.json").read_text())
SCHEMA = json.loads((DATA / "openbadges-v2.schema.json").read_text())


def _offline_loader(url, options=None):
    # Only the shipped context: a test must never reach the network.
    assert url == CONTEXT_URL, f"unexpected remote document {url}"
    return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}


def assert_valid(document: dict, definition: str) -> None:
    jsonschema.validate(
        document,
        {"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]},
        format_checker=jsonschema.FormatChecker(),
    )
    options = {"documentLoader": _offline_loader}
    expanded = jsonld.expand(document, options)
    # Every term is defined by the Open Badges context: nothing is dropped
    # when the document is expanded and compacted again.
    assert jsonld.compact(expanded, CONTEXT_URL, options) == document
    types = expanded[0]["@type"]
    assert types == [f"https://w3id.org/openbadges#{document['type']}"]


@pytest.fixture
def awarded(app, make):
    with app.app_context():
        manager = make.manager()
        badge, _ = badges.save_badge(
            None,
            badges.BadgeDetails(
                name="Panel Pioneer",
                description="Spoke on a first panel.",
                rule_kind="points_at_least",
                rule_params={"points": 10, "period": "all"},
                color="#0f7a4a",
            ),
            by=manager,
        )
        db.session.commit()
        advocate = make.advocate(email="dana@example.com", public=True)
        make.points(advocate, 20)
        award = db.session.scalar(sa.select(BadgeAward))
        return {
            "slug": badge.slug,
            "uid": award.uid,
            "email": advocate.email,
            "name": advocate.name,
        }


def _json(response):
    assert response.headers["Content-Type"] == "application/ld+json"
    return json.loads(response.get_data(as_text=True))


def test_issuer_badge_class_and_assertion_are_valid(client, awarded):
    issuer = _json(client.get("/ob/issuer"))
    assert_valid(issuer, "Issuer")
    badge_class = _json(client.get(f"/ob/badges/{awarded['slug']}"))
    assert_valid(badge_class, "BadgeClass")
    assert badge_class["issuer"] == issuer["id"]
    response = client.get(f"/ob/assertions/{awarded['uid']}")
    assert response.status_code == 200
    assertion = _json(response)
    assert_valid(assertion, "Assertion")
    assert assertion["badge"] == badge_class["id"]
    assert assertion["id"].endswith(f"/ob/assertions/{awarded['uid']}")
    # Every URL in them answers.
    for url in (
        issuer["id"],
        badge_class["id"],
        badge_class["image"],
        badge_class["criteria"]["id"],
    ):
        assert client.get(url.removeprefix("http://portal.test")).status_code == 200, url


def test_recipient_is_a_salted_hash_of_the_email_at_award_time(client, awarded):
    assertion = _json(client.get(f"/ob/assertions/{awarded['uid']}"))
    recipient = assertion["recipient"]
    assert recipient["hashed"] is True and recipient["type"] == "email"
    expected = hashlib.sha256(("dana@example.com" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert "dana@example.com" not in json.dumps(assertion)


def test_revoked_assertion_answers_410_with_the_reason(app, client, make, awarded):
    with app.app_context():
        award = db.session.scalar(sa.select(BadgeAward))
        badges.revoke(award, by=make.manager(), reason="Entered in error")
        db.session.commit()
    response = client.get(f"/ob/assertions/{awarded['uid']}")
    assert response.status_code == 410
    document = _json(response)
    assert_valid(document, "RevokedAssertion")
    assert document["revocationReason"] == "Entered in error"
    assert client.get(f"/ob/assertions/{awarded['uid']}/download").status_code == 410


def test_download_bakes_the_assertion_into_the_image(client, awarded):
    response = client.get(f"/ob/assertions/{awarded['uid']}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    # For a hosted badge, the baked image points at its assertion URL (Baking spec).
    assert unbake(io.BytesIO(response.data)) == f"http://portal.test/ob/assertions/{awarded['uid']}"
    assert b"<openbadges:assertion" in response.data


def test_profile_offers_download_and_linkedin(app, awarded):
    client = app.test_client()
    client.post("/auth/sign-in", data={"email": awarded["email"], "password": PASSWORD})
    page = client.get("/profile").get_data(as_text=True)
    assert f"/ob/assertions/{awarded['uid']}/download" in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert "Panel+Pioneer" in page


def test_unknown_ids_are_404(client):
    for path in ("/ob/assertions/nope", "/ob/badges/nope", "/badges/nope", "/badges/nope/image"):
        assert client.get(path).status_code == 404, path


def test_badge_page_lists_public_holders_only(app, client, make, awarded):
    private = make.advocate(name="Private Holder", public=False)
    make.points(private, 20)
    page = text(client.get(f"/badges/{awarded['slug']}"))
    assert awarded["name"] in page
    assert "Private Holder" not in page
    image = client.get(f"/badges/{awarded['slug']}/image")
    assert image.headers["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in image.headers["Content-Security-Policy"]
