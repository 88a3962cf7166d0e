"""Badges: awarded once when a rule (`recognition.badge_rules`) holds, revocable, portable.

An award is unique per (badge, advocate), enforced by the database: the same
event processed twice, or two workers at once, award once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from portal import images
from portal.advocates.models import AdvocateProfile
from portal.advocates.visibility import active_advocate, shown_publicly
from portal.audit import trail
from portal.auth.models import User
from portal.db import dialect_insert, utcnow
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.notifications.services import notify, written_for
from portal.recognition.badge_rules import RULES, describe
from portal.recognition.models import Badge, BadgeAward
from portal.signals import (
    badge_awarded,
    participation_approved,
    participation_completed,
    points_changed,
)

# --- awarding ----------------------------------------------------------------


def active_badges() -> list[Badge]:
    return list(db.session.scalars(sa.select(Badge).where(Badge.active).order_by(Badge.name)))


def _recipient(email: str) -> tuple[str, str]:
    salt = secrets.token_hex(16)
    return salt, "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def award(badge: Badge, advocate_id: int, *, evidence: str = "") -> BadgeAward | None:
    """Give the badge unless the advocate has it; returns the new award, or None."""
    email = db.session.scalar(sa.select(User.email).where(User.id == advocate_id))
    salt, hashed = _recipient(email)
    award_id = db.session.execute(
        dialect_insert(BadgeAward.__table__)
        .values(
            badge_id=badge.id,
            advocate_id=advocate_id,
            uid=str(uuid.uuid4()),
            awarded_at=utcnow(),
            # What earned it, in the advocate's language (their Open Badges assertion).
            evidence=written_for(advocate_id, evidence or describe(badge))[:300],
            recipient_salt=salt,
            recipient_hash=hashed,
            revoked_reason="",
        )
        .on_conflict_do_nothing(index_elements=["badge_id", "advocate_id"])
        .returning(BadgeAward.id)
    ).scalar()
    if award_id is None:
        return None
    notify(
        advocate_id,
        "badge_awarded",
        _l("You earned the “%(badge)s” badge: %(rule)s", badge=badge.name, rule=describe(badge)),
        "recognition.badge",
        subject=_l("New badge: %(badge)s", badge=badge.name),
        slug=badge.slug,
    )
    awarded = db.session.get(BadgeAward, award_id)
    badge_awarded.send(advocate_id, award=awarded)
    return awarded


def award_earned_badges(advocate_id: int, event: str) -> list[BadgeAward]:
    """Check the badges an event can unlock for one advocate and award what is earned."""
    awarded = []
    for badge in active_badges():
        rule = RULES.get(badge.rule_kind)
        if rule is None or event not in rule.events:
            continue
        if advocate_id in rule.qualifying(badge.rule_params, [advocate_id]):
            new = award(badge, advocate_id)
            if new is not None:
                awarded.append(new)
    return awarded


@points_changed.connect
def _on_points(advocate_id: int, **_: object) -> None:
    award_earned_badges(advocate_id, "points")


@participation_completed.connect
def _on_completion(advocate_id: int, **_: object) -> None:
    award_earned_badges(advocate_id, "completion")


@participation_approved.connect
def _on_approval(advocate_id: int, **_: object) -> None:
    award_earned_badges(advocate_id, "approval")


def recompute(badges: list[Badge] | None = None) -> int:
    """Award every earned badge that is missing (new or changed rules); idempotent.

    Returns how many awards were added.
    """
    added = 0
    for badge in badges if badges is not None else active_badges():
        rule = RULES.get(badge.rule_kind)
        if rule is None or not badge.active:
            continue
        qualifying = rule.qualifying(badge.rule_params, None)
        have = set(
            db.session.scalars(
                sa.select(BadgeAward.advocate_id).where(BadgeAward.badge_id == badge.id)
            )
        )
        active_advocates = (
            set(
                db.session.scalars(
                    sa.select(User.id).where(User.id.in_(qualifying - have), active_advocate())
                )
            )
            if qualifying - have
            else set()
        )
        for advocate_id in sorted(active_advocates):
            if award(badge, advocate_id) is not None:
                added += 1
    return added


def revoke(badge_award: BadgeAward, *, by: User, reason: str) -> None:
    """Withdraw an award: its Open Badges assertion now answers "revoked"."""
    if badge_award.revoked_at is not None:
        raise InvalidState(_("This badge was already revoked."))
    if not reason.strip():
        raise InvalidState(_("Give a reason: the advocate sees it."))
    badge_award.revoked_at = utcnow()
    badge_award.revoked_by_id = by.id
    badge_award.revoked_reason = reason.strip()[:200]
    trail.record(
        "badge.revoked",
        "badge_award",
        badge_award.id,
        by_id=by.id,
        before={"revoked": False},
        after={"revoked": True},
        details={"badge_id": badge_award.badge_id, "advocate_id": badge_award.advocate_id},
    )


# --- managing badges ---------------------------------------------------------


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "badge"


# White emblems above the initials, one per kind of rule (RuleKind.emblem).
EMBLEMS = {
    "star": "M128 34l9 18 20 3-14 14 3 20-18-9-18 9 3-20-14-14 20-3z",
    "chevrons": "M98 40l30 18 30-18v14l-30 18-30-18zM98 64l30 18 30-18v14l-30 18-30-18z",
    "diamond": "M128 32l28 32-28 32-28-32z",
    "shield": "M128 32l30 10v22c0 18-12 30-30 36-18-6-30-18-30-36V42z",
    "crown": "M96 92l-6-48 22 20 16-30 16 30 22-20-6 48z",
}


def initials(name: str) -> str:
    """The letters on a badge's drawn image: the first letters of its first two words."""
    return "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", name)[:2]).upper() or "★"


