"""The shortlist: advocates ranked for a reference request, each score explained.

A score has three components, each 0 to 100 points, multiplied by the
weights managers set (`references.rules`):

- fit: same industry 25, same region 20, company size 15 (7 one band away),
  products they use 20 and topics they took part in or wrote about 20, each
  in proportion to how many of the request's they share;
- readiness: tier 0/10/20/30 by its place, references held 8 each (up to
  40), how quickly they answer 30 (within a day on average), 15 (within
  three days, or never asked yet) or 0;
- fairness: 60 less 20 for each ask in the last 90 days, and 40 for not
  being asked in 90 days, else 10 for each of 7, 14, 30 and 60 days since
  the last ask.

Every part is computed in SQL (so 100,000 advocates are ranked by the
database) and returned with its points, so the words on the page are the
numbers that ranked them. Ties go to the least asked, then the longest since
their last ask, then the lowest id. Who may never be proposed is one dict of
SQL conditions (`exclusions`), counted for the page and applied again when
an ask is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import clock
from portal.advocates import consent
from portal.advocates.employment import current_job
from portal.advocates.models import (
    Account,
    AdvocateProfile,
    Ask,
    Employment,
    SizeBand,
    advocate_product,
)
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.opportunities.models import Participation, ParticipationStatus, opportunity_topic
from portal.recognition.models import Tier
from portal.references import rules as program_rules
from portal.references.explain import Candidate, Shortlist, cooldown_reason, explain
from portal.references.models import (
    AskStatus,
    ReferenceAsk,
    ReferenceRecord,
    ReferenceRequest,
)
from portal.stories.models import Story, StoryStatus, story_topic

SHORTLIST_SIZE = 10
RECENT = timedelta(days=90)
RECENCY_STEPS = (7, 14, 30, 60)
SIZES = list(SizeBand)


def _share_points(shared: sa.ColumnElement[int], wanted: int, most: int) -> sa.ColumnElement:
    """`most` points in proportion to shared/wanted, rounded down (no division in SQL)."""
    if wanted == 0:
        return sa.literal(0)
    return sa.case(*((shared == k, most * k // wanted) for k in range(1, wanted + 1)), else_=0)


def _tier_points() -> sa.ColumnElement[int]:
    """0, 10, 20 or 30 by the tier's place (read from the few tiers, so the scan joins none)."""
    places = db.session.execute(sa.select(Tier.id, Tier.position).order_by(Tier.position)).all()
    points = {tier_id: 10 * min(index, 3) for index, (tier_id, _position) in enumerate(places)}
    by_points: dict[int, list[int]] = {}
    for tier_id, value in points.items():
        by_points.setdefault(value, []).append(tier_id)
    whens = [
        (AdvocateProfile.current_tier_id.in_(ids), value)
        for value, ids in sorted(by_points.items(), reverse=True)
        if value
    ]
    return sa.case(*whens, else_=0) if whens else sa.literal(0)


def _only(column: sa.ColumnElement, only: list[int] | None) -> sa.ColumnElement[bool]:
    """The rows of these advocates alone (all when `only` is None)."""
    return sa.true() if only is None else column.in_(only)


def _recent_asks(now: datetime, only: list[int] | None) -> sa.Subquery:
    quarter = clock.current_period("quarter", now)
    since = now - RECENT
    return (
        sa.select(
            Ask.advocate_id.label("advocate_id"),
            sa.func.sum(sa.case((Ask.quarter == quarter.key, 1), else_=0)).label("in_quarter"),
            sa.func.sum(sa.case((Ask.asked_at >= since, 1), else_=0)).label("recent"),
            sa.func.max(sa.case((Ask.asked_at >= since, Ask.asked_at))).label("last_asked"),
        )
        .where(Ask.asked_at >= min(quarter.starts_at, since), _only(Ask.advocate_id, only))
        .group_by(Ask.advocate_id)
        .subquery("recent_asks")
    )


