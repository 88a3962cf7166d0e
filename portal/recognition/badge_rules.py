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

from portal import clock
from portal.errors import InvalidState
from portal.extensions import db
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
    label: str
    kind: str  # "count", "type" or "period"
    default: object


PERIOD_CHOICES = {"all": "all time", "quarter": "one quarter", "month": "one month"}
CLOSED_PERIOD_CHOICES = {"quarter": "quarter", "month": "month"}


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
        """The rule in words, for badge pages and "How recognition works"."""

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
                    raise InvalidState(f"{param.label}: enter a whole number.") from None
                if not 1 <= value <= 1_000_000:
                    raise InvalidState(f"{param.label}: between 1 and 1,000,000.")
            elif param.kind == "type":
                if value not in {t.value for t in OpportunityType}:
                    raise InvalidState(f"{param.label}: choose an opportunity type.")
            elif param.kind == "period":
                choices = PERIOD_CHOICES if param.default == "all" else CLOSED_PERIOD_CHOICES
                if value not in choices:
                    raise InvalidState(f"{param.label}: choose a period.")
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


def _type_label(value: str) -> str:
    return OpportunityType(value).label.lower()


@register
class CompletedOfType(RuleKind):
    key = "completed_of_type"
    emblem = "chevrons"
    label = "Completed opportunities of a type"
    params = (
        Param("type", "Type", "type", OpportunityType.SPEAKING_PANEL.value),
        Param("count", "At least", "count", 5),
    )
    events = frozenset({"completion"})

    def describe(self, params: dict) -> str:
        count = params["count"]
        kind = _type_label(params["type"])
        return f"Take part in {count} {kind}{'s' if count != 1 else ''}."

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
    label = "First opportunity of a type"
    params = (Param("type", "Type", "type", OpportunityType.SPEAKING_PANEL.value),)

    def describe(self, params: dict) -> str:
        return f"Take part in your first {_type_label(params['type'])}."

    def qualifying(self, params: dict, advocate_ids: list[int] | None) -> set[int]:
        return super().qualifying({**params, "count": 1}, advocate_ids)


@register
class PointsAtLeast(RuleKind):
    key = "points_at_least"
    emblem = "diamond"
    label = "Points reached"
    params = (
        Param("points", "Points", "count", 500),
        Param("period", "Within", "period", "all"),
    )
    events = frozenset({"points"})

    def describe(self, params: dict) -> str:
        period = params["period"]
        within = "" if period == "all" else f" within {PERIOD_CHOICES[period]}"
        return f"Earn {params['points']:,} points{within}."

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
    label = "Member of a customer advisory board"
    events = frozenset({"approval", "completion"})

    def describe(self, params: dict) -> str:
        return "Be confirmed for a seat on a customer advisory board."

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
    label = "Top of a leaderboard period"
    params = (
        Param("rank", "Top", "count", 3),
        Param("period", "Period", "period", "quarter"),
    )
    events = frozenset({"period_end"})

    def describe(self, params: dict) -> str:
        return (
            f"Finish in the top {params['rank']} of a {params['period']}'s leaderboard "
            "(judged when the period ends)."
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
    return rule.describe(badge.rule_params) if rule else "Awarded by the program team."
