"""Command-line tools: `flask --app portal <command>`. Each wraps a service."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(ledger_group)
    app.cli.add_command(tiers_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(badges_group)
    app.cli.add_command(insight_group)
    app.cli.add_command(seed_bulk)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load demo data (companies, advocates, opportunities, a year of points)."""
    from portal import demo

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production.")
    counts = demo.seed_demo(progress=lambda message: click.echo(f"  loading {message}"))
    if not counts:
        click.echo("Demo data is already loaded; nothing changed.")
        return
    secret = demo.demo_api_token()
    db.session.commit()
    summary = ", ".join(f"{number} {what}" for what, number in counts.items())
    click.echo(f"Loaded demo data: {summary}.")
    click.echo(f"Sign in with any of {', '.join(demo.DEMO_LOGINS)} / {demo.DEMO_PASSWORD}")
    click.echo(f"API token of admin@example.com (shown once, every scope, 90 days): {secret}")


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["advocate", "manager", "requester", "admin"]),
    default="advocate",
    show_default=True,
)
@click.option("--name", help="Full name (defaults to the part of the email before @).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when not given.",
)
@with_appcontext
def create_user(email: str, role: str, name: str | None, password: str) -> None:
    """Create a user who can sign in with EMAIL and a password."""
    from portal.advocates.profiles import ensure_profile
    from portal.auth import services
    from portal.auth.models import Role
    from portal.db import utcnow
    from portal.errors import PortalError

    if not services.is_valid_email(email):
        raise click.ClickException(f"{email} is not a valid email address.")
    try:
        user = services.create_user(
            email, name or email.split("@")[0], Role(role), password=password
        )
        user.email_verified_at = utcnow()  # the operator vouches for the address
        if user.role == Role.ADVOCATE:
            ensure_profile(user)
    except PortalError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.role.label.lower()} {user.email}.")


ledger_group = AppGroup("ledger", help="Check or rebuild the standings kept from the ledger.")


@ledger_group.command("check")
def ledger_check() -> None:
    """Exit non-zero if any standing differs from the sum of its ledger entries."""
    from portal.recognition import ledger

    problems = list(ledger.mismatches())
    for advocate_id, period, standing, expected in problems[:50]:
        click.echo(f"advocate {advocate_id} {period}: standing {standing}, ledger {expected}")
    scores = ledger.score_mismatches()
    for period, points, kept, actual in scores[:50]:
        click.echo(f"score {points} in {period}: counted {kept}, shown advocates {actual}")
    if problems or scores:
        raise click.ClickException(
            f"{len(problems)} standings differ from the ledger and {len(scores)} score counts "
            "from the standings; run `flask ledger rebuild`."
        )
    click.echo(
        "Every standing equals the sum of its ledger entries, and every score count its standings."
    )


@ledger_group.command("rebuild")
def ledger_rebuild() -> None:
    """Recompute every standing from the ledger."""
    from portal.recognition import ledger

    written = ledger.rebuild_standings()
    db.session.commit()
    click.echo(f"Rebuilt {written} standings from the ledger.")


tiers_group = AppGroup("tiers", help="Tier housekeeping.")


@tiers_group.command("expire")
def tiers_expire() -> None:
    """Lapse tiers whose grace period is over (run daily; safe to repeat)."""
    from portal.recognition import tiers

    lapsed = tiers.expire_grace_periods()
    db.session.commit()
    click.echo(f"{lapsed} tier{'s' if lapsed != 1 else ''} lapsed.")