def _shared_products(product_ids: list[int], only: list[int] | None) -> sa.Subquery:
    """Per advocate, how many of these products they use (a column, so the points'
    CASE reads it rather than working it out again for each of its arms)."""
    return (
        sa.select(advocate_product.c.user_id.label("advocate_id"), sa.func.count().label("shared"))
        .where(
            advocate_product.c.product_id.in_(product_ids or [-1]),
            _only(advocate_product.c.user_id, only),
        )
        .group_by(advocate_product.c.user_id)
        .subquery("shared_products")
    )


def _shared_topics(topic_ids: list[int], only: list[int] | None) -> sa.Subquery:
    """Per advocate, how many of the topics they took part in (completed) or wrote about."""
    wanted = topic_ids or [-1]
    took_part = (
        sa.select(Participation.advocate_id.label("advocate_id"), opportunity_topic.c.topic_id)
        .join(opportunity_topic, opportunity_topic.c.opportunity_id == Participation.opportunity_id)
        .where(
            opportunity_topic.c.topic_id.in_(wanted),
            Participation.status == ParticipationStatus.COMPLETED,
            _only(Participation.advocate_id, only),
        )
    )
    wrote = (
        sa.select(Story.advocate_id.label("advocate_id"), story_topic.c.topic_id)
        .join(story_topic, story_topic.c.story_id == Story.id)
        .where(
            story_topic.c.topic_id.in_(wanted),
            Story.status == StoryStatus.APPROVED,
            _only(Story.advocate_id, only),
        )
    )
    both = sa.union(took_part, wrote).subquery("topic_rows")
    return (
        sa.select(both.c.advocate_id, sa.func.count().label("shared"))
        .group_by(both.c.advocate_id)
        .subquery("shared_topics")
    )


class _Query:
    """The joined rows, the exclusion conditions and the score parts for one request;
    of every advocate, or `only` of these."""

    def __init__(
        self, request: ReferenceRequest, now: datetime, only: list[int] | None = None
    ) -> None:
        settings = program_rules.current()
        self.weights = settings.weights
        self.cooldown_days = settings.cooldown_days
        self.request = request
        recent = _recent_asks(now, only)
        products = _shared_products([p.id for p in request.products], only)
        self.shared_products = sa.func.coalesce(products.c.shared, 0)
        topics = _shared_topics([t.id for t in request.topics], only)
        self.recent, self.topics = recent, topics
        self.from_ = (
            sa.select(User.id)
            .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
            .outerjoin(Employment, current_job(User.id))
            .outerjoin(Account, Account.id == Employment.account_id)
            .outerjoin(ReferenceRecord, ReferenceRecord.advocate_id == User.id)
            .outerjoin(recent, recent.c.advocate_id == User.id)
            .outerjoin(topics, topics.c.advocate_id == User.id)
            .outerjoin(products, products.c.advocate_id == User.id)
            .where(User.role == Role.ADVOCATE, _only(User.id, only))
        )
        self.exclusions = self._exclusions(settings.cooldown_days, now)
        self.parts = self._parts(now)

    def _exclusions(self, cooldown_days: int, now: datetime) -> dict[str, sa.ColumnElement]:
        request = self.request
        in_quarter = sa.func.coalesce(self.recent.c.in_quarter, 0)
        excluded_accounts = [a.id for a in request.competitors]
        if request.prospect_account_id is not None:
            excluded_accounts.append(request.prospect_account_id)
        refusals = consent.refusals_sql(request.kind.value, in_quarter)
        return {
            "deactivated": refusals["deactivated"],
            "not finished onboarding": AdvocateProfile.onboarded_at.is_(None),
            "closed this kind of ask": refusals["closed this kind of ask"],
            "at their cap for this quarter": refusals["at their cap for this quarter"],
            "in their quiet period": refusals["in their quiet period"],
            "waiting to answer another ask": User.id.in_(
                sa.select(ReferenceAsk.advocate_id).where(ReferenceAsk.status == AskStatus.PENDING)
            ),
            cooldown_reason(cooldown_days): sa.and_(
                ReferenceRecord.last_held_at.is_not(None),
                ReferenceRecord.last_held_at > now - timedelta(days=cooldown_days),
            )
            if cooldown_days
            else sa.false(),
            "works at the prospect or a competitor": sa.and_(
                Employment.account_id.is_not(None),
                Employment.account_id.in_(excluded_accounts or [-1]),
            ),
            "already asked for this request": User.id.in_(
                sa.select(ReferenceAsk.advocate_id).where(ReferenceAsk.request_id == request.id)
            )
            if request.id is not None
            else sa.false(),
        }

    def _parts(self, now: datetime) -> dict[str, sa.ColumnElement]:
        request = self.request
        band = SIZES.index(request.size_band)
        neighbours = [SIZES[i].value for i in (band - 1, band + 1) if 0 <= i < len(SIZES)]
        held = sa.func.coalesce(ReferenceRecord.held, 0)
        answered = sa.func.coalesce(ReferenceRecord.answered, 0)
        seconds = sa.func.coalesce(ReferenceRecord.answer_seconds, 0)
        recent = sa.func.coalesce(self.recent.c.recent, 0)
        last = self.recent.c.last_asked
        day = 86400
        return {
            "industry": sa.case((Account.industry == request.industry, 25), else_=0),
            "region": sa.case((Account.region == request.region, 20), else_=0),
            "size": sa.case(
                (Account.size_band == request.size_band, 15),
                (Account.size_band.in_(neighbours), 7),
                else_=0,
            ),
            "products": _share_points(self.shared_products, len(request.products), 20),
            "topics": _share_points(
                sa.func.coalesce(self.topics.c.shared, 0), len(request.topics), 20
            ),
            "tier": _tier_points(),
            "held": sa.case((held >= 5, 40), else_=8 * held),
            "answers": sa.case(
                (answered == 0, 15),
                (seconds <= day * answered, 30),
                (seconds <= 3 * day * answered, 15),
                else_=0,
            ),
            "asks": sa.case((recent >= 3, 0), else_=60 - 20 * recent),
            "recency": sa.case(
                (last.is_(None), 40),
                else_=sum(
                    (
                        sa.case((last <= now - timedelta(days=d), 10), else_=0)
                        for d in RECENCY_STEPS
                    ),
                    sa.literal(0),
                ),
            ),
        }

    def any_exclusion(self) -> sa.ColumnElement[bool]:
        return sa.or_(*self.exclusions.values())


