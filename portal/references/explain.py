"""A candidate's score in plain words, part by part, from the points SQL computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _n

from portal.advocates.models import Industry, Region, SizeBand
from portal.db import utcnow
from portal.references import rules as program_rules
from portal.references.models import ReferenceRequest

# What the page says of each reason an advocate is left out (the keys stay as they are).
REASONS = {
    "deactivated": _l("deactivated"),
    "not finished onboarding": _l("not finished onboarding"),
    "closed this kind of ask": _l("closed this kind of ask"),
    "at their cap for this quarter": _l("at their cap for this quarter"),
    "in their quiet period": _l("in their quiet period"),
    "waiting to answer another ask": _l("waiting to answer another ask"),
    "works at the prospect or a competitor": _l("works at the prospect or a competitor"),
    "already asked for this request": _l("already asked for this request"),
    "not an advocate": _l("not an advocate"),
}


def cooldown_reason(days: int) -> str:
    return f"in the {days}-day cool-down after a reference"


def reason_text(reason: str, cooldown_days: int) -> str:
    """A reason someone is left out, in the reader's words."""
    if reason == cooldown_reason(cooldown_days):
        return _n(
            "in the %(num)d-day cool-down after a reference",
            "in the %(num)d-day cool-down after a reference",
            cooldown_days,
        )
    return str(REASONS.get(reason, reason))


@dataclass(frozen=True)
class Part:
    """One line of an explanation: what was found and the points it gave."""

    text: str
    points: int
    most: int


@dataclass
class Candidate:
    advocate_id: int
    name: str
    title: str
    company: str
    fit: int
    readiness: int
    fairness: int
    score: int
    asks_recent: int
    last_asked_at: datetime | None
    parts: dict[str, list[Part]] = field(default_factory=dict)

    def explanation(self, weights: program_rules.Weights) -> str:
        """The score in one sentence, from the same numbers that ranked it."""
        return _(
            "Score %(score)s = fit %(fit)s × %(fit_weight)s"
            " + readiness %(readiness)s × %(readiness_weight)s"
            " + fairness %(fairness)s × %(fairness_weight)s.",
            score=self.score,
            fit=self.fit,
            fit_weight=weights.fit,
            readiness=self.readiness,
            readiness_weight=weights.readiness,
            fairness=self.fairness,
            fairness_weight=weights.fairness,
        )


@dataclass
class Shortlist:
    candidates: list[Candidate]
    left_out: dict[str, int]
    left_out_total: int
    considered: int
    weights: program_rules.Weights
    cooldown_days: int = 0

    def left_out_shown(self) -> list[tuple[str, int]]:
        """(reason in the reader's words, how many) for the page."""
        return [
            (reason_text(reason, self.cooldown_days), count)
            for reason, count in self.left_out.items()
        ]


def _label(enum_class, value) -> str:
    return enum_class(value).label if value else _("unknown")


def _fit(row: sa.Row, request: ReferenceRequest) -> list[Part]:
    industry = _label(Industry, row.industry)
    region = _label(Region, row.region)
    size = _label(SizeBand, row.size_band)
    if row.part_size == 15:
        size_words = _("same company size (%(size)s)", size=size)
    elif row.part_size == 7:
        size_words = _("company size one band away (%(size)s)", size=size)
    else:
        size_words = _("different company size (%(size)s)", size=size)
    parts = [
        Part(
            _("same industry (%(industry)s)", industry=industry)
            if row.part_industry
            else _("different industry (%(industry)s)", industry=industry),
            row.part_industry,
            25,
        ),
        Part(
            _("same region (%(region)s)", region=region)
            if row.part_region
            else _("different region (%(region)s)", region=region),
            row.part_region,
            20,
        ),
        Part(size_words, row.part_size, 15),
    ]
    if request.products:
        parts.append(
            Part(
                _n(
                    "uses %(shared)s of the %(num)d product asked for",
                    "uses %(shared)s of the %(num)d products asked for",
                    len(request.products),
                    shared=row.shared_products,
                ),
                row.part_products,
                20,
            )
        )
    if request.topics:
        parts.append(
            Part(
                _n(
                    "took part in or wrote about %(shared)s of the %(num)d topic asked for",
                    "took part in or wrote about %(shared)s of the %(num)d topics asked for",
                    len(request.topics),
                    shared=row.shared_topics,
                ),
                row.part_topics,
                20,
            )
        )
    return parts


def _readiness(row: sa.Row) -> list[Part]:
    if row.answered == 0:
        speed = _("not asked for a reference before")
    else:
        hours = row.answer_seconds / row.answered / 3600
        speed = (
            _n(
                "answers in %(num)d hour on average",
                "answers in %(num)d hours on average",
                round(hours),
            )
            if hours >= 1
            else _("answers within the hour on average")
        )
    return [
        Part(_("%(tier)s tier", tier=row.tier) if row.tier else _("no tier"), row.part_tier, 30),
        Part(
            _n("%(num)d reference held", "%(num)d references held", row.held),
            row.part_held,
            40,
        ),
        Part(speed, row.part_answers, 30),
    ]


def _days_ago(moment: datetime) -> int:
    return max(0, (utcnow() - moment).days)


def _fairness(row: sa.Row) -> list[Part]:
    if row.last_asked is None:
        last = _("not asked in the last 90 days")
    else:
        days = _days_ago(row.last_asked)
        last = (
            _n("last asked %(num)d day ago", "last asked %(num)d days ago", days)
            if days
            else _("asked today")
        )
    return [
        Part(
            _n(
                "asked %(num)d time in the last 90 days",
                "asked %(num)d times in the last 90 days",
                row.recent,
            ),
            row.part_asks,
            60,
        ),
        Part(last, row.part_recency, 40),
    ]


def explain(row: sa.Row, request: ReferenceRequest) -> dict[str, list[Part]]:
    """The parts of fit, readiness and fairness, each with its points."""
    return {"fit": _fit(row, request), "readiness": _readiness(row), "fairness": _fairness(row)}