def generated_image(name: str, color: str, emblem: str = "star") -> bytes:
    """A medal in the badge's colour with its rule's emblem and its initials, as SVG."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" '
        f'role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f'<circle cx="128" cy="128" r="124" fill="{color}"/>'
        '<circle cx="128" cy="128" r="104" fill="none" stroke="#ffffff" stroke-opacity="0.55" '
        'stroke-width="6"/>'
        f'<path d="{EMBLEMS.get(emblem, EMBLEMS["star"])}" fill="#ffffff" fill-opacity="0.85"/>'
        '<text x="128" y="176" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="76" font-weight="700" fill="#ffffff">{escape(initials(name))}</text></svg>'
    ).encode()


def _check_looks_unlike_others(badge: Badge | None, name: str, color: str) -> None:
    """Two drawn badges with the same initials and colour can't be told apart."""
    others = db.session.execute(
        sa.select(Badge.name).where(
            Badge.id != (badge.id if badge else -1),
            Badge.image_uploaded.is_(False),
            sa.func.lower(Badge.color) == color.lower(),
        )
    ).scalars()
    for other in others:
        if initials(other) == initials(name):
            raise InvalidState(
                _(
                    "“%(other)s” is drawn with the same letters (%(letters)s) and colour: "
                    "choose another colour, or upload an image.",
                    other=other,
                    letters=initials(name),
                )
            )


@dataclass
class BadgeDetails:
    name: str
    description: str
    rule_kind: str
    rule_params: dict
    color: str
    active: bool = True
    upload: bytes | None = None
    remove_upload: bool = False