FIT_PARTS = ("industry", "region", "size", "products", "topics")
READINESS_PARTS = ("tier", "held", "answers")
FAIRNESS_PARTS = ("asks", "recency")


def _score(query: _Query) -> tuple[sa.ColumnElement, ...]:
    """(fit, readiness, fairness, weighted score) from the query's parts."""
    parts = query.parts
    fit = sum((parts[name] for name in FIT_PARTS), sa.literal(0))
    readiness = sum((parts[name] for name in READINESS_PARTS), sa.literal(0))
    fairness = sum((parts[name] for name in FAIRNESS_PARTS), sa.literal(0))
    weights = query.weights
    score = weights.fit * fit + weights.readiness * readiness + weights.fairness * fairness
    return fit, readiness, fairness, score


def shortlist(request: ReferenceRequest, *, size: int = SHORTLIST_SIZE) -> Shortlist:
    """The ranked, explained candidates for `request`, and who was left out and why
    (counts only).

    The first statement reads every advocate once into a narrow row (the score,
    the tie-breakers and a bit per exclusion reason) and returns both the
    counts per combination of reasons and the first `size` who pass; the
    second works out the parts of the score, for the page's words, for those
    few alone."""
    now = utcnow()
    query = _Query(request, now)
    _without_jit()
    *_components, score = _score(query)
    reasons = list(query.exclusions)
    mask = sum(
        (
            sa.case((condition, 1 << i), else_=0)
            for i, condition in enumerate(query.exclusions.values())
        ),
        sa.literal(0),
    )
    recent = sa.func.coalesce(query.recent.c.recent, 0)
    scan = query.from_.with_only_columns(
        User.id.label("id"),
        score.label("score"),
        recent.label("recent"),
        query.recent.c.last_asked.label("last_asked"),
        mask.label("mask"),
    ).cte("scan")
    # Each advocate's row is worked out once, though the statement reads it twice.
    scan = scan.prefix_with("MATERIALIZED", dialect="postgresql")
    top = (
        sa.select(scan.c.id, scan.c.mask, sa.literal(1).label("advocates"))
        .where(scan.c.mask == 0)
        .order_by(
            scan.c.score.desc(),
            scan.c.recent,
            scan.c.last_asked.asc().nulls_first(),
            scan.c.id,
        )
        .limit(size)
    )
    tally = sa.select(
        sa.literal(None, sa.Integer).label("id"), scan.c.mask, sa.func.count().label("advocates")
    ).group_by(scan.c.mask)
    rows = db.session.execute(
        sa.union_all(top.subquery("top").select(), tally.subquery("tally").select())
    ).all()
    ranked = [row.id for row in rows if row.id is not None]
    counts = {row.mask: int(row.advocates) for row in rows if row.id is None}
    left_out = {
        reason: n
        for i, reason in enumerate(reasons)
        if (n := sum(count for bits, count in counts.items() if bits & (1 << i)))
    }
    return Shortlist(
        candidates=_candidates(request, ranked, now),
        left_out=left_out,
        left_out_total=sum(count for bits, count in counts.items() if bits),
        considered=sum(counts.values()),
        weights=query.weights,
        cooldown_days=query.cooldown_days,
    )


