"""Every query behind the advocates' busiest pages uses an index at 100,000 advocates.

seed-bulk loads 100,000 advocates and 200,000 ledger entries into a database
of this test's own; ANALYZE gives the planner real statistics. The pages are
then requested through the test client while an SQLAlchemy listener keeps
each statement with its parameters, and each is EXPLAINed with them: a
sequential scan of any table over 10,000 rows fails the test, naming the
page, the table and the statement. The plans are also written to
test-artifacts/query-plans.txt for whoever has to read them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from portal import bulk, clock
from portal.advocates.models import AdvocateProfile
from portal.advocates.visibility import shown_publicly
from portal.auth.models import User
from portal.extensions import db
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    opportunity_industry,
    opportunity_product,
    opportunity_region,
)
from portal.recognition.models import Standing
from tests.postgres import libpq_url, migrated_app, scratch_database

pytestmark = pytest.mark.postgresql

ADVOCATES = 100_000
LEDGER_ENTRIES = 200_000
LARGE_TABLE_ROWS = 10_000
ARTIFACT = Path(__file__).resolve().parent.parent / "test-artifacts" / "query-plans.txt"
# Statements that plan nothing worth checking.
_NOT_PLANNED = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SHOW|SET)\b", re.I)


@dataclass
class Captured:
    page: str
    statement: str
    parameters: object


@dataclass
class Collector:
    page: str = ""
    statements: list[Captured] = field(default_factory=list)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.page and not executemany and not _NOT_PLANNED.match(statement):
            self.statements.append(Captured(self.page, statement, parameters))


def _seq_scans(plan: dict) -> list[tuple[str, str]]:
    """(table, filter) of every sequential scan in a plan tree."""
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append((plan["Relation Name"], plan.get("Filter", "")))
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


def _pick(app) -> dict[str, int | str]:
    """An advocate in the middle of the board, a public profile, an open opportunity."""
    with app.app_context():
        quarter = clock.current_period("quarter").key
        advocate = db.session.execute(
            sa.select(User.id, User.email)
            .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
            .join(Standing, Standing.advocate_id == User.id)
            .where(
                User.active.is_(True),
                AdvocateProfile.onboarded_at.is_not(None),
                AdvocateProfile.show_on_leaderboard.is_(True),
                Standing.period == quarter,
            )
            .order_by(Standing.points, User.id)
            .offset(100)
            .limit(1)
        ).one()
        public = db.session.scalar(
            sa.select(User.id)
            .join(AdvocateProfile, AdvocateProfile.user_id == User.id)
            .where(shown_publicly())
            .order_by(User.id.desc())
            .limit(1)
        )
        unrestricted = [
            ~sa.exists().where(table.c.opportunity_id == Opportunity.id)
            for table in (opportunity_industry, opportunity_region, opportunity_product)
        ]
        opportunity = db.session.scalar(
            sa.select(Opportunity.id)
            .where(
                Opportunity.state == OpportunityState.PUBLISHED,
                Opportunity.application_deadline > clock.utcnow(),
                Opportunity.min_tier_id.is_(None),
                Opportunity.seats_taken < Opportunity.seats,
                *unrestricted,
            )
            .order_by(Opportunity.starts_at)
            .limit(1)
        )
        db.session.remove()
    return {
        "advocate_id": advocate.id,
        "email": advocate.email,
        "public_id": public,
        "opportunity_id": opportunity,
    }


@pytest.fixture(scope="module")
def large_app():
    with scratch_database("portal_plans") as url:
        app = migrated_app(url)
        started = time.perf_counter()
        with app.app_context():
            bulk.seed_bulk(bulk.BulkPlan(advocates=ADVOCATES, ledger=LEDGER_ENTRIES))
            db.session.commit()
            db.session.remove()
        with psycopg.connect(libpq_url(url), autocommit=True) as connection:
            connection.execute("ANALYZE")
        app.config["SEED_SECONDS"] = time.perf_counter() - started
        yield app
        with app.app_context():
            db.engine.dispose()


def test_the_busiest_pages_never_scan_a_large_table(large_app):
    app = large_app
    chosen = _pick(app)
    client = app.test_client()
    response = client.post(
        "/auth/sign-in", data={"email": chosen["email"], "password": bulk.BULK_PASSWORD}
    )
    assert response.status_code == 302

    opportunity = chosen["opportunity_id"]
    pages = [
        ("opportunities list", "get", "/opportunities"),
        ("opportunities list, eligible only", "get", "/opportunities?eligible=1"),
        ("opportunities list, one type", "get", "/opportunities?type=webinar"),
        ("opportunities list, page 3", "get", "/opportunities?page=3"),
        ("one opportunity", "get", f"/opportunities/{opportunity}"),
        ("dashboard", "get", "/dashboard"),
        ("leaderboard, all time", "get", "/leaderboard"),
        ("leaderboard, all time, page 40", "get", "/leaderboard?page=40"),
        ("leaderboard, this quarter", "get", "/leaderboard?period=quarter"),
        ("public profile", "get", f"/people/{chosen['public_id']}"),
        ("my referrals", "get", "/referrals"),
        ("my consent grid", "get", "/profile/consent"),
        ("applying", "post", f"/opportunities/{opportunity}/apply"),
    ]
    collector = Collector()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", collector)
    try:
        for name, method, path in pages:
            collector.page = name
            response = getattr(client, method)(
                path, data={"note": ""} if method == "post" else None
            )
            assert response.status_code in (200, 302), (name, response.status_code)
        collector.page = ""
    finally:
        sa.event.remove(engine, "before_cursor_execute", collector)
    applied = client.get(f"/opportunities/{opportunity}")
    assert "Withdraw" in applied.get_data(as_text=True)  # the application went through

    with app.app_context():
        url = libpq_url(db.engine.url.render_as_string(hide_password=False))
    offenders, report = [], []
    with psycopg.connect(url) as connection:
        sizes = dict(
            connection.execute(
                "SELECT relname, reltuples::bigint FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            ).fetchall()
        )
        for captured in collector.statements:
            (plan,) = connection.execute(
                "EXPLAIN (FORMAT JSON) " + captured.statement, captured.parameters
            ).fetchone()[0]
            text = "\n".join(
                row[0]
                for row in connection.execute(
                    "EXPLAIN " + captured.statement, captured.parameters
                ).fetchall()
            )
            report.append(
                f"== {captured.page}\n{captured.statement}\n{captured.parameters}\n{text}"
            )
            for table, condition in _seq_scans(plan["Plan"]):
                if sizes.get(table, 0) > LARGE_TABLE_ROWS:
                    offenders.append(
                        f"[{captured.page}] Seq Scan on {table} ({sizes[table]:,} rows)"
                        f"{' filter ' + condition if condition else ''}\n    "
                        + " ".join(captured.statement.split())[:600]
                    )
        connection.rollback()
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(
        f"seed-bulk {ADVOCATES:,} advocates, {LEDGER_ENTRIES:,} entries: "
        f"{app.config['SEED_SECONDS']:.0f}s\nsizes: {json.dumps(sizes, sort_keys=True)}\n\n"
        + "\n\n".join(report)
    )
    assert len(collector.statements) > 20
    assert not offenders, (
        f"{len(offenders)} statements scan a table over {LARGE_TABLE_ROWS:,} rows "
        f"(plans in {ARTIFACT}):\n" + "\n".join(offenders)
    )
