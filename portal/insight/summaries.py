"""Summaries the program page reads instead of scanning years of rows.

Two kinds, both kept by the timed job `take_summaries` (part of `jobs run`):

- **Qualified advocates per account, per day** (`QualifiedSnapshot`): how many
  active advocates of each account were qualified at 00:00 (program time) of
  that day. A distinct count over a year-long window can't be summed from days,
  so each day is a snapshot; the page shows it "as of" that moment. Days the
  job hasn't reached yet are counted live (exact, slower).
- **The standard periods' costly figures, per day** (`InsightSnapshot`,
  "<figure>:<kind>", registered with `@snapshotted`): active advocates (a
  distinct count too), the participation funnel and tier movement of this
  month, quarter, year and 90 days as they stood at 00:00, and of the previous
  period of each. Custom ranges are counted live. Trend lines (completions,
  asks) keep their weeks or months up to 00:00 here and count only today from
  the rows (`figures.kept_trend`).
- **Points per day and source** (`PointsDay`): sums of the append-only ledger
  for closed days. A period sums its whole days from here and reads only its
  partial first and last day from the ledger itself.

Changing the qualification rule drops the snapshots; the job takes them again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db import dialect_insert, utcnow
from portal.extensions import db
from portal.insight.periods import KINDS, Window, start_of_day, window
from portal.jobs.models import JobRun
from portal.recognition.models import PointsEntry
from portal.settings import get_setting, set_setting

SNAPSHOT_JOB = "qualified snapshot"
POINTS_THROUGH = "insight_points_days_through"  # setting: the last summed day (ISO date)
BACKFILL_DAYS = 400  # snapshots kept for custom ranges back this far
PER_RUN = 10  # snapshots taken per run beyond the standard periods' (each is one query)


class QualifiedSnapshot(db.Model):
    __tablename__ = "qualified_snapshot"

    day: Mapped[date] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), primary_key=True)
    advocates: Mapped[int]


class InsightSnapshot(db.Model):
    """A figure as it stood at 00:00 (program time) of `day`, kept as JSON."""

    __tablename__ = "insight_snapshot"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON)


class PointsDay(db.Model):
    __tablename__ = "points_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    points: Mapped[int]
    entries: Mapped[int]


# --- qualified advocates ------------------------------------------------------


def _snapshot_taken(day: date) -> datetime | None:
    run = db.session.get(JobRun, (SNAPSHOT_JOB, day.isoformat()))
    return run.finished_at if run else None


def qualified_at(at: datetime, account_id: int | None = None) -> tuple[dict, datetime]:
    """Account id → qualified advocates at `at`, and the moment the figure is true for.

    From the snapshot of `at`'s day (true at its 00:00) when the job took it,
    else counted live at `at`.
    """
    from portal.insight import qualified

    day = clock.local(at).date()
    if _snapshot_taken(day) is not None:
        rows = db.session.execute(
            sa.select(QualifiedSnapshot.account_id, QualifiedSnapshot.advocates).where(
                QualifiedSnapshot.day == day,
                sa.true() if account_id is None else QualifiedSnapshot.account_id == account_id,
            )
        ).all()
        return dict(rows), start_of_day(day)
    return qualified.qualified_per_account(at, qualified.rule(), account_id), at


def _take_snapshot(day: date) -> int:
    from portal.insight import qualified

    counts = qualified.qualified_per_account(start_of_day(day), qualified.rule())
    rows = [{"day": day, "account_id": k, "advocates": v} for k, v in counts.items() if k]
    if rows:
        db.session.execute(
            dialect_insert(QualifiedSnapshot.__table__)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["day", "account_id"])
        )
    db.session.execute(
        dialect_insert(JobRun.__table__)
        .values(name=SNAPSHOT_JOB, period=day.isoformat(), finished_at=utcnow(), items=len(rows))
        .on_conflict_do_nothing(index_elements=["name", "period"])
    )
    db.session.commit()
    return 1


# Figures of the standard periods kept as they stood at 00:00: name → how to count a
# period (a JSON-able value). Modules register theirs with `@snapshotted(name)`.
SNAPSHOTTED: dict[str, Callable[[Window], Any]] = {}


def snapshotted(name: str) -> Callable:
    def register(count: Callable[[Window], Any]) -> Callable[[Window], Any]:
        SNAPSHOTTED[name] = count
        return count

    return register


def this_and_previous(name: str, span: Window) -> tuple[Any, Any, datetime | None]:
    """A registered figure for a period and its previous one: from the job's snapshot at
    00:00 today for a standard period (with that moment), else counted now (None)."""
    count = SNAPSHOTTED[name]
    if span.kind in KINDS and span.kind != "custom":
        day = clock.local(span.ends_at).date()
        row = db.session.get(InsightSnapshot, (day, f"{name}:{span.kind}"))
        if row is not None:
            return row.value["this"], row.value["previous"], start_of_day(day)
    return count(span), count(span.previous), None


def this_only(name: str, span: Window) -> tuple[Any, datetime | None]:
    """A registered figure for a standard period as the job kept it at 00:00 today, and
    that moment; (None, None) for a custom range or before the job took it."""
    if span.kind in KINDS and span.kind != "custom":
        day = clock.local(span.ends_at).date()
        row = db.session.get(InsightSnapshot, (day, f"{name}:{span.kind}"))
        if row is not None:
            return row.value["this"], start_of_day(day)
    return None, None


def _take_period_snapshots(day: date) -> int:
    taken = 0
    for name, count in SNAPSHOTTED.items():
        for kind in KINDS:
            key = f"{name}:{kind}"
            if kind == "custom" or db.session.get(InsightSnapshot, (day, key)):
                continue
            span = window(kind, now=start_of_day(day))
            value = {"this": count(span), "previous": count(span.previous)}
            db.session.execute(
                dialect_insert(InsightSnapshot.__table__)
                .values(day=day, name=key, value=value)
                .on_conflict_do_nothing(index_elements=["day", "name"])
            )
            db.session.commit()
            taken += 1
    return taken


def drop_snapshots() -> None:
    """Forget every snapshot (the rule changed); the job takes them again."""
    db.session.execute(sa.delete(QualifiedSnapshot))
    db.session.execute(sa.delete(JobRun).where(JobRun.name == SNAPSHOT_JOB))


def snapshot_days(now: datetime) -> list[date]:
    """The days whose snapshots the standard periods read first (today, and where this
    month, quarter, year and 90 days start), then older days, newest first."""
    today = clock.local(now).date()
    first = [today] + [
        clock.local(window(kind, now=now).starts_at).date() for kind in KINDS if kind != "custom"
    ]
    rest = [today - timedelta(days=n) for n in range(1, BACKFILL_DAYS)]
    return list(dict.fromkeys(first + rest))


# --- points per day -------------------------------------------------------------


def _days_through() -> date | None:
    value = get_setting(POINTS_THROUGH)
    return date.fromisoformat(value) if isinstance(value, str) else None


def _sum_points_days(first: date, last: date) -> None:
    """Sum the ledger into PointsDay for the days first … last (closed days)."""
    start, end = start_of_day(first), start_of_day(last + timedelta(days=1))
    rows = db.session.execute(
        sa.select(PointsEntry.created_at, PointsEntry.source, PointsEntry.points).where(
            PointsEntry.created_at >= start, PointsEntry.created_at < end
        )
    ).yield_per(10_000)
    sums: dict[tuple[date, str], list[int]] = {}
    tz = clock.program_tz()
    for created_at, source, points in rows:
        cell = sums.setdefault((clock.local(created_at, tz).date(), str(source)), [0, 0])
        cell[0] += points
        cell[1] += 1
    db.session.execute(sa.delete(PointsDay).where(PointsDay.day >= first, PointsDay.day <= last))
    if sums:
        db.session.execute(
            sa.insert(PointsDay),
            [{"day": d, "source": s, "points": p, "entries": n} for (d, s), (p, n) in sums.items()],
        )


def take_summaries(now: datetime) -> int:
    """The timed job: missing snapshots (a few per run) and yesterday's points sums."""
    done = _take_period_snapshots(clock.local(now).date())
    # Today's and the standard periods' first days always; older days while the run is short.
    budget = len(KINDS) + (0 if done else PER_RUN)
    for day in snapshot_days(now):
        if budget <= 0:
            break
        if _snapshot_taken(day) is None:
            done += _take_snapshot(day)
            budget -= 1
    yesterday = clock.local(now).date() - timedelta(days=1)
    through = _days_through()
    if through is None or through < yesterday:
        first_entry = db.session.scalar(sa.select(sa.func.min(PointsEntry.created_at)))
        if first_entry is not None:
            first = through + timedelta(days=1) if through else clock.local(first_entry).date()
            _sum_points_days(first, yesterday)
        set_setting(POINTS_THROUGH, yesterday.isoformat())
        db.session.commit()
        done += 1
    return done