def _candidates(request: ReferenceRequest, ranked: list[int], now: datetime) -> list[Candidate]:
    """The ranked advocates with every part of their score (one query, `ranked` alone)."""
    if not ranked:
        return []
    query = _Query(request, now, only=ranked)
    fit, readiness, fairness, score = _score(query)
    rows = db.session.execute(
        query.from_.with_only_columns(
            User.id.label("id"),
            User.name,
            Employment.title,
            Account.name.label("company"),
            Account.industry,
            Account.region,
            Account.size_band,
            sa.func.coalesce(ReferenceRecord.held, 0).label("held"),
            sa.func.coalesce(ReferenceRecord.answered, 0).label("answered"),
            sa.func.coalesce(ReferenceRecord.answer_seconds, 0).label("answer_seconds"),
            query.shared_products.label("shared_products"),
            sa.func.coalesce(query.topics.c.shared, 0).label("shared_topics"),
            sa.func.coalesce(query.recent.c.recent, 0).label("recent"),
            query.recent.c.last_asked,
            Tier.name.label("tier"),
            fit.label("fit"),
            readiness.label("readiness"),
            fairness.label("fairness"),
            score.label("score"),
            *(expression.label(f"part_{name}") for name, expression in query.parts.items()),
        )
        .outerjoin(Tier, Tier.id == AdvocateProfile.current_tier_id)
        .where(User.id.in_(ranked))
    ).all()
    by_id = {row.id: row for row in rows}
    return [_candidate(by_id[advocate_id], request) for advocate_id in ranked]


def _without_jit() -> None:
    """PostgreSQL's JIT compiles this large expression on every call, which costs
    more than it saves on a scan of this size; off for the rest of the transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


def _candidate(row: sa.Row, request: ReferenceRequest) -> Candidate:
    candidate = Candidate(
        advocate_id=row.id,
        name=row.name,
        title=row.title or "",
        company=row.company or _("no current company"),
        fit=int(row.fit),
        readiness=int(row.readiness),
        fairness=int(row.fairness),
        score=int(row.score),
        asks_recent=int(row.recent),
        last_asked_at=row.last_asked,
    )
    candidate.parts = explain(row, request)
    return candidate


def exclusions_for(request: ReferenceRequest, advocate_ids: list[int]) -> dict[int, list[str]]:
    """For each of these advocates, the reasons they may not be proposed now (one query)."""
    if not advocate_ids:
        return {}
    query = _Query(request, utcnow(), only=advocate_ids)
    rows = db.session.execute(
        query.from_.with_only_columns(
            User.id,
            *(condition.label(f"x{i}") for i, condition in enumerate(query.exclusions.values())),
        )
    ).all()
    reasons = {advocate_id: ["not an advocate"] for advocate_id in advocate_ids}
    for row in rows:
        reasons[row[0]] = [
            reason for reason, hit in zip(query.exclusions, row[1:], strict=True) if hit
        ]
    return reasons
