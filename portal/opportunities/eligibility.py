"""Who may take part in an opportunity: each rule described once, read two ways.

An opportunity may ask for a minimum tier and restrict itself to some
industries, regions or products. Each of those rules is one object in
`RULES`, which knows both how to explain to a person why they are out (the
reasons on the opportunity's page, in an invitation refused, in "apply"
refused) and the SQL condition that lists only the opportunities an advocate
may join. Applying, inviting and accepting an invitation all check
`problems_for`, so no path lets in someone another path keeps out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from portal import cache, clock
from portal.advocates.employment import current_job
from portal.advocates.models import (
    Account,
    AdvocateProfile,
    Employment,
    Industry,
    Region,
    advocate_product,
)
from portal.errors import NotEligible
from portal.extensions import db
from portal.opportunities.models import (
    Opportunity,
    opportunity_industry,
    opportunity_product,
    opportunity_region,
)
from portal.recognition import tiers as tiers_rules
from portal.recognition.models import Standing, Tier


@dataclass(frozen=True)
class AdvocateContext:
    """What the eligibility rules look at, loaded once per request."""

    advocate_id: int
    tier_position: int | None
    industry: str | None
    region: str | None
    product_ids: frozenset[int]
    points: int = 0
    # The tiers' cache version, read with the context (see `tiers_by_id`).
    tiers_version: int | None = None


@dataclass(frozen=True)
class Problem:
    """One reason an advocate can't take part; `rule` names the rule (for links)."""

    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


class Rule(ABC):
    name: str

    @abstractmethod
    def problem(
        self, opportunity: Opportunity, context: AdvocateContext, tiers: dict[int, Tier]
    ) -> Problem | None:
        """Why this advocate is out by this rule, or None."""

    @abstractmethod
    def clause(self, context: AdvocateContext, tiers: dict[int, Tier]) -> sa.ColumnElement[bool]:
        """The SQL condition on Opportunity that this advocate meets the rule."""


def holds_tier(context: AdvocateContext, tier: Tier) -> bool:
    """The advocate's current tier is `tier` or above."""
    return context.tier_position is not None and context.tier_position >= tier.position


class MinimumTier(Rule):
    name = "tier"

    def problem(self, opportunity, context, tiers):
        if opportunity.min_tier_id is None:
            return None
        tier = tiers[opportunity.min_tier_id]
        if holds_tier(context, tier):
            return None
        if tiers_rules.reached(tier, context.points):
            how = f"join {tier.name} on your Tiers page"
        else:
            how = f"{tier.threshold - context.points:,} more points to reach {tier.name}"
        return Problem(self.name, f"Open to the {tier.name} tier and above ({how})")

    def clause(self, context, tiers):
        held = [tier.id for tier in tiers.values() if holds_tier(context, tier)]
        return sa.or_(Opportunity.min_tier_id.is_(None), Opportunity.min_tier_id.in_(held))


@dataclass(frozen=True)
class OneOf(Rule):
    """The opportunity names some values (none: open to all); the advocate must share one."""

    name: str
    table: sa.Table
    column: str
    required: Callable[[Opportunity], set]
    held: Callable[[AdvocateContext], set]
    message: Callable[[Opportunity], str]

    def problem(self, opportunity, context, tiers):
        required = self.required(opportunity)
        if not required or required & self.held(context):
            return None
        return Problem(self.name, self.message(opportunity))

    def clause(self, context, tiers):
        oid = self.table.c.opportunity_id == Opportunity.id
        restricted = sa.exists().where(oid)
        matching = sa.exists().where(oid, self.table.c[self.column].in_(list(self.held(context))))
        return sa.or_(~restricted, matching)


def _labels(enum_class, values) -> str:
    return ", ".join(str(enum_class(value).label) for value in sorted(values))


