"""Badge rules: a registry of declarative rule kinds, each one query and one sentence.

A rule kind says which events can make it true, how to find every advocate
who qualifies (one SQL query, for a single advocate or for all of them), and
how to describe itself to people. Managers pick a kind and its parameters; no
code. Later capabilities (referrals, reference calls) add kinds with
`register` without touching the engine in `recognition.badges`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln

from portal import clock
from portal.errors import InvalidState
from portal.extensions import db
from portal.i18n import format_number
from portal.opportunities.models import (
    Opportunity,
    OpportunityType,
    Participation,
    ParticipationStatus,
)
from portal.recognition import ledger
from portal.recognition.models import Badge, Standing

# --- the rule registry -------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    label: str  # lazy: shown in the reader's language
    kind: str  # "count", "type" or "period"
    default: object


PERIOD_CHOICES = {"all": _l("all time"), "quarter": _l("one quarter"), "month": _l("one month")}
CLOSED_PERIOD_CHOICES = {"quarter": _l("quarter"), "month": _l("month")}


class RuleKind(ABC):
    key: str = ""
    label: str = ""
    params: tuple[Param, ...] = ()
    # Which events may make the rule true: "points", "completion", "approval",
    # "period_end".
    events: frozenset[str] = frozenset()
    # The emblem drawn on the badge's default image (see badges.EMBLEMS), so
    # that badges of different kinds look different at a glance.
    emblem: str = "star"

    @abstractmethod
    def describe(self, params: dict) -> str:
        """The rule in words, for badge pages and "How recognition works": a lazy
        string (`_l(...)`), so that a notification says it in its reader's language."""

    @abstractmethod
    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        """Advocates who meet the rule now (among `advocate_ids`, or all when None)."""

    def clean(self, raw: dict) -> dict:
        """Parameters from a form, checked; raises InvalidState with a message."""
        cleaned = {}
        for param in self.params:
            value = raw.get(param.name, param.default)
            if param.kind == "count":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    raise InvalidState(
                        _("%(field)s: enter a whole number.", field=param.label)
                    ) from None
                if not 1 <= value <= 1_000_000:
                    raise InvalidState(
                        _(
                            "%(field)s: between %(low)s and %(high)s.",
                            field=param.label,
                            low=format_number(1),
                            high=format_number(1_000_000),
                        )
                    )
            elif param.kind == "type":
                if value not in {t.value for t in OpportunityType}:
                    raise InvalidState(
                        _("%(field)s: choose an opportunity type.", field=param.label)
                    )
            elif param.kind == "period":
                choices = PERIOD_CHOICES if param.default == "all" else CLOSED_PERIOD_CHOICES
                if value not in choices:
                    raise InvalidState(_("%(field)s: choose a period.", field=param.label))
            cleaned[param.name] = value
        return cleaned


RULES: dict[str, RuleKind] = {}


def register(rule_class: type[RuleKind]) -> type[RuleKind]:
    """Add a rule kind to the registry (a class decorator)."""
    RULES[rule_class.key] = rule_class()
    return rule_class


def _among(query: sa.Select, column, advocate_ids: list[int] | None) -> set[int]:
    if advocate_ids is not None:
        query = query.where(column.in_(advocate_ids))
    return set(db.session.scalars(query))


# "Take part in 5 webinars.": one sentence per type, with its plural forms.
_TAKE_PART = {
    OpportunityType.SPEAKING_PANEL: lambda n: _ln(
        "Take part in %(num)d speaking panel.", "Take part in %(num)d speaking panels.", n
    ),
    OpportunityType.ADVISORY_BOARD: lambda n: _ln(
        "Take part in %(num)d customer advisory board.",
        "Take part in %(num)d customer advisory boards.",
        n,
    ),
    OpportunityType.MEDIA_INTERVIEW: lambda n: _ln(
        "Take part in %(num)d media or analyst interview.",
        "Take part in %(num)d media or analyst interviews.",
        n,
    ),
    OpportunityType.CASE_STUDY: lambda n: _ln(
        "Take part in %(num)d case study.", "Take part in %(num)d case studies.", n
    ),
    OpportunityType.WEBINAR: lambda n: _ln(
        "Take part in %(num)d webinar.", "Take part in %(num)d webinars.", n
    ),
    OpportunityType.REVIEW: lambda n: _ln(
        "Take part in %(num)d review.", "Take part in %(num)d reviews.", n
    ),
    OpportunityType.BETA: lambda n: _ln(
        "Take part in %(num)d beta or early access program.",
        "Take part in %(num)d beta or early access programs.",
        n,
    ),
    OpportunityType.EVENT: lambda n: _ln(
        "Take part in %(num)d event.", "Take part in %(num)d events.", n
    ),
    OpportunityType.RESEARCH_INTERVIEW: lambda n: _ln(
        "Take part in %(num)d user research interview.",
        "Take part in %(num)d user research interviews.",
        n,
    ),
}
_FIRST = {
    OpportunityType.SPEAKING_PANEL: _l("Take part in your first speaking panel."),
    OpportunityType.ADVISORY_BOARD: _l("Take part in your first customer advisory board."),
    OpportunityType.MEDIA_INTERVIEW: _l("Take part in your first media or analyst interview."),
    OpportunityType.CASE_STUDY: _l("Take part in your first case study."),
    OpportunityType.WEBINAR: _l("Take part in your first webinar."),
    OpportunityType.REVIEW: _l("Take part in your first review."),
    OpportunityType.BETA: _l("Take part in your first beta or early access program."),
    OpportunityType.EVENT: _l("Take part in your first event."),
    OpportunityType.RESEARCH_INTERVIEW: _l("Take part in your first user research interview."),
}


