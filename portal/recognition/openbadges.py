"""Open Badges 2.0: every award is a hosted assertion at a stable public URL.

The issuer profile, the badge classes and the assertions are JSON-LD
documents in the Open Badges v2 context. Recipients are identified by a salted
SHA-256 hash of their email at award time, so the assertion reveals nothing.
A revoked award answers 410 Gone with `revoked: true`, as the specification
asks of hosted verification.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _

from portal.branding import branding
from portal.recognition.badge_rules import describe
from portal.recognition.models import Badge, BadgeAward
from portal.urls import absolute_url

CONTEXT = "https://w3id.org/openbadges/v2"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def issuer_url() -> str:
    return absolute_url("recognition.ob_issuer")


def badge_class_url(badge: Badge) -> str:
    return absolute_url("recognition.ob_badge_class", slug=badge.slug)


def assertion_url(badge_award: BadgeAward) -> str:
    return absolute_url("recognition.ob_assertion", uid=badge_award.uid)


def issuer_document() -> dict:
    config = current_app.config
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": branding().program_name,
        "url": config["BASE_URL"],
        "email": parseaddr(config["MAIL_DEFAULT_SENDER"])[1],
    }


def badge_class_document(badge: Badge) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(badge),
        "name": badge.name,
        "description": badge.description or str(describe(badge)),
        "image": absolute_url("recognition.badge_image", slug=badge.slug),
        "criteria": {
            "id": absolute_url("recognition.badge", slug=badge.slug),
            "narrative": str(describe(badge)),
        },
        "issuer": issuer_url(),
    }


def assertion_document(badge_award: BadgeAward) -> dict:
    """The hosted assertion; for a revoked award, the revocation notice."""
    if badge_award.revoked_at is not None:
        return {
            "@context": CONTEXT,
            "type": "Assertion",
            "id": assertion_url(badge_award),
            "revoked": True,
            "revocationReason": badge_award.revoked_reason or _("Revoked by the issuer."),
        }
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(badge_award),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": badge_award.recipient_salt,
            "identity": badge_award.recipient_hash,
        },
        "badge": badge_class_url(badge_award.badge),
        "issuedOn": _iso(badge_award.awarded_at),
        "verification": {"type": "hosted"},
        "narrative": badge_award.evidence,
    }


def baked_image(badge_award: BadgeAward) -> tuple[bytes, str, str]:
    """The badge image with the assertion baked in: (bytes, mime type, file name)."""
    from openbadges_bakery import bake  # only for downloads

    badge = badge_award.badge
    assertion = json.dumps(assertion_document(badge_award))
    with bake(io.BytesIO(badge.image), assertion) as baked:
        baked.seek(0)
        data = baked.read()
    extension = "png" if badge.image_type == "image/png" else "svg"
    return data, badge.image_type, f"{badge.slug}.{extension}"


def linkedin_url(badge_award: BadgeAward) -> str:
    """LinkedIn's "Add license or certification" form, filled in."""
    awarded = badge_award.awarded_at
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": badge_award.badge.name,
        "organizationName": branding().program_name,
        "issueYear": awarded.year,
        "issueMonth": awarded.month,
        "certUrl": assertion_url(badge_award),
        "certId": badge_award.uid,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(query)
