"""The reference shortlist at scale: 50 different requests, timed around the service call.

`prepare` adds the 50 requests to a benchmark database once (requests of the
bulk manager, prospects named "Bench prospect N"), each with its own
industry, region, size, kind, products and competitors. `time_service` runs
`references.matching.shortlist` for each of them in this process, after a
warm-up round, and returns the milliseconds of each call.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

REQUESTS = 50
PROSPECT = "Bench prospect"


@dataclass
class ServiceTiming:
    calls_ms: list[float]
    candidates: int
    left_out: int

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.calls_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.calls_ms)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _app(database_url: str):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("PORTAL_ENV", "development")
    from config import Config
    from portal import create_app

    return create_app(Config())


def prepare(database_url: str, manager_email: str) -> list[int]:
    """The ids of the 50 benchmark requests, added the first time."""
    from portal.advocates.models import Account, Industry, Product, Region, SizeBand
    from portal.auth.models import User
    from portal.clock import today
    from portal.extensions import db
    from portal.references import requests
    from portal.references.models import ReferenceKind, ReferenceRequest, Urgency

    app = _app(database_url)
    with app.app_context():
        existing = db.session.scalars(
            sa.select(ReferenceRequest.id)
            .where(ReferenceRequest.prospect_name.like(f"{PROSPECT} %"))
            .order_by(ReferenceRequest.id)
        ).all()
        if len(existing) >= REQUESTS:
            return list(existing[:REQUESTS])
        rng = random.Random(50)
        manager = db.session.scalar(sa.select(User).where(User.email == manager_email))
        products = db.session.scalars(sa.select(Product.id)).all()
        accounts = db.session.scalars(sa.select(Account.id).order_by(Account.id).limit(500)).all()
        kinds = [ReferenceKind.REFERENCE_CALL] * 3 + list(ReferenceKind)
        ids = []
        for number in range(len(existing), REQUESTS):
            details = requests.RequestDetails(
                prospect_account_id=None,
                prospect_name=f"{PROSPECT} {number}",
                competitor_ids=rng.sample(accounts, rng.randint(0, 3)),
                industry=rng.choice(list(Industry)),
                region=rng.choice(list(Region)),
                size_band=rng.choice(list(SizeBand)),
                product_ids=rng.sample(products, rng.randint(0, min(3, len(products)))),
                topic_ids=[],
                kind=rng.choice(kinds),
                deal_size=rng.randint(10, 900) * 1000,
                urgency=rng.choice(list(Urgency)),
                needed_by=today() + timedelta(days=rng.randint(7, 60)),
                note="Benchmark request.",
            )
            ids.append(requests.create_request(details, by=manager).id)
        db.session.commit()
        return [*existing, *ids]


def time_service(database_url: str, request_ids: list[int], rounds: int = 3) -> ServiceTiming:
    """Each request's shortlist `rounds` times after a warm-up round (ms per call)."""
    from portal.extensions import db
    from portal.references import matching
    from portal.references.models import ReferenceRequest

    app = _app(database_url)
    calls: list[float] = []
    candidates = left_out = 0
    with app.app_context():
        loaded = [db.session.get(ReferenceRequest, i) for i in request_ids]
        for request in loaded:  # warm-up: plans cached, pages in shared buffers
            matching.shortlist(request)
        for _ in range(rounds):
            for request in loaded:
                started = time.perf_counter()
                shortlist = matching.shortlist(request)
                calls.append(1000 * (time.perf_counter() - started))
                candidates += len(shortlist.candidates)
                left_out += shortlist.left_out_total
        db.session.rollback()
    total = rounds * len(loaded)
    return ServiceTiming(calls, candidates // total, left_out // total)


def main() -> None:
    """`python -m bench.shortlist DATABASE_URL`: time the service alone on a loaded database."""
    import sys

    from bench.__main__ import MANAGER_EMAIL

    url = sys.argv[1]
    ids = prepare(url, MANAGER_EMAIL)
    timing = time_service(url, ids)
    print(
        f"shortlist service, {len(ids)} requests × 3: p50 {timing.p50_ms:.1f} ms, "
        f"p95 {timing.p95_ms:.1f} ms, max {max(timing.calls_ms):.1f} ms; "
        f"{timing.candidates} candidates, {timing.left_out:,} left out per request"
    )


if __name__ == "__main__":
    main()
