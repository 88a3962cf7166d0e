"""Synthetic data at scale, for benchmarks and query-plan tests (`flask seed-bulk`).

Unlike the demo, which goes through the services row by row, this writes
whole tables at once: PostgreSQL `COPY` (a few hundred thousand rows a
second), or `executemany` on SQLite. Everything the services would have kept
consistent is computed here the same way, so the result obeys the invariants:

- each Standing equals the sum of its ledger entries per advocate and period
  (all time, quarter, month, in the program's time zone: `ledger check` passes),
  and `visible` means "shown on leaderboards and active";
- `seats_taken` equals the approved and completed participations, never more
  than the seats; each participation award has the key `participation:<id>`;
- tiers follow their events: everyone onboarded joined the entry tier, and an
  advocate whose all-time points reach a tier became eligible and, mostly,
  opted in; `current_tier_id` is the highest tier opted into.

Advocates sign in with BULK_PASSWORD (one hash, computed once). The data is
random but reproducible: the same sizes and seed give the same rows.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from portal import clock
from portal.advocates.models import Industry, Region, SizeBand
from portal.auth.passwords import hash_password
from portal.db import utcnow
from portal.demo import FIRST_NAMES, LAST_NAMES, OPPORTUNITY_IDEAS, PLACES, PRODUCTS, TITLES
from portal.errors import PortalError
from portal.extensions import db
from portal.opportunities.models import ApprovalMode, OpportunityState, OpportunityType
from portal.recognition import ledger
from portal.recognition.models import PointsSource, TierEventKind

BULK_DOMAIN = "bulk.example"
BULK_PASSWORD = "bulk-load-password-2026"
MANAGER_EMAIL = f"manager@{BULK_DOMAIN}"

MANUAL_REASONS = [
    ("Answered questions in the community forum", 25),
    ("Hosted a customer meetup", 100),
    ("Wrote a guest blog post", 75),
    ("Helped test the new onboarding", 50),
    ("Referred a peer to the program", 40),
    ("Posted a product review", 40),
    ("Spoke to a prospect on a reference call", 60),
    ("Shared a tip in the newsletter", 20),
]
ACCOUNT_WORDS = (
    "Northwind Harbor Bluebell Ironclad Civic Maple Quanta Lumen Solstice Relay Swift Keystone "
    "Silverline Cedar Pinecrest Forge Meridian Summit Vertex Aurora Tidal Signal Cargo Granite "
    "Orchid Evergreen Lattice Anvil Beacon Horizon Nimbus Prism Windward Waveform Compass"
).split()
ACCOUNT_SUFFIXES = "Bank Health Retail Works Services Labs Systems Energy Group Partners".split()


class AlreadyLoaded(PortalError):
    pass


@dataclass(frozen=True)
class BulkPlan:
    advocates: int
    ledger: int
    opportunities: int | None = None  # default: grows with the advocates
    accounts: int | None = None
    seed: int = 2026

    @property
    def opportunity_count(self) -> int:
        if self.opportunities is not None:
            return self.opportunities
        return max(40, self.advocates // 250)

    @property
    def account_count(self) -> int:
        if self.accounts is not None:
            return self.accounts
        return max(12, self.advocates // 40)


@dataclass
class BulkResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- writing whole tables ---------------------------------------------------


class _TableWriter:
    """Appends rows to tables inside the session's transaction, as fast as the backend allows."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.is_postgresql = self.connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, table_name: str, columns: list[str], rows: Iterable[tuple]) -> None:
        table = db.metadata.tables[table_name]
        if self.is_postgresql:
            self._copy(table, columns, rows)
        else:
            self._insert(table, columns, rows)

    def _copy(self, table: sa.Table, columns: list[str], rows: Iterable[tuple]) -> None:
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        # COPY takes JSON as its text; SQLAlchemy's JSON type does this on SQLite.
        json_columns = [
            index for index, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)
        ]
        written = 0
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for index in json_columns:
                            row[index] = json.dumps(row[index])
                    copy.write_row(row)
                    written += 1
        self.counts[table.name] += written

    def _insert(self, table: sa.Table, columns: list[str], rows: Iterable[tuple]) -> None:
        batch: list[dict] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == 5000:
                self.connection.execute(table.insert(), batch)
                self.counts[table.name] += len(batch)
                batch = []
        if batch:
            self.connection.execute(table.insert(), batch)
            self.counts[table.name] += len(batch)

    def next_id(self, table_name: str) -> int:
        table = db.metadata.tables[table_name]
        return (self.connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here, then refresh statistics."""
        if not self.is_postgresql:
            return
        for table_name in self.counts:
            table = db.metadata.tables[table_name]
            if "id" not in table.c or not table.c.id.primary_key:
                continue
            self.connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table_name}\"', 'id'), "
                    f'(SELECT coalesce(max(id), 0) + 1 FROM "{table_name}"), false)'
                )
            )
        for table_name in self.counts:
            self.connection.execute(sa.text(f'ANALYZE "{table_name}"'))


def _skip_row_triggers_if_allowed(writer: _TableWriter) -> None:
    # The rows are consistent by construction, so a superuser can skip the
    # per-row foreign-key triggers (as pg_restore --disable-triggers does);
    # for the current transaction only. Others load with every check on.
    if not writer.is_postgresql:
        return
    is_superuser = writer.connection.scalar(
        sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    )
    if is_superuser:
        writer.connection.execute(sa.text("SET LOCAL session_replication_role = replica"))


# --- the load ---------------------------------------------------------------


def _as_utc_day(day: date, hour: int, tz) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)


@dataclass
class _Opportunity:
    id: int
    type: OpportunityType
    title: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    points: int
    mode: ApprovalMode
    state: OpportunityState
    is_past: bool
    min_tier_id: int | None = None
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    seats_taken: int = 0


class _Loader:
    def __init__(self, plan: BulkPlan, now: datetime, log: Callable[[str], None]) -> None:
        self.plan = plan
        self.now = now
        self.log = log
        self.rng = random.Random(plan.seed)
        self.tz = clock.program_tz()
        self.writer = _TableWriter()

    # Each step writes its tables and keeps only what later steps need.

    def run(self) -> dict[str, int]:
        if self.writer.connection.scalar(
            sa.select(sa.func.count())
            .select_from(db.metadata.tables["user"])
            .where(db.metadata.tables["user"].c.email == MANAGER_EMAIL)
        ):
            raise AlreadyLoaded("Bulk data is already loaded here: use an empty database.")
        _skip_row_triggers_if_allowed(self.writer)
        self.tiers = self._tiers()
        self.password_hash = hash_password(BULK_PASSWORD)
        self._step("products", self._products)
        self._step("people", self._people)
        self._step("accounts and jobs", self._accounts_and_jobs)
        self._step("opportunities", self._opportunities)
        self._step("participations", self._participations)
        self._step("ledger and standings", self._ledger)
        self._step("tiers", self._tier_state)
        self._step("profiles", self._profiles)
        self._step("unread counts", self._unread_counts)
        self._step("statistics", self.writer.finish)
        return dict(self.writer.counts)

    def _unread_counts(self) -> None:
        """The count kept on each user (notifications.services keeps it afterwards)."""
        self.writer.connection.execute(
            sa.text(
                'UPDATE "user" SET unread_notifications = counts.unread FROM '
                "(SELECT user_id, count(*) AS unread FROM notification "
                "WHERE read_at IS NULL GROUP BY user_id) AS counts "
                'WHERE counts.user_id = "user".id'
            )
        )

    def _step(self, name: str, work: Callable[[], None]) -> None:
        started = time.perf_counter()
        work()
        self.log(f"  {name}: {time.perf_counter() - started:.1f}s")

    def _tiers(self) -> list[tuple[int, int, int, bool]]:
        tier = db.metadata.tables["tier"]
        return [
            tuple(row)
            for row in self.writer.connection.execute(
                sa.select(
                    tier.c.id, tier.c.position, tier.c.threshold, tier.c.invitation_only
                ).order_by(tier.c.position)
            )
        ]

    def _products(self) -> None:
        product = db.metadata.tables["product"]
        existing = dict(
            self.writer.connection.execute(sa.select(product.c.name, product.c.id)).all()
        )
        missing = [name for name in PRODUCTS if name not in existing]
        first = self.writer.next_id("product")
        rows = [(first + i, name, True) for i, name in enumerate(missing)]
        self.writer.write("product", ["id", "name", "active"], rows)
        self.product_ids = [*existing.values(), *(row[0] for row in rows)]

    def _people(self) -> None:
        """The manager who posts and awards, and the advocates (their profiles come later)."""
        rng, plan = self.rng, self.plan
        first_id = self.writer.next_id("user")
        self.manager_id = first_id
        self.advocate_ids = list(range(first_id + 1, first_id + 1 + plan.advocates))
        joined_span = 730 * 24 * 3600
        active, shown, onboarded = {}, {}, {}

        def users() -> Iterator[tuple]:
            long_ago = self.now - timedelta(days=800)
            yield (
                self.manager_id, MANAGER_EMAIL, "Morgan Bulk-Manager", "manager", True,
                self.password_hash, None, long_ago, None, None, long_ago,
            )  # fmt: skip
            for number, user_id in enumerate(self.advocate_ids):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                initial = chr(65 + rng.randrange(26))
                email_name = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
                is_active = rng.random() >= 0.02
                active[user_id] = is_active
                created = self.now - timedelta(seconds=rng.randrange(joined_span))
                yield (
                    user_id, f"{email_name}.{number}@{BULK_DOMAIN}", f"{first} {initial}. {last}",
                    "advocate", is_active, self.password_hash, None, created, None,
                    None if is_active else created + timedelta(days=30), created,
                )  # fmt: skip

        self.writer.write(
            "user",
            [
                "id", "email", "name", "role", "active", "password_hash", "timezone",
                "created_at", "last_sign_in_at", "deactivated_at", "email_verified_at",
            ],
            users(),
        )  # fmt: skip

        # Profiles are written last, once the points say which tier each one is in.
        self.profile_rows: list[tuple] = []
        for user_id in self.advocate_ids:
            is_onboarded = rng.random() >= 0.03
            onboarded[user_id] = (
                self.now - timedelta(days=rng.randint(30, 700)) if is_onboarded else None
            )
            shown[user_id] = rng.random() < 0.85
            area = rng.choice(["analytics", "platform", "security", "CRM", "operations"])
            self.profile_rows.append(
                (
                    user_id,
                    f"Leads {area} work; has used our products for {rng.randint(1, 9)} years.",
                    rng.choice([2, 3, 3, 4, 6]),
                    None,
                    shown[user_id],
                    rng.random() < 0.4,
                    onboarded[user_id],
                )
            )
        self.active, self.shown, self.onboarded = active, shown, onboarded

    def _profiles(self) -> None:
        rng = self.rng
        self.writer.write(
            "advocate_profile",
            [
                "user_id", "bio", "max_asks_per_quarter", "quiet_until", "show_on_leaderboard",
                "public_profile", "onboarded_at", "current_tier_id",
            ],
            ((*row, self.current_tier.get(row[0])) for row in self.profile_rows),
        )  # fmt: skip
        types = [t.value for t in OpportunityType]

        def open_types() -> Iterator[tuple]:
            for user_id in self.advocate_ids:
                closed = set(rng.sample(types, rng.choice([0, 0, 1, 2, 3])))
                for kind in types:
                    if kind not in closed:
                        yield (user_id, kind)

        self.writer.write("advocate_open_type", ["user_id", "type"], open_types())

        def products() -> Iterator[tuple]:
            for user_id in self.advocate_ids:
                for product_id in rng.sample(self.product_ids, rng.randint(1, 3)):
                    yield (user_id, product_id)

        self.writer.write("advocate_product", ["user_id", "product_id"], products())

    def _accounts_and_jobs(self) -> None:
        rng, plan = self.rng, self.plan
        first_id = self.writer.next_id("account")
        industries, regions, sizes = list(Industry), list(Region), list(SizeBand)
        self.account_ids = list(range(first_id, first_id + plan.account_count))
        # What standings copy: each account's industry and region, each person's job.
        self.account_details: dict[int, tuple[str, str]] = {}
        self.current_account: dict[int, int] = {}

        def accounts() -> Iterator[tuple]:
            for number, account_id in enumerate(self.account_ids):
                word = ACCOUNT_WORDS[number % len(ACCOUNT_WORDS)]
                suffix = ACCOUNT_SUFFIXES[(number // len(ACCOUNT_WORDS)) % len(ACCOUNT_SUFFIXES)]
                industry = industries[number % len(industries)].value
                region = regions[(number * 7) % len(regions)].value
                self.account_details[account_id] = (industry, region)
                yield (
                    account_id, f"{word} {suffix} {number + 1}", industry, region,
                    rng.choice(sizes).value, self.manager_id, f"BULK-{number + 1}",
                    self.now - timedelta(days=rng.randint(400, 1500)),
                )  # fmt: skip

        self.writer.write(
            "account",
            ["id", "name", "industry", "region", "size_band", "owner_id", "crm_id", "created_at"],
            accounts(),
        )
        today = self.now.astimezone(self.tz).date()
        first_job = self.writer.next_id("employment")

        def jobs() -> Iterator[tuple]:
            job_id = first_job
            for user_id in self.advocate_ids:
                started = today - timedelta(days=rng.randint(60, 3000))
                if rng.random() < 0.1:  # moved company once: the old job stays as history
                    yield (
                        job_id, user_id, rng.choice(self.account_ids), rng.choice(TITLES),
                        started - timedelta(days=rng.randint(400, 2000)), started,
                    )  # fmt: skip
                    job_id += 1
                account_id = rng.choice(self.account_ids)
                self.current_account[user_id] = account_id
                yield (job_id, user_id, account_id, rng.choice(TITLES), started, None)
                job_id += 1

        self.writer.write(
            "employment",
            ["id", "user_id", "account_id", "title", "started_on", "ended_on"],
            jobs(),
        )

    def _opportunities(self) -> None:
        """60% in the past year (where points came from), 40% upcoming with seats to spare."""
        rng, plan = self.rng, self.plan
        count = plan.opportunity_count
        past_count = max(1, count * 3 // 5)
        first_id = self.writer.next_id("opportunity")
        # Enough completed seats for a quarter of the ledger to come from opportunities.
        participation_entries = plan.ledger // 4
        past_seats = max(3, min(plan.advocates, -(-participation_entries // past_count)))
        upcoming_seats = max(200, min(10_000, plan.advocates // 10))
        tier_ids = {position: tier_id for tier_id, position, _, _ in self.tiers}
        kinds = list(OpportunityType)
        points = {kind: _default_points(kind) for kind in kinds}
        self.opportunities: list[_Opportunity] = []
        for number in range(count):
            kind = kinds[number % len(kinds)]
            is_past = number < past_count
            offset = -rng.randint(3, 360) if is_past else rng.randint(7, 90)
            day = (self.now + timedelta(days=offset)).astimezone(self.tz).date()
            starts_at = _as_utc_day(day, rng.choice([9, 10, 14, 16]), self.tz)
            hours = 72 if kind in (OpportunityType.EVENT, OpportunityType.BETA) else 2
            titles = OPPORTUNITY_IDEAS[kind]
            opportunity = _Opportunity(
                id=first_id + number,
                type=kind,
                title=f"{titles[number % len(titles)]} #{number + 1}",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                seats=past_seats if is_past else upcoming_seats,
                points=points[kind],
                mode=ApprovalMode.FIRST_COME if number % 2 else ApprovalMode.REVIEW,
                state=OpportunityState.CLOSED if is_past else OpportunityState.PUBLISHED,
                is_past=is_past,
            )
            # Most upcoming ones are open to everyone; some have eligibility rules.
            if not is_past and number % 5 == 0:
                rule = (number // 5) % 4
                if rule == 0 and 2 in tier_ids:
                    opportunity.min_tier_id = tier_ids[2]
                elif rule == 1:
                    opportunity.industries = [rng.choice(list(Industry)).value]
                elif rule == 2:
                    opportunity.regions = [rng.choice(list(Region)).value]
                else:
                    opportunity.product_ids = [rng.choice(self.product_ids)]
            self.opportunities.append(opportunity)

    def _participations(self) -> None:
        """Past: completed (a few no-shows); upcoming: applications, approvals, declines."""
        rng = self.rng
        eligible = [a for a in self.advocate_ids if self.active[a] and self.onboarded[a]]
        first_id = self.writer.next_id("participation")
        # A quarter of the ledger comes from completed participations.
        budget = self.plan.ledger // 4
        self.completed: list[tuple[int, int, _Opportunity]] = []  # (participation, advocate, opp)
        rows: list[tuple] = []
        next_id = first_id
        for opportunity in self.opportunities:
            if opportunity.is_past:
                wanted = min(opportunity.seats, budget - len(self.completed))
            else:
                wanted = rng.randint(5, 40)
            people = rng.sample(eligible, max(0, min(len(eligible), wanted)))
            for advocate_id in people:
                applied_at = opportunity.starts_at - timedelta(days=rng.randint(5, 30))
                applied_at = min(applied_at, self.now - timedelta(hours=1))
                decided_at = waitlisted_at = completed_at = None
                if opportunity.is_past:
                    status = "completed" if rng.random() < 0.95 else "no_show"
                    decided_at = applied_at + timedelta(days=1)
                    if status == "completed":
                        completed_at = opportunity.ends_at
                        opportunity.seats_taken += 1
                        self.completed.append((next_id, advocate_id, opportunity))
                elif opportunity.mode == ApprovalMode.FIRST_COME:
                    status = "approved"
                    decided_at = applied_at
                    opportunity.seats_taken += 1
                else:
                    status = rng.choice(["applied", "applied", "approved", "declined"])
                    if status != "applied":
                        decided_at = applied_at + timedelta(days=1)
                    if status == "approved":
                        opportunity.seats_taken += 1
                rows.append(
                    (
                        next_id, opportunity.id, advocate_id, status, "", "", None, applied_at,
                        decided_at or applied_at, waitlisted_at, decided_at,
                        self.manager_id if decided_at else None, completed_at,
                    )
                )  # fmt: skip
                next_id += 1
        self._write_opportunities()
        self.writer.write(
            "participation",
            [
                "id", "opportunity_id", "advocate_id", "status", "note", "manager_message",
                "ask_id", "created_at", "updated_at", "waitlisted_at", "decided_at",
                "decided_by_id", "completed_at",
            ],
            rows,
        )  # fmt: skip

    def _write_opportunities(self) -> None:
        rng = self.rng
        description = (
            "## What it is\n\nA session with peers and our product team.\n\n"
            "## What we ask\n\n- About an hour to prepare\n- Your honest experience\n"
        )

        def rows() -> Iterator[tuple]:
            for o in self.opportunities:
                is_online = o.type not in (OpportunityType.EVENT, OpportunityType.ADVISORY_BOARD)
                created = o.starts_at - timedelta(days=45)
                yield (
                    o.id, o.type.value, o.title, f"{o.type.label} for customers who share.",
                    description, o.starts_at, o.ends_at, self.tz.key, is_online,
                    "Online (video call)" if is_online else rng.choice(PLACES), o.seats,
                    o.seats_taken, o.starts_at - timedelta(days=2), o.min_tier_id, o.points,
                    o.mode.value, o.state.value, self.manager_id, created, created,
                    created + timedelta(days=1),
                )  # fmt: skip

        self.writer.write(
            "opportunity",
            [
                "id", "type", "title", "summary", "description", "starts_at", "ends_at",
                "timezone", "is_online", "location", "seats", "seats_taken",
                "application_deadline", "min_tier_id", "points", "approval_mode", "state",
                "created_by_id", "created_at", "updated_at", "published_at",
            ],
            rows(),
        )  # fmt: skip
        self.writer.write(
            "opportunity_industry",
            ["opportunity_id", "industry"],
            ((o.id, value) for o in self.opportunities for value in o.industries),
        )
        self.writer.write(
            "opportunity_region",
            ["opportunity_id", "region"],
            ((o.id, value) for o in self.opportunities for value in o.regions),
        )
        self.writer.write(
            "opportunity_product",
            ["opportunity_id", "product_id"],
            ((o.id, value) for o in self.opportunities for value in o.product_ids),
        )

    def _ledger(self) -> None:
        """Participation awards, then manual awards (a few reversed) up to --ledger entries."""
        rng, plan = self.rng, self.plan
        first_id = self.writer.next_id("points_entry")
        # Activity is skewed: a few advocates earn much, many a little, some nothing.
        earners = [a for a in self.advocate_ids if self.onboarded[a]]
        rng.shuffle(earners)
        earners = earners[: max(1, len(earners) * 9 // 10)]
        # How active each earner is: log-normal, so the busiest earn tens of
        # times the median, as in real programs, without one taking it all.
        activity = list(itertools.accumulate(rng.lognormvariate(0, 1) for _ in earners))
        picks: list[int] = []
        sums: dict[tuple[int, str], int] = defaultdict(int)
        tz = self.tz
        year = 365 * 24 * 3600
        notifications: list[tuple] = []
        manual_count = plan.ledger - len(self.completed)

        def entries() -> Iterator[tuple]:
            entry_id = first_id
            for participation_id, advocate_id, opportunity in self.completed:
                at = min(opportunity.ends_at + timedelta(hours=rng.randint(1, 48)), self.now)
                for period in clock.period_keys(at, tz):
                    sums[(advocate_id, period)] += opportunity.points
                notifications.append((advocate_id, opportunity, at))
                yield (
                    entry_id, advocate_id, opportunity.points, PointsSource.PARTICIPATION.value,
                    participation_id, opportunity.title[:200], self.manager_id,
                    ledger.participation_key(participation_id), None, at,
                )  # fmt: skip
                entry_id += 1
            remaining = manual_count
            while remaining > 0:
                if not picks:
                    picks.extend(rng.choices(earners, cum_weights=activity, k=10_000))
                advocate_id = picks.pop()
                reason, points = rng.choice(MANUAL_REASONS)
                at = self.now - timedelta(seconds=rng.randrange(year))
                for period in clock.period_keys(at, tz):
                    sums[(advocate_id, period)] += points
                key = ledger.manual_key(self.manager_id, f"bulk-{entry_id}")
                yield (
                    entry_id, advocate_id, points, PointsSource.MANUAL.value, None, reason,
                    self.manager_id, key, None, at,
                )  # fmt: skip
                remaining -= 1
                original = entry_id
                entry_id += 1
                if remaining > 0 and rng.random() < 0.005:  # a mistake, corrected later
                    later = min(at + timedelta(days=rng.randint(0, 10)), self.now)
                    for period in clock.period_keys(later, tz):
                        sums[(advocate_id, period)] -= points
                    key = ledger.reversal_key(original)
                    yield (
                        entry_id, advocate_id, -points, PointsSource.CORRECTION.value, None,
                        f"Correction: {reason}"[:200], self.manager_id, key, original, later,
                    )  # fmt: skip
                    remaining -= 1
                    entry_id += 1

        self.writer.write(
            "points_entry",
            [
                "id", "advocate_id", "points", "source", "source_id", "reason", "awarded_by_id",
                "award_key", "corrects_id", "created_at",
            ],
            entries(),
        )  # fmt: skip
        visible = {
            a for a in self.advocate_ids if self.shown[a] and self.active[a]
        }  # ledger.is_visible

        def standings() -> Iterator[tuple]:
            for (a, period), points in sums.items():
                account_id = self.current_account.get(a)
                industry, region = self.account_details.get(account_id, (None, None))
                yield (a, period, points, a in visible, account_id, industry, region)

        self.writer.write(
            "standing",
            ["advocate_id", "period", "points", "visible", "account_id", "industry", "region"],
            standings(),
        )
        scores: dict[tuple[str, int], int] = defaultdict(int)
        for (a, period), points in sums.items():
            if a in visible:
                scores[(period, points)] += 1
        self.writer.write(
            "standing_score",
            ["period", "points", "advocates"],
            ((period, points, count) for (period, points), count in scores.items()),
        )
        self.all_time = {a: points for (a, period), points in sums.items() if period == "all"}
        recent = self.now - timedelta(days=14)
        self.writer.write(
            "notification",
            ["user_id", "kind", "message", "endpoint", "endpoint_args", "created_at", "read_at"],
            (
                (
                    advocate_id,
                    "participation_completed",
                    f"Thank you for “{o.title}”! {o.points:,} points were added.",
                    "main.dashboard",
                    {},
                    at,
                    None if at > recent else at + timedelta(days=1),
                )  # fmt: skip
                for advocate_id, o, at in notifications
            ),
        )

    def _tier_state(self) -> None:
        """Events replayed by recognition.tiers give the same current tier as stored here."""
        rng = self.rng
        first_id = self.writer.next_id("tier_event")
        entry_tiers = [t for t in self.tiers if t[2] == 0 and not t[3]]
        entry_tier = min(entry_tiers, key=lambda t: t[1]) if entry_tiers else None
        open_tiers = [t for t in self.tiers if t[2] > 0 and not t[3]]
        current: dict[int, int] = {}

        def events() -> Iterator[tuple]:
            event_id = first_id
            for advocate_id in self.advocate_ids:
                at = self.onboarded[advocate_id]
                if at is None:
                    continue
                if entry_tier is not None:
                    yield (event_id, advocate_id, entry_tier[0], "opted_in", at, None)
                    event_id += 1
                    current[advocate_id] = entry_tier[0]
                points = self.all_time.get(advocate_id, 0)
                for tier_id, _, threshold, _ in open_tiers:
                    if points < threshold:
                        break
                    at = max(at, self.now - timedelta(days=rng.randint(1, 90)))
                    yield (event_id, advocate_id, tier_id, TierEventKind.ELIGIBLE.value, at, None)
                    event_id += 1
                    if rng.random() < 0.8:
                        at = min(at + timedelta(hours=rng.randint(1, 48)), self.now)
                        yield (
                            event_id, advocate_id, tier_id, TierEventKind.OPTED_IN.value, at, None
                        )  # fmt: skip
                        event_id += 1
                        current[advocate_id] = tier_id

        self.writer.write(
            "tier_event", ["id", "advocate_id", "tier_id", "kind", "at", "by_id"], events()
        )
        self.current_tier = current


def _default_points(kind: OpportunityType) -> int:
    from portal.settings import get_setting

    return int(get_setting("default_points", {}).get(kind.value, 100))


def seed_bulk(plan: BulkPlan, *, log: Callable[[str], None] = lambda _: None) -> BulkResult:
    """Load synthetic data of the planned size into the session's transaction (not committed).

    Raises AlreadyLoaded when this database already has bulk data.
    """
    if plan.advocates < 1 or plan.ledger < 0:
        raise PortalError("Ask for at least one advocate and no negative ledger size.")
    started = time.perf_counter()
    counts = _Loader(plan, utcnow(), log).run()
    return BulkResult(counts=counts, seconds=time.perf_counter() - started)