mail_group = AppGroup("mail", help="Deliver the outbox.")


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep running: jobs and delivery every --interval.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--batch", default=50, show_default=True, help="Messages per SMTP session.")
@click.option(
    "--now",
    "waiting_now",
    is_flag=True,
    help="First make mail that waits for its next try due now (after an outage is fixed).",
)
def mail_send(loop: bool, interval: float, batch: int, waiting_now: bool) -> None:
    """Run the timed jobs, then deliver what is due (once, or as a worker with --loop)."""
    from portal.mail.delivery import send_waiting_now
    from portal.mail.worker import Worker

    if waiting_now:
        count = send_waiting_now()
        db.session.commit()
        click.echo(f"{count} waiting message{'s' if count != 1 else ''} due now.")
    worker = Worker(batch=batch)
    if not loop:
        outcome = worker.run_once()
        click.echo(f"Sent {outcome.sent}, retrying {outcome.retrying}, failed {outcome.failed}.")
        return
    worker.run_forever(interval)


jobs_group = AppGroup("jobs", help="Timed work (reminders, digests, tier grace periods).")


@jobs_group.command("run")
def jobs_run() -> None:
    """Run every timed job once (for cron; `mail send --loop` already does this)."""
    from portal.jobs.runner import run_due

    for name, count in run_due().items():
        click.echo(f"{name}: {'failed (see the log)' if count < 0 else count}")


insight_group = AppGroup("insight", help="The program page's daily summaries.")


@insight_group.command("summarise")
@click.option("--all", "everything", is_flag=True, help="Every day back to 400 days ago.")
def insight_summarise(everything: bool) -> None:
    """Take the summaries now: the standard periods' snapshots and the points sums (a bench,
    or after loading history); with --all, every missing day too (slow on big programs)."""
    from portal.db import utcnow
    from portal.insight import summaries

    now = utcnow()
    taken = summaries.catch_up(now) if everything else summaries.take_summaries(now)
    click.echo(f"{taken} snapshots and sums taken.")


badges_group = AppGroup("badges", help="Badges.")


@badges_group.command("recompute")
@click.option("--badge", "slug", help="Only this badge (its slug); all active badges by default.")
def badges_recompute(slug: str | None) -> None:
    """Award every earned badge that is missing, e.g. after adding or changing one.

    Safe to repeat: a badge is awarded once per advocate.
    """
    import sqlalchemy as sa

    from portal.recognition import badges
    from portal.recognition.models import Badge

    selected = None
    if slug:
        badge = db.session.scalar(sa.select(Badge).where(Badge.slug == slug))
        if badge is None:
            raise click.ClickException(f"No badge with the slug {slug}.")
        selected = [badge]
    added = badges.recompute(selected)
    db.session.commit()
    click.echo(f"Awarded {added} badge{'s' if added != 1 else ''}.")


@click.command("seed-bulk")
@click.option("--advocates", type=click.IntRange(min=1), required=True, help="How many advocates.")
@click.option(
    "--ledger", type=click.IntRange(min=0), required=True, help="How many ledger entries."
)
@click.option("--opportunities", type=click.IntRange(min=1), help="Default: grows with advocates.")
@click.option("--accounts", type=click.IntRange(min=1), help="Default: one per 40 advocates.")
@click.option(
    "--asks", type=click.IntRange(min=0), help="Past reference asks. Default: 5 per advocate."
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
@click.option("--force", is_flag=True, help="Run even with PORTAL_ENV=production.")
@with_appcontext
def seed_bulk(
    advocates: int,
    ledger: int,
    opportunities: int | None,
    accounts: int | None,
    asks: int | None,
    seed: int,
    force: bool,
) -> None:
    """Fill the database with synthetic data fast, for benchmarks (COPY on PostgreSQL)."""
    from portal import bulk
    from portal.errors import PortalError

    if current_app.config["PORTAL_ENV"] == "production" and not force:
        raise click.ClickException("seed-bulk refuses to run in production without --force.")
    plan = bulk.BulkPlan(advocates, ledger, opportunities, accounts, seed, asks=asks)
    try:
        result = bulk.seed_bulk(plan, log=click.echo)
    except PortalError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    summary = ", ".join(f"{number:,} {table}" for table, number in sorted(result.counts.items()))
    click.echo(f"Loaded in {result.seconds:.1f}s: {summary}.")
    click.echo(f"Advocates sign in with the password {bulk.BULK_PASSWORD}.")
