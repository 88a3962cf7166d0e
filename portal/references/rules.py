"""The program's settings for references: matching weights, time limits, points, currency.

Read here and nowhere else, so the settings page, the shortlist, the page
that explains matching, the jobs and the outcome all use the same values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import InvalidState
from portal.extensions import db
from portal.references.models import ReferenceKind
from portal.settings import Setting, set_setting

WEIGHTS_KEY = "references.weights"
COOLDOWN_KEY = "references.cooldown_days"
ANSWER_DAYS_KEY = "references.answer_days"
POINTS_KEY = "references.points"
CURRENCY_KEY = "program.currency"

DEFAULT_WEIGHTS = {"fit": 5, "readiness": 2, "fairness": 3}
DEFAULT_COOLDOWN_DAYS = 30
DEFAULT_ANSWER_DAYS = 3
DEFAULT_POINTS = {
    ReferenceKind.REFERENCE_CALL.value: 50,
    ReferenceKind.EMAIL_EXCHANGE.value: 25,
    ReferenceKind.MEDIA_INTERVIEW.value: 150,
    ReferenceKind.CASE_STUDY.value: 250,
    ReferenceKind.SITE_VISIT.value: 500,
}
DEFAULT_CURRENCY = "USD"
MAX_WEIGHT = 10
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Weights:
    fit: int
    readiness: int
    fairness: int


@dataclass(frozen=True)
class ReferenceRules:
    weights: Weights
    cooldown_days: int
    answer_days: int
    points: dict[str, int]
    currency: str


def _whole(value: object, default: int, low: int, high: int) -> int:
    return value if isinstance(value, int) and low <= value <= high else default


def current() -> ReferenceRules:
    """The live settings, each falling back to its default when unset or unusable (one query)."""
    keys = (WEIGHTS_KEY, COOLDOWN_KEY, ANSWER_DAYS_KEY, POINTS_KEY, CURRENCY_KEY)
    values = dict(
        db.session.execute(sa.select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all()
    )

    def get_setting(key: str):
        return values.get(key)

    stored = get_setting(WEIGHTS_KEY) or {}
    weights = Weights(
        **{
            name: _whole(
                stored.get(name) if isinstance(stored, dict) else None, default, 0, MAX_WEIGHT
            )
            for name, default in DEFAULT_WEIGHTS.items()
        }
    )
    points = get_setting(POINTS_KEY) or {}
    currency = get_setting(CURRENCY_KEY)
    return ReferenceRules(
        weights=weights,
        cooldown_days=_whole(get_setting(COOLDOWN_KEY), DEFAULT_COOLDOWN_DAYS, 0, 365),
        answer_days=_whole(get_setting(ANSWER_DAYS_KEY), DEFAULT_ANSWER_DAYS, 1, 30),
        points={
            kind: _whole(
                points.get(kind) if isinstance(points, dict) else None, default, 0, 100_000
            )
            for kind, default in DEFAULT_POINTS.items()
        },
        currency=currency
        if isinstance(currency, str) and _CURRENCY.fullmatch(currency)
        else DEFAULT_CURRENCY,
    )


def save(rules: ReferenceRules) -> None:
    """Store new settings; raises InvalidState for a value out of range."""
    weights = rules.weights
    if not all(0 <= w <= MAX_WEIGHT for w in (weights.fit, weights.readiness, weights.fairness)):
        raise InvalidState(_("Each weight is a whole number from 0 to %(most)s.", most=MAX_WEIGHT))
    if weights.fit + weights.readiness + weights.fairness == 0:
        raise InvalidState(_("At least one weight must be above 0."))
    if not 0 <= rules.cooldown_days <= 365:
        raise InvalidState(_("The cool-down is 0 to 365 days."))
    if not 1 <= rules.answer_days <= 30:
        raise InvalidState(_("Advocates get 1 to 30 days to answer."))
    if not _CURRENCY.fullmatch(rules.currency):
        raise InvalidState(_("Enter the currency as its three-letter ISO 4217 code, e.g. EUR."))
    if set(rules.points) != set(DEFAULT_POINTS) or not all(
        0 <= p <= 100_000 for p in rules.points.values()
    ):
        raise InvalidState(_("Points per kind are 0 to 100,000."))
    set_setting(
        WEIGHTS_KEY,
        {"fit": weights.fit, "readiness": weights.readiness, "fairness": weights.fairness},
    )
    set_setting(COOLDOWN_KEY, rules.cooldown_days)
    set_setting(ANSWER_DAYS_KEY, rules.answer_days)
    set_setting(POINTS_KEY, dict(rules.points))
    set_setting(CURRENCY_KEY, rules.currency)