@register
class CompletedOfType(RuleKind):
    key = "completed_of_type"
    emblem = "chevrons"
    label = _l("Completed opportunities of a type")
    params = (
        Param("type", _l("Type"), "type", OpportunityType.SPEAKING_PANEL.value),
        Param("count", _l("At least"), "count", 5),
    )
    events = frozenset({"completion"})

    def describe(self, params: dict) -> str:
        return _TAKE_PART[OpportunityType(params["type"])](params["count"])

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        query = (
            sa.select(Participation.advocate_id)
            .join(Opportunity, Opportunity.id == Participation.opportunity_id)
            .where(
                Participation.status == ParticipationStatus.COMPLETED,
                Opportunity.type == params["type"],
            )
            .group_by(Participation.advocate_id)
            .having(sa.func.count() >= params["count"])
        )
        return _among(query, Participation.advocate_id, advocate_ids)


@register
class FirstOfType(CompletedOfType):
    key = "first_of_type"
    emblem = "star"
    label = _l("First opportunity of a type")
    params = (Param("type", _l("Type"), "type", OpportunityType.SPEAKING_PANEL.value),)

    def describe(self, params: dict) -> str:
        return _FIRST[OpportunityType(params["type"])]

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        return super().qualifying({**params, "count": 1}, advocate_ids)


@register
class PointsAtLeast(RuleKind):
    key = "points_at_least"
    emblem = "diamond"
    label = _l("Points reached")
    params = (
        Param("points", _l("Points"), "count", 500),
        Param("period", _l("Within"), "period", "all"),
    )
    events = frozenset({"points"})

    def describe(self, params: dict) -> str:
        points, period = params["points"], params["period"]
        shown = LazyString(format_number, points)
        if period == "quarter":
            return _ln(
                "Earn %(points)s point within one quarter.",
                "Earn %(points)s points within one quarter.",
                points,
                points=shown,
            )
        if period == "month":
            return _ln(
                "Earn %(points)s point within one month.",
                "Earn %(points)s points within one month.",
                points,
                points=shown,
            )
        return _ln("Earn %(points)s point.", "Earn %(points)s points.", points, points=shown)

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        query = (
            sa.select(Standing.advocate_id)
            .where(ledger.periods_of_kind(params["period"]), Standing.points >= params["points"])
            .distinct()
        )
        return _among(query, Standing.advocate_id, advocate_ids)


@register
class AdvisoryBoardMember(RuleKind):
    key = "advisory_board_member"
    emblem = "shield"
    label = _l("Member of a customer advisory board")
    events = frozenset({"approval", "completion"})

    def describe(self, params: dict) -> str:
        return _l("Be confirmed for a seat on a customer advisory board.")

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        query = (
            sa.select(Participation.advocate_id)
            .join(Opportunity, Opportunity.id == Participation.opportunity_id)
            .where(
                Participation.status.in_(
                    [ParticipationStatus.APPROVED, ParticipationStatus.COMPLETED]
                ),
                Opportunity.type == OpportunityType.ADVISORY_BOARD,
            )
            .distinct()
        )
        return _among(query, Participation.advocate_id, advocate_ids)


@register
class TopOfPeriod(RuleKind):
    key = "top_of_period"
    emblem = "crown"
    label = _l("Top of a leaderboard period")
    params = (
        Param("rank", _l("Top"), "count", 3),
        Param("period", _l("Period"), "period", "quarter"),
    )
    events = frozenset({"period_end"})

    def describe(self, params: dict) -> str:
        if params["period"] == "month":
            return _l(
                "Finish in the top %(rank)d of a month's leaderboard (judged when the month ends).",
                rank=params["rank"],
            )
        return _l(
            "Finish in the top %(rank)d of a quarter's leaderboard (judged when the quarter ends).",
            rank=params["rank"],
        )

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        current = clock.current_period(params["period"]).key
        kind = ledger.periods_of_kind(params["period"])
        ranked = (
            sa.select(
                Standing.advocate_id,
                sa.func.dense_rank()
                .over(partition_by=Standing.period, order_by=Standing.points.desc())
                .label("rank"),
            )
            .where(kind, Standing.period < current, Standing.visible.is_(True))
            .subquery()
        )
        query = sa.select(ranked.c.advocate_id).where(ranked.c.rank <= params["rank"]).distinct()
        return _among(query, ranked.c.advocate_id, advocate_ids)


def describe(badge: Badge) -> str:
    rule = RULES.get(badge.rule_kind)
    return rule.describe(badge.rule_params) if rule else _l("Awarded by the program team.")