def is_summed(start: datetime, end: datetime) -> bool:
    """Whether [start, end) holds a whole day that PointsDay has summed."""
    through = _days_through()
    if through is None:
        return False
    first_day = clock.local(start).date()
    if start_of_day(first_day) < start:
        first_day += timedelta(days=1)
    return first_day <= through and start_of_day(first_day + timedelta(days=1)) <= end


def catch_up(now: datetime) -> int:
    """Run the job until every snapshot of the last BACKFILL_DAYS and every points sum exists."""
    total = 0
    while taken := take_summaries(now):
        total += taken
    return total


def points_sums(
    start: datetime, end: datetime, buckets: list[tuple[str, datetime, datetime]] | None = None
) -> dict:
    """Points and entries per source in [start, end): whole summed days from PointsDay, the
    rest (at most a day at each end) from the ledger. With `buckets`, per bucket label
    instead of per source (only when `is_summed`: the parts read from the ledger are then
    at most a day each)."""
    through = _days_through()
    tz = clock.program_tz()
    first_day = clock.local(start, tz).date()
    if start_of_day(first_day) < start:
        first_day += timedelta(days=1)
    last_day = clock.local(end, tz).date()  # the day holding `end`: read from the ledger
    if through is not None:
        last_day = min(last_day, through + timedelta(days=1))
    summed = through is not None and first_day < last_day
    middle = (start_of_day(first_day), start_of_day(last_day)) if summed else (end, end)
    parts = [(start, end)]
    if summed:
        # The partial first day, then each day the job hasn't summed yet (today, usually).
        parts = [(start, middle[0])]
        day = last_day
        while start_of_day(day) < end:
            parts.append((start_of_day(day), min(start_of_day(day + timedelta(days=1)), end)))
            day += timedelta(days=1)

    def key_of(moment_or_day) -> str | None:
        if buckets is None:
            return None
        moment = (
            start_of_day(moment_or_day) if isinstance(moment_or_day, date) and not isinstance(
                moment_or_day, datetime) else moment_or_day
        )  # fmt: skip
        return next((label for label, s, e in buckets if s <= moment < e), None)

    totals: dict[str, list[int]] = {}

    def add(key: str | None, points: int, entries: int) -> None:
        cell = totals.setdefault(key, [0, 0])
        cell[0] += int(points or 0)
        cell[1] += int(entries or 0)

    by_day = buckets is not None
    if summed:
        columns = [PointsDay.day] if by_day else []
        for row in db.session.execute(
            sa.select(*columns, PointsDay.source, sa.func.sum(PointsDay.points),
                      sa.func.sum(PointsDay.entries))
            .where(PointsDay.day >= first_day, PointsDay.day < last_day)
            .group_by(*columns, PointsDay.source)
        ):  # fmt: skip
            add(key_of(row[0]) if by_day else str(row[0]), *row[-2:])
    for part_start, part_end in parts:
        if part_start >= part_end:
            continue
        if by_day:
            # A part lies within one day, so within one bucket (buckets are whole days).
            points, entries = db.session.execute(
                sa.select(sa.func.sum(PointsEntry.points), sa.func.count()).where(
                    PointsEntry.created_at >= part_start, PointsEntry.created_at < part_end
                )
            ).one()
            add(key_of(part_start), points, entries)
        else:
            for source, points, entries in db.session.execute(
                sa.select(PointsEntry.source, sa.func.sum(PointsEntry.points), sa.func.count())
                .where(PointsEntry.created_at >= part_start, PointsEntry.created_at < part_end)
                .group_by(PointsEntry.source)
            ):
                add(str(source), points, entries)
    return {key: tuple(value) for key, value in totals.items()}
