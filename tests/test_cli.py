"""Command-line tools: demo data, users, ledger checks."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from portal import clock
from portal.advocates.models import Account
from portal.auth.models import User
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.opportunities.models import (
    Opportunity,
    OpportunityState,
    OpportunityType,
    Participation,
)
from portal.recognition.models import BadgeAward, PointsEntry, Standing
from tests.conftest import make_test_app


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_realistic_data_once(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "advocate@example.com" in result.output
    counts = {model: _count(app, model) for model in (User, Account, Opportunity, PointsEntry)}
    assert counts[User] >= 200 and counts[Account] >= 12 and counts[Opportunity] >= 35
    assert counts[PointsEntry] >= 400
    with app.app_context():
        types = set(db.session.scalars(sa.select(Opportunity.type).distinct()))
        states = set(db.session.scalars(sa.select(Opportunity.state).distinct()))
        industries = set(db.session.scalars(sa.select(Account.industry).distinct()))
        spread = db.session.execute(
            sa.select(sa.func.min(PointsEntry.created_at), sa.func.max(PointsEntry.created_at))
        ).one()
    assert types == set(OpportunityType)
    assert states == set(OpportunityState)
    assert len(industries) >= 6
    assert (spread[1] - spread[0]).days >= 300

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "nothing changed" in again.output
    assert {model: _count(app, model) for model in counts} == counts

    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output


def test_the_readme_tells_the_truth_about_the_demo(app, runner):
    """The Quick start's figures and the demo advocate's tier are read from the README."""
    import re
    from pathlib import Path

    from portal.advocates.models import AccountKind
    from portal.auth.models import Role
    from portal.recognition import tiers

    readme = Path(__file__).parents[1].joinpath("README.md").read_text()
    companies, industries, regions, advocates = map(
        int,
        re.search(
            r"The demo has (\d+) customer companies in (\d+) industries and (\d+) regions, "
            r"(\d+)\s+advocates",
            readme,
        ).groups(),
    )
    opportunities = int(re.search(r"(\d+) opportunities of every type", readme).group(1))
    tier_name = re.search(r"`advocate@example.com` \| advocate \(.*?, (\w+) tier\)", readme)[1]

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        customers = sa.select(Account).where(Account.kind == AccountKind.CUSTOMER)
        assert len(db.session.scalars(customers).all()) == companies
        assert (
            db.session.scalar(
                sa.select(sa.func.count(sa.distinct(Account.industry))).where(
                    Account.kind == AccountKind.CUSTOMER
                )
            )
            == industries
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count(sa.distinct(Account.region))).where(
                    Account.kind == AccountKind.CUSTOMER
                )
            )
            == regions
        )
        assert _count(app, Opportunity) == opportunities
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADVOCATE)
            )
            == advocates
        )
        avery = db.session.scalar(sa.select(User).where(User.email == "advocate@example.com"))
        held = tiers.held_tier(tiers.states_for(avery.id))
        assert held is not None and held.name == tier_name


# What the demo plans ahead by nature: upcoming dates and chosen quiet periods.
PLANNED_AHEAD = {
    ("opportunity", "starts_at"),
    ("opportunity", "ends_at"),
    ("opportunity", "application_deadline"),
    ("advocate_profile", "quiet_until"),
    ("reference_request", "needed_by"),
    ("reference_ask", "due_at"),
    # A deletion asked for three days ago is due after its grace period.
    ("deletion_request", "due_at"),
    ("background_job", "run_after"),
    ("api_token", "expires_at"),
    ("webhook_endpoint", "previous_secret_until"),
    ("webhook_delivery", "next_attempt_at"),
}


def test_nothing_in_the_demo_is_dated_after_it_was_loaded(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        now, today = utcnow(), clock.today()
        later = {}
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if (table.name, column.name) in PLANNED_AHEAD:
                    continue
                if isinstance(column.type, UTCDateTime):
                    limit = now
                elif isinstance(column.type, sa.Date):
                    limit = today
                else:
                    continue
                latest = db.session.scalar(sa.select(sa.func.max(column)))
                if latest is not None and latest > limit:
                    later[f"{table.name}.{column.name}"] = latest
        assert later == {}
        # Each step happened when the rules allow it.
        rows = db.session.execute(
            sa.select(Participation, Opportunity).join(Participation.opportunity)
        ).all()
        assert rows
        for participation, opportunity in rows:
            assert opportunity.published_at <= participation.created_at
            assert participation.created_at < opportunity.application_deadline
            if participation.decided_by_id and not participation.completed_at:
                assert participation.decided_at < opportunity.starts_at
            if participation.completed_at:
                assert participation.completed_at >= opportunity.starts_at
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeAward)) > 0
        # The history is spread over the past year, as the README says: points in each
        # of the last twelve 30-day months.
        ages = db.session.scalars(sa.select(PointsEntry.created_at)).all()
        assert set(range(12)) <= {(now - at).days // 30 for at in ages}


def test_demo_logins_work(app, runner, client):
    from portal.demo import DEMO_LOGINS, DEMO_PASSWORD

    runner.invoke(args=["seed-demo"])
    for email in DEMO_LOGINS:
        fresh = app.test_client()
        response = fresh.post("/auth/sign-in", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert fresh.get(response.headers["Location"]).status_code == 200, email


def test_seed_demo_refuses_production(database_url):
    app = make_test_app(
        database_url,
        PORTAL_ENV="production",
        SECRET_KEY="S6xPLx7iZ-u587MJEV3u14AbKlMsy5UDLiLL4tnJm0o",
        BASE_URL="https://advocates.example.com",
    )
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output


def test_create_user_and_duplicate(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "Lee@Example.com",
            "--role",
            "manager",
            "--password",
            "a long passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User.role).where(User.email == "lee@example.com"))
            == "manager"
        )
    again = runner.invoke(
        args=[
            "create-user",
            "lee@example.com",
            "--role",
            "admin",
            "--password",
            "another passphrase",
        ]
    )
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert _count(app, User) == 1


def test_create_user_refuses_weak_password_and_bad_email(app, runner):
    weak = runner.invoke(args=["create-user", "a@example.com", "--password", "password123"])
    assert weak.exit_code == 1 and "too common" in weak.output
    bad = runner.invoke(args=["create-user", "not-an-email", "--password", "a long passphrase"])
    assert bad.exit_code == 1 and "not a valid email" in bad.output
    assert _count(app, User) == 0


def test_create_user_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-user", "prompted@example.com"], input="a long passphrase\na long passphrase\n"
    )
    assert result.exit_code == 0, result.output


def test_ledger_check_fails_on_a_tampered_standing(app, runner, make):
    advocate = make.advocate()
    make.points(advocate, 25)
    with app.app_context():
        db.session.execute(sa.update(Standing).values(points=26))
        db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "standing 26, ledger 25" in result.output
    assert runner.invoke(args=["ledger", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "PORTAL_ENV": "production",
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", "routes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Advocate Portal cannot start: SECRET_KEY must be set")
    assert "BASE_URL" in last_line