def save_badge(badge: Badge | None, details: BadgeDetails, *, by: User) -> tuple[Badge, int]:
    """Create or change a badge, and award it to everyone who already earned it.

    Returns the badge and how many awards that added. Raises InvalidState,
    AlreadyExists or PortalError with a message.
    """
    rule = RULES.get(details.rule_kind)
    if rule is None:
        raise InvalidState(_("Choose a kind of rule."))
    params = rule.clean(details.rule_params)
    name = details.name.strip()
    badge_id = badge.id if badge else None
    _check_name_free(name, badge_id)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", details.color):
        raise InvalidState(_("Choose a colour like #4338ca."))
    draws = not details.upload and (
        details.remove_upload or badge is None or not badge.image_uploaded
    )
    if draws:
        _check_looks_unlike_others(badge, name, details.color)
    before = _audited(badge) if badge else {}
    if badge is None:
        slug, number = slugify(name), 2
        while db.session.scalar(sa.select(Badge.id).where(Badge.slug == slug)):
            slug, number = f"{slugify(name)[:55]}-{number}", number + 1
        badge = Badge(slug=slug, created_by_id=by.id)
        db.session.add(badge)
    badge.name = name
    badge.description = details.description.strip()
    badge.rule_kind = rule.key
    badge.rule_params = params
    badge.color = details.color.lower()
    badge.active = details.active
    if details.upload:
        badge.image, badge.image_type, badge.image_uploaded = (
            images.reencode(details.upload),
            "image/png",
            True,
        )
    elif draws:
        badge.image = generated_image(name, badge.color, rule.emblem)
        badge.image_type, badge.image_uploaded = "image/svg+xml", False
    try:
        db.session.flush()
    except IntegrityError:  # the same name (or slug) was saved a moment ago
        db.session.rollback()
        _check_name_free(name, badge_id)
        raise AlreadyExists(
            _(
                "Another badge like “%(name)s” was saved a moment ago: choose another name.",
                name=name,
            )
        ) from None
    trail.record(
        "badge.updated" if badge_id else "badge.created",
        "badge",
        badge.id,
        by_id=by.id,
        before=before,
        after=_audited(badge),
        details={"image_changed": bool(details.upload or details.remove_upload)},
    )
    return badge, recompute([badge]) if badge.active else 0


def _audited(badge: Badge) -> dict:
    fields = ("name", "description", "rule_kind", "rule_params", "color", "active")
    return {field: getattr(badge, field) for field in fields}


def _check_name_free(name: str, badge_id: int | None) -> None:
    others = sa.select(Badge.id).where(Badge.id != (badge_id or -1))
    if db.session.scalar(others.where(sa.func.lower(Badge.name) == name.lower())):
        raise AlreadyExists(_("Another badge is called %(name)s.", name=name))


# --- reading -----------------------------------------------------------------


def awards_of(advocate_id: int, *, include_revoked: bool = False) -> list[BadgeAward]:
    query = (
        sa.select(BadgeAward)
        .join(BadgeAward.badge)
        .where(BadgeAward.advocate_id == advocate_id)
        # The image is served by its own URL: lists never carry its bytes.
        .options(contains_eager(BadgeAward.badge).defer(Badge.image))
        .order_by(BadgeAward.awarded_at.desc())
    )
    if not include_revoked:
        query = query.where(BadgeAward.revoked_at.is_(None))
    return list(db.session.scalars(query))


def award_rows(advocate_id: int) -> sa.Select:
    """`awards_of` (not revoked) as rows with what lists show of the badge (`badge.slug`,
    `badge.name`), for a page's single statement."""
    return (
        sa.select(
            BadgeAward.uid,
            BadgeAward.awarded_at,
            Badge.slug.label("badge.slug"),
            Badge.name.label("badge.name"),
        )
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(BadgeAward.advocate_id == advocate_id, BadgeAward.revoked_at.is_(None))
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
    )


def public_holders(badge: Badge, *, page: int = 1, per_page: int = 48):
    """Advocates with a public profile who hold the badge (a Flask-SQLAlchemy page)."""
    return db.paginate(
        sa.select(User)
        .join(BadgeAward, BadgeAward.advocate_id == User.id)
        .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
        .where(
            BadgeAward.badge_id == badge.id,
            BadgeAward.revoked_at.is_(None),
            shown_publicly(),
        )
        .order_by(BadgeAward.awarded_at, User.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def badges_by_advocate(advocate_ids: list[int]) -> dict[int, list[Badge]]:
    """Each advocate's current badges, in one query (for lists of people)."""
    if not advocate_ids:
        return {}
    result: dict[int, list[Badge]] = {}
    for advocate_id, badge in db.session.execute(
        sa.select(BadgeAward.advocate_id, Badge)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .where(BadgeAward.advocate_id.in_(advocate_ids), BadgeAward.revoked_at.is_(None))
        .order_by(BadgeAward.awarded_at)
    ):
        result.setdefault(advocate_id, []).append(badge)
    return result


def award_counts() -> dict[int, int]:
    """Current (not revoked) awards per badge."""
    return dict(
        db.session.execute(
            sa.select(BadgeAward.badge_id, sa.func.count())
            .where(BadgeAward.revoked_at.is_(None))
            .group_by(BadgeAward.badge_id)
        ).all()
    )