RULES: tuple[Rule, ...] = (
    MinimumTier(),
    OneOf(
        "industry",
        opportunity_industry,
        "industry",
        required=lambda o: set(o.industries),
        held=lambda c: {c.industry} - {None},
        message=lambda o: f"For customers in {_labels(Industry, o.industries)}",
    ),
    OneOf(
        "region",
        opportunity_region,
        "region",
        required=lambda o: set(o.regions),
        held=lambda c: {c.region} - {None},
        message=lambda o: f"For customers in {_labels(Region, o.regions)}",
    ),
    OneOf(
        "product",
        opportunity_product,
        "product_id",
        required=lambda o: {p.id for p in o.products},
        held=lambda c: set(c.product_ids),
        message=lambda o: "For users of " + ", ".join(p.name for p in o.products),
    ),
)


def problems_for(
    opportunity: Opportunity, context: AdvocateContext, tiers: dict[int, Tier] | None = None
) -> list[Problem]:
    """What keeps this advocate out (tier, industry, region, product); empty if eligible."""
    tiers = tiers if tiers is not None else tiers_by_id(context.tiers_version)
    return [
        problem
        for rule in RULES
        if (problem := rule.problem(opportunity, context, tiers)) is not None
    ]


def check(opportunity: Opportunity, advocate_id: int, *, who: str = "You're") -> None:
    """Raise NotEligible with the reasons when the advocate may not take part."""
    problems = problems_for(opportunity, context_for(advocate_id))
    if problems:
        raise NotEligible(f"{who} not eligible: " + "; ".join(map(str, problems)) + ".")


def eligible_clause(context: AdvocateContext, tiers: dict[int, Tier]) -> sa.ColumnElement[bool]:
    """SQL: the opportunities this advocate may join (the same rules as `problems_for`)."""
    return sa.and_(*(rule.clause(context, tiers) for rule in RULES))


@dataclass(frozen=True)
class TierRow:
    """A tier as the rules and pages read it, kept between requests (never written)."""

    id: int
    name: str
    position: int
    threshold: int
    invitation_only: bool


def tiers_by_id(at_version: int | None = None) -> dict[int, Tier | TierRow]:
    """Every tier by id: from this process's cache when the tiers' version read
    before (an `AdvocateContext`'s) is given, else from the database."""
    if at_version is None:
        return {tier.id: tier for tier in db.session.scalars(sa.select(Tier))}

    def load() -> dict[int, TierRow]:
        rows = db.session.execute(
            sa.select(Tier.id, Tier.name, Tier.position, Tier.threshold, Tier.invitation_only)
        )
        return {row.id: TierRow(*row) for row in rows}

    return cache.cached(cache.TIERS, at_version, "by id", load)


def contexts_for(advocate_ids: list[int]) -> dict[int, AdvocateContext]:
    """Each advocate's eligibility context, in one query whatever their number."""
    if not advocate_ids:
        return {}
    held_products = (
        sa.select(sa.func.aggregate_strings(sa.cast(advocate_product.c.product_id, sa.String), ","))
        .where(advocate_product.c.user_id == AdvocateProfile.user_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            AdvocateProfile.user_id,
            Tier.position,
            Account.industry,
            Account.region,
            sa.func.coalesce(Standing.points, 0),
            held_products,
            cache.version_column(cache.TIERS),
        )
        .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .outerjoin(Employment, current_job(AdvocateProfile.user_id))
        .outerjoin(Account, Account.id == Employment.account_id)
        .outerjoin(
            Standing,
            sa.and_(
                Standing.advocate_id == AdvocateProfile.user_id, Standing.period == clock.ALL_TIME
            ),
        )
        .where(AdvocateProfile.user_id.in_(advocate_ids))
    ).all()
    return {
        user_id: AdvocateContext(
            user_id,
            position,
            industry.value if industry else None,
            region.value if region else None,
            frozenset(int(product) for product in products.split(",")) if products else frozenset(),
            points,
            tiers_version,
        )
        for user_id, position, industry, region, points, products, tiers_version in rows
    }


def context_for(advocate_id: int) -> AdvocateContext:
    """One advocate's context; someone without a profile meets no restricted rule."""
    return contexts_for([advocate_id]).get(
        advocate_id, AdvocateContext(advocate_id, None, None, None, frozenset())
    )
