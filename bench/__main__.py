"""Benchmark the production set-up: `python -m bench` (or bench/run.sh).

For each size (1,000 advocates and 20,000 ledger entries; 100,000 advocates
and 2,000,000 entries) it builds a PostgreSQL database with seed-bulk (kept
between runs unless --reseed), starts the portal as in production (gunicorn
with gunicorn.conf.py, PORTAL_ENV=production, a generated SECRET_KEY, an
https BASE_URL) and, under the same gunicorn settings, a bare Flask app with
a fixed JSON body. wrk then loads each page with 16 connections, as signed-in
advocates behind the TLS-ending proxy (X-Forwarded-Proto: https, which is
how production runs: the proxy ends TLS, ProxyFix trusts it, cookies are
Secure). Applications carry each person's session and CSRF token, each
(advocate, opportunity) pair once. Last, while the leaderboard is under
load, a manager awards points and the next leaderboard, dashboard and
points-history requests must show them, and be as fast as the rest.

A Markdown table per size is written to bench/results/ and printed.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.util
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
import redis
from sqlalchemy.engine import make_url

from bench import shortlist
from bench.load import Browser, Line, Result, run_wrk
from bench.servers import (
    ROOT,
    CpuMeter,
    Server,
    base_environment,
    start_gunicorn,
    wait_until_quiet,
)

SIZES = {"1k": (1_000, 20_000), "100k": (100_000, 2_000_000)}
OPPORTUNITIES = 500  # the same in both sizes: the advocates and the ledger grow
SEED = 2026
BULK_PASSWORD = "bulk-load-password-2026"
MANAGER_EMAIL = "manager@bulk.example"
RESULTS = ROOT / "bench" / "results"
READERS = 48  # signed-in advocates whose requests the GET pages rotate through
APPLICANTS = 60  # advocates who apply, each to many opportunities, each pair once
TARGET_P95_MS = 100
TARGET_RATIO = 0.15  # of the bare endpoint's throughput, every advocate page
TARGET_SIGNED_IN_RATIO = 0.35  # the signed-in /healthz: the fixed cost of a request
TARGET_PSS_MIB = 50  # per worker
TARGET_GROWTH = 1.5
DISTURBED_CORES = 0.15  # more CPU than this taken by other work: run the page again


# --- the database -----------------------------------------------------------


def _schema_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    digest.update((ROOT / "portal" / "bulk.py").read_bytes())
    return digest.hexdigest()[:12]


def build_database(server_url: str, size: str, reseed: bool, log) -> tuple[str, str]:
    """A database with the size's data; reused when it was built the same way. (url, how)"""
    advocates, entries = SIZES[size]
    fingerprint = _schema_fingerprint()
    # Named by the schema too: checkouts of other branches on the same server
    # keep their own databases instead of rebuilding each other's.
    name = f"portal_bench_{size}_{fingerprint}"
    marker = f"portal-bench {advocates} {entries} {OPPORTUNITIES} {SEED} {fingerprint}"
    server = make_url(server_url)
    admin = server.set(database="postgres").render_as_string(hide_password=False)
    url = server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        existing = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
        if existing and existing[0] == marker and not reseed:
            return url, "reused"
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {**base_environment(), "DATABASE_URL": url, "PORTAL_ENV": "development"}
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    log(f"seed-bulk --advocates {advocates} --ledger {entries} --opportunities {OPPORTUNITIES}")
    started = time.monotonic()
    subprocess.run(
        [
            *flask, "seed-bulk", "--advocates", str(advocates), "--ledger", str(entries),
            "--opportunities", str(OPPORTUNITIES), "--seed", str(SEED),
        ],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    # The program page's daily summaries, as the timed job keeps them in production.
    subprocess.run([*flask, "insight", "summarise"], env=env, cwd=ROOT, check=True)
    seeded = time.monotonic() - started
    with psycopg.connect(url, autocommit=True) as connection:
        # What autovacuum does to a live database: statistics and the visibility map.
        connection.execute("VACUUM ANALYZE")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    return url, f"seeded in {seeded:.0f}s"


@dataclass
class Picks:
    readers: list[tuple[int, str]]
    applicants: list[tuple[int, str]]
    awardee: tuple[int, str, str]  # id, email, name
    open_opportunities: list[int]  # unrestricted, upcoming, seats to spare
    detail_ids: list[int]
    public_ids: list[int]
    taken: set[tuple[int, int]]
    top_points: int
    industry: str  # the readers' own industry, region and company: filtered boards
    region: str
    account_id: int


def pick(url: str) -> Picks:
    rng_sql = "ORDER BY md5(u.id::text || 'bench')"  # stable, spread over the board
    people = """
        SELECT u.id, u.email, u.name FROM "user" u
        JOIN advocate_profile p ON p.user_id = u.id
        WHERE u.active AND u.role = 'advocate' AND p.onboarded_at IS NOT NULL
          AND p.show_on_leaderboard
    """
    with psycopg.connect(url) as connection:
        everyone = connection.execute(f"{people} {rng_sql} LIMIT %s", (READERS + APPLICANTS + 1,))
        everyone = everyone.fetchall()
        opportunities = [
            row[0]
            for row in connection.execute(
                """
                SELECT o.id FROM opportunity o
                WHERE o.state = 'published' AND o.application_deadline > now() + interval '1 day'
                  AND o.min_tier_id IS NULL AND o.seats - o.seats_taken >= %s
                  AND NOT EXISTS (SELECT FROM opportunity_industry WHERE opportunity_id = o.id)
                  AND NOT EXISTS (SELECT FROM opportunity_region WHERE opportunity_id = o.id)
                  AND NOT EXISTS (SELECT FROM opportunity_product WHERE opportunity_id = o.id)
                ORDER BY o.id
                """,
                (APPLICANTS + 10,),
            )
        ]
        detail_ids = [
            row[0]
            for row in connection.execute(
                "SELECT id FROM opportunity WHERE state = 'published' AND ends_at > now() "
                "ORDER BY id"
            )
        ]
        public_ids = [
            row[0]
            for row in connection.execute(
                """
                SELECT u.id FROM "user" u JOIN advocate_profile p ON p.user_id = u.id
                WHERE u.active AND u.role = 'advocate' AND EXISTS (
                    SELECT 1 FROM usage_consent c WHERE c.user_id = u.id
                    AND c.asset = 'name_title' AND c.channel = 'showcase' AND c.granted
                    AND (c.expires_on IS NULL OR c.expires_on >= current_date))
                ORDER BY md5(u.id::text || 'public') LIMIT 500
                """
            )
        ]
        applicant_ids = [row[0] for row in everyone[READERS : READERS + APPLICANTS]]
        taken = set(
            connection.execute(
                "SELECT advocate_id, opportunity_id FROM participation WHERE advocate_id = ANY(%s)",
                (applicant_ids,),
            ).fetchall()
        )
        top = connection.execute(
            "SELECT coalesce(max(points), 0) FROM standing WHERE period = 'all' AND visible"
        ).fetchone()[0]
        # The biggest industry, region and company on the board.
        biggest = {
            column: connection.execute(
                f"SELECT {column} FROM standing WHERE period = 'all' AND visible "
                f"AND {column} IS NOT NULL GROUP BY {column} ORDER BY count(*) DESC LIMIT 1"
            ).fetchone()[0]
            for column in ("industry", "region", "account_id")
        }
    return Picks(
        readers=[(row[0], row[1]) for row in everyone[:READERS]],
        applicants=[(row[0], row[1]) for row in everyone[READERS : READERS + APPLICANTS]],
        awardee=everyone[-1],
        open_opportunities=opportunities,
        detail_ids=detail_ids,
        public_ids=public_ids,
        taken=taken,
        top_points=top,
        industry=biggest["industry"],
        region=biggest["region"],
        account_id=biggest["account_id"],
    )


def page_paths(picks: Picks) -> dict[str, list[str]]:
    """The advocate pages the benchmark loads, each with the paths it rotates through."""
    return {
        # What any signed-in request costs before the page does anything.
        "portal /healthz, signed in": ["/healthz"],
        "opportunities list": ["/opportunities"],
        "one opportunity": [f"/opportunities/{i}" for i in picks.detail_ids],
        "dashboard": ["/dashboard"],
        "leaderboard, all time": ["/leaderboard"],
        "leaderboard, this quarter": ["/leaderboard?period=quarter"],
        "leaderboard, this month": ["/leaderboard?period=month"],
        "leaderboard, all time, page 10": ["/leaderboard?page=10"],
        "leaderboard, by industry": [f"/leaderboard?industry={picks.industry}"],
        "leaderboard, by region, this quarter": [
            f"/leaderboard?period=quarter&region={picks.region}"
        ],
        "leaderboard, by company": [f"/leaderboard?account={picks.account_id}"],
        "public profile": [f"/people/{i}" for i in picks.public_ids],
        "public showcase": ["/showcase"],
        "my referrals": ["/referrals"],
        "my consent grid": ["/profile/consent"],
        "your data page": ["/account/data"],
    }


# --- one size ---------------------------------------------------------------


@dataclass
class PageResult:
    page: str
    result: Result
    foreign_cores: float = 0.0  # CPU taken by anything else on the machine during the run


@dataclass
class Freshness:
    awards: int = 0
    fresh: int = 0
    leaderboard_ms: list[float] = field(default_factory=list)
    load: Result | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class SizeReport:
    size: str
    database: str
    pages: list[PageResult] = field(default_factory=list)
    bare: PageResult | None = None
    portal_memory: list[tuple[float, float]] = field(default_factory=list)  # (RSS, PSS)
    bare_memory: list[tuple[float, float]] = field(default_factory=list)
    freshness: Freshness | None = None
    shortlist: shortlist.ServiceTiming | None = None

    def note_memory(self, sizes: list[tuple[float, float]]) -> None:
        """Keep the highest RSS and PSS seen per worker slot."""
        if not self.portal_memory:
            self.portal_memory = list(sizes)
            return
        self.portal_memory = [
            (max(old[0], new[0]), max(old[1], new[1]))
            for old, new in zip(self.portal_memory, sizes, strict=False)
        ]


def _api_token(url: str) -> str:
    """A staff API token with every read scope and no practical rate limit (one per run)."""
    import portal.api  # noqa: F401  (its resource modules register their scopes)
    from portal.api.tokens import RESOURCES, hash_secret

    secret = "apt_" + secrets.token_urlsafe(32)
    scopes = json.dumps([f"{name}:read" for name in RESOURCES])
    with psycopg.connect(url) as connection:
        admin = connection.execute(
            "SELECT id FROM \"user\" WHERE role IN ('admin', 'manager') AND active "
            "ORDER BY role, id LIMIT 1"
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO api_token (user_id, name, prefix, secret_hash, scopes, allowed_networks, "
            "rate_limit, created_at) VALUES (%s, 'bench', %s, %s, %s, '[]', 100000000, now())",
            (admin, secret[:12], hash_secret(secret), scopes),
        )
    return secret


def api_pages(picks: Picks, database_url: str) -> dict[str, list[Line]]:
    """API reads, with a bearer token made for the run."""
    bearer = f"Bearer {_api_token(database_url)}"

    def calls(paths: list[str]) -> list[Line]:
        return [Line("GET", path, bearer, "127.0.0.1") for path in paths]

    readers = [advocate_id for advocate_id, _ in picks.readers]
    return {
        "API: advocates, first page of 50": calls(["/api/v1/advocates"]),
        "API: one advocate": calls([f"/api/v1/advocates/{i}" for i in readers]),
        "API: one advocate's ledger": calls(
            [f"/api/v1/ledger/entries?advocate_id={i}" for i in readers]
        ),
        "API: reference requests, first page of 50": calls(["/api/v1/reference-requests"]),
        "API: referrals, first page of 50": calls(["/api/v1/referrals"]),
        # The program page's figures (every family), as the page computes them.
        "API: program figures, this quarter": calls(["/api/v1/insight/program?period=quarter"]),
    }


def _sign_in_all(base_url: str, people: list[tuple[int, str]], first_octet: int) -> list[Browser]:
    def sign_in(index: int) -> Browser:
        browser = Browser(base_url, f"10.{first_octet}.{index // 250}.{index % 250 + 1}")
        browser.sign_in(people[index][1], BULK_PASSWORD)
        return browser

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(sign_in, range(len(people))))


def _apply_lines(picks: Picks, applicants: list[Browser]) -> list[Line]:
    """Each applicant to each open opportunity once, interleaved so that neighbours differ."""
    lines = []
    opportunities = picks.open_opportunities
    for round_number in range(len(opportunities)):
        for index, browser in enumerate(applicants):
            opportunity_id = opportunities[(round_number + index) % len(opportunities)]
            if (picks.applicants[index][0], opportunity_id) in picks.taken:
                continue
            lines.append(
                Line.form_post(f"/opportunities/{opportunity_id}/apply", browser, {"note": ""})
            )
    return lines


def _first_row(page: str) -> tuple[str, str]:
    name = re.search(r'<td class="board-name"[^>]*>([^<]*)', page)
    points = re.search(r'<td class="[^"]*\bboard-points\b[^"]*"[^>]*>([^<]*)', page)
    return (
        html.unescape(name.group(1)).strip() if name else "",
        points.group(1).strip() if points else "",
    )


def _freshness(portal: Server, picks: Picks, readers: list[Browser], args, work_dir) -> Freshness:
    """Award points while the leaderboard is under load; the next requests must show them."""
    outcome = Freshness()
    manager = Browser(portal.url, "10.99.0.1")
    manager.sign_in(MANAGER_EMAIL, BULK_PASSWORD)
    awardee_id, awardee_email, awardee_name = picks.awardee
    awardee = Browser(portal.url, "10.99.0.2")
    awardee.sign_in(awardee_email, BULK_PASSWORD)
    observer = Browser(portal.url, "10.99.0.3")
    observer.sign_in(picks.readers[0][1], BULK_PASSWORD)

    def award(points: int, reason: str) -> None:
        manager.get(f"/manage/advocates/{awardee_id}")
        response = manager.post(
            f"/manage/advocates/{awardee_id}/points",
            {"points": str(points), "reason": reason, "key": uuid.uuid4().hex},
        )
        if response.status_code != 302:
            raise RuntimeError(f"award failed: {response.status_code}")

    # To the top of the board first (awards are capped at 100,000 points each).
    total = int(re.sub(r"\D", "", awardee.get("/dashboard").text.split('points-all">')[1][:20]))
    needed = picks.top_points - total + 1000
    while needed > 0:
        award(min(needed, 100_000), "Benchmark: to the top")
        total += min(needed, 100_000)
        needed -= 100_000

    lines = [Line.page("/leaderboard", browser) for browser in readers]
    load_seconds = int(args.awards * args.award_interval + 6)
    loaded: dict[str, Result] = {}
    load = threading.Thread(
        target=lambda: loaded.setdefault(
            "result",
            run_wrk(
                portal.url, lines, work_dir, name="freshness", seconds=load_seconds,
                connections=args.connections, threads=args.wrk_threads,
            ),
        )
    )  # fmt: skip
    load.start()
    time.sleep(3)
    for number in range(args.awards):
        reason = f"Benchmark award {number + 1}"
        award(500, reason)
        total += 500
        started = time.perf_counter()
        board = observer.get("/leaderboard")
        outcome.leaderboard_ms.append((time.perf_counter() - started) * 1000)
        outcome.awards += 1
        name, points = _first_row(board.text)
        dashboard = awardee.get("/dashboard").text
        history = awardee.get("/points").text
        problems = []
        if (name, points) != (awardee_name, f"{total:,}"):
            problems.append(
                f"leaderboard top is {name} {points}, expected {awardee_name} {total:,}"
            )
        if f'data-testid="points-all">{total:,}<' not in dashboard:
            problems.append("dashboard total is stale")
        if reason not in history:
            problems.append("points history lacks the award")
        outcome.problems.extend(problems)
        outcome.fresh += not problems
        time.sleep(args.award_interval)
    load.join()
    outcome.load = loaded.get("result")
    return outcome


def portal_environment(database_url: str, log) -> dict[str, str]:
    """The production settings the portal runs with (Redis when there is one)."""
    env = base_environment()
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_URL="https://portal.bench",
        TRUSTED_PROXIES="1",
        DATABASE_URL=database_url,
        PROGRAM_TIMEZONE=os.environ.get("PROGRAM_TIMEZONE", "UTC"),
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
        env["REDIS_URL"] = redis_url
    except redis.RedisError:
        log(f"no Redis at {redis_url}: the portal runs without one")
    return env


def benchmark(size: str, database_url: str, how: str, args, log) -> SizeReport:
    report = SizeReport(size, how)
    work_dir = RESULTS / "work" / size
    env = portal_environment(database_url, log)
    bare = start_gunicorn(
        "bare", {**env, "PORTAL_WSGI_APP": "bench.bare:app"}, work_dir, ready_path="/"
    )
    wants_shortlist = not args.only or any("shortlist" in o for o in args.only)
    request_ids = shortlist.prepare(database_url, MANAGER_EMAIL) if wants_shortlist else []
    if request_ids:
        log(f"shortlist service: {len(request_ids)} requests, warm, timed in this process")
        report.shortlist = shortlist.time_service(database_url, request_ids)
        log(
            f"shortlist service: p50 {report.shortlist.p50_ms:.1f} ms, "
            f"p95 {report.shortlist.p95_ms:.1f} ms"
        )
    portal = start_gunicorn("portal", env, work_dir)
    try:
        picks = pick(database_url)
        log(f"signing in {READERS + APPLICANTS} advocates")
        readers = _sign_in_all(portal.url, picks.readers, 1)
        applicants = _sign_in_all(portal.url, picks.applicants, 2)
        first_open = picks.open_opportunities[0]
        for browser in applicants:  # a page with a form: the CSRF token of this session
            browser.get(f"/opportunities/{first_open}")

        manager = Browser(portal.url, "10.98.0.1")
        manager.sign_in(MANAGER_EMAIL, BULK_PASSWORD)

        def as_manager(paths: list[str]) -> list[Line]:
            return [Line.page(path, manager) for path in paths]

        def rotate(paths: list[str]) -> list[Line]:
            count = max(len(paths), len(readers))
            return [
                Line.page(paths[i % len(paths)], readers[i % len(readers)]) for i in range(count)
            ]

        pages = {name: rotate(paths) for name, paths in page_paths(picks).items()}
        if request_ids:
            manager = _sign_in_all(portal.url, [(0, MANAGER_EMAIL)], 3)[0]
            pages["reference shortlist (manager)"] = [
                Line.page(f"/references/{i}", manager) for i in request_ids
            ]
        # Staff: the program page (every figure), this quarter and this year.
        pages["program page, this quarter"] = as_manager(["/manage/insight/?period=quarter"])
        pages["program page, this year"] = as_manager(["/manage/insight/?period=year"])
        if args.only:
            pages = {k: v for k, v in pages.items() if any(o in k for o in args.only)}
        for name, lines in api_pages(picks, database_url).items():
            if not args.only or any(o in name for o in args.only):
                pages[name] = lines

        def measure(server: Server, name: str, lines: list[Line], once: bool = False) -> PageResult:
            if args.warmup and not once:
                run_wrk(
                    server.url, lines, work_dir, name="warmup", seconds=args.warmup,
                    connections=args.connections, threads=args.wrk_threads,
                )  # fmt: skip
            for attempt in range(1 + args.retries):
                wait_until_quiet(log, patience=args.patience)
                with CpuMeter([server], None if server is bare else database_url) as meter:
                    result = run_wrk(
                        server.url, lines, work_dir, name=re.sub(r"\W+", "-", name), once=once,
                        seconds=args.duration, connections=args.connections,
                        threads=args.wrk_threads,
                    )  # fmt: skip
                disturbed = meter.foreign_cores > DISTURBED_CORES
                log(
                    f"{name}: {result.per_second:.0f}/s p50 {result.p50_ms:.1f} "
                    f"p95 {result.p95_ms:.1f} p99 {result.p99_ms:.1f} ms"
                    + (f", {result.bad_status} bad status" if result.bad_status else "")
                    + f"; other work took {meter.foreign_cores:.2f} cores"
                    + (" (disturbed)" if disturbed else "")
                )
                # Applications can't be repeated: each pair applies once.
                if not disturbed or once or attempt == args.retries:
                    break
            return PageResult(name, result, meter.foreign_cores)

        report.bare = measure(bare, "bare JSON endpoint", [Line.page("/")])
        report.bare_memory = bare.worker_memory_mib()
        report.pages.append(
            measure(portal, "portal /healthz (no database)", [Line.page("/healthz")])
        )
        for name, lines in pages.items():
            report.pages.append(measure(portal, name, lines))
            report.note_memory(portal.worker_memory_mib())
        if not args.only or any("apply" in o for o in args.only):
            report.pages.append(
                measure(portal, "applying", _apply_lines(picks, applicants), once=True)
            )
        if args.awards:
            log(f"freshness: {args.awards} awards under leaderboard load")
            report.freshness = _freshness(portal, picks, readers, args, work_dir)
        report.note_memory(portal.worker_memory_mib())
    finally:
        portal.stop()
        bare.stop()
    return report


# --- reporting --------------------------------------------------------------


def _gunicorn_settings() -> str:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return (
        f"{conf.worker_class} workers: {conf.workers} x {conf.threads} threads, "
        f"keepalive {conf.keepalive}s, max_requests {conf.max_requests}"
        f"+{conf.max_requests_jitter}, preload {conf.preload_app}"
    )


def _machine(database_url: str) -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(database_url) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({model}), {int(memory) // 1024 // 1024} GiB, "
        f"PostgreSQL {version}, Python {platform.python_version()}; wrk, gunicorn and "
        "PostgreSQL share these cores"
    )


def render(report: SizeReport, args, database_url: str) -> str:
    advocates, entries = SIZES[report.size]
    bare = report.bare.result
    lines = [
        f"## {advocates:,} advocates, {entries:,} ledger entries",
        "",
        f"- {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; database {report.database}",
        f"- machine: {_machine(database_url)}",
        f"- gunicorn: {_gunicorn_settings()}",
        f"- load: wrk, {args.connections} connections, {args.wrk_threads} threads, "
        f"{args.duration}s per page after {args.warmup}s warm-up; signed-in advocates "
        "behind the proxy (X-Forwarded-Proto: https)",
        "",
        "| page | req/s | × bare | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, result: Result, ratio: str) -> str:
        errors = result.bad_status + result.socket_errors
        return (
            f"| {name} | {result.per_second:,.0f} | {ratio} | {result.p50_ms:.1f} | "
            f"{result.p95_ms:.1f} | {result.p99_ms:.1f} | {errors} |"
        )

    lines.append(row("bare Flask JSON endpoint", bare, "1.00"))
    for page in report.pages:
        ratio = page.result.per_second / bare.per_second if bare.per_second else 0
        lines.append(row(page.page, page.result, f"{ratio:.2f}"))

    def memory(sizes: list[tuple[float, float]]) -> str:
        return ", ".join(f"{rss:.0f}/{uss:.0f}" for rss, uss in sizes)

    runs = [report.bare, *report.pages]
    disturbed = [page.page for page in runs if page.foreign_cores > DISTURBED_CORES]
    worst = max(page.foreign_cores for page in runs)
    lines += [
        "",
        f"Worker memory, VmRSS/PSS in MiB (highest seen per worker): portal "
        f"{memory(report.portal_memory)}; bare {memory(report.bare_memory)}. PSS counts "
        "the pages shared with the master (preload) and the other workers in shares; "
        "VmRSS counts them in full in every worker.",
        f"Other work on the machine during the runs: at most {worst:.2f} cores"
        + (f"; disturbed even after reruns: {', '.join(disturbed)}." if disturbed else "."),
    ]
    if report.shortlist:
        timing = report.shortlist
        lines += [
            "",
            f"Reference shortlist, the service alone ({shortlist.REQUESTS} different requests, "
            f"{len(timing.calls_ms) // shortlist.REQUESTS} rounds after a warm-up, one process): "
            f"p50 {timing.p50_ms:.1f} ms, p95 {timing.p95_ms:.1f} ms, "
            f"max {max(timing.calls_ms):.1f} ms (target p95 < 200 ms); "
            f"{timing.candidates} candidates shown and {timing.left_out:,} left out per request.",
        ]
    fresh = report.freshness
    if fresh:
        lines += [
            "",
            f"Freshness: {fresh.fresh}/{fresh.awards} awards showed on the next leaderboard, "
            "dashboard and points-history requests. Next leaderboard request after an award: "
            f"median {statistics.median(fresh.leaderboard_ms):.1f} ms, "
            f"max {max(fresh.leaderboard_ms):.1f} ms; leaderboard under the same load: "
            + (
                f"p50 {fresh.load.p50_ms:.1f} ms, p95 {fresh.load.p95_ms:.1f} ms "
                f"({fresh.load.per_second:,.0f}/s)."
                if fresh.load
                else "not measured."
            ),
        ]
        lines += [f"- problem: {problem}" for problem in sorted(set(fresh.problems))]
    lines += ["", *_targets(report)]
    return "\n".join(lines) + "\n"


def _targets(report: SizeReport) -> list[str]:
    misses = []
    bare = report.bare.result
    for page in report.pages:
        result = page.result
        ratio = result.per_second / bare.per_second if bare.per_second else 0
        if page.page == "portal /healthz, signed in":
            if ratio < TARGET_SIGNED_IN_RATIO:
                misses.append(f"{page.page}: {ratio:.2f} of bare < {TARGET_SIGNED_IN_RATIO}")
            continue
        if "healthz" in page.page:  # a yardstick, not a page
            continue
        if result.p95_ms >= TARGET_P95_MS:
            misses.append(f"{page.page}: p95 {result.p95_ms:.0f} ms ≥ {TARGET_P95_MS} ms")
        if ratio < TARGET_RATIO:
            misses.append(
                f"{page.page}: {ratio:.2f} of the bare endpoint's throughput < {TARGET_RATIO}"
            )
        if result.bad_status or result.socket_errors:
            misses.append(f"{page.page}: {result.bad_status + result.socket_errors} errors")
    for _, pss in report.portal_memory:
        if pss >= TARGET_PSS_MIB:
            misses.append(f"a worker reached {pss:.0f} MiB PSS ≥ {TARGET_PSS_MIB} MiB")
    if not misses:
        return [
            f"Targets (p95 < {TARGET_P95_MS} ms, ≥ {TARGET_RATIO} of bare, signed-in /healthz "
            f"≥ {TARGET_SIGNED_IN_RATIO}, PSS < {TARGET_PSS_MIB} MiB): all met."
        ]
    return ["Targets missed:", *[f"- {miss}" for miss in misses]]


def render_growth(small: SizeReport, large: SizeReport) -> str:
    lines = [
        f"## Growth from {small.size} to {large.size} advocates (target: within {TARGET_GROWTH}×)",
        "",
        "| page | throughput small/large | p95 large/small | within |",
        "|---|---:|---:|---|",
    ]
    smaller = {page.page: page.result for page in small.pages}
    for page in large.pages:
        before = smaller.get(page.page)
        if before is None:
            continue
        slower = before.per_second / page.result.per_second if page.result.per_second else 0
        p95 = page.result.p95_ms / before.p95_ms if before.p95_ms else 0
        ok = "yes" if slower <= TARGET_GROWTH and p95 <= TARGET_GROWTH else "**no**"
        lines.append(f"| {page.page} | {slower:.2f} | {p95:.2f} | {ok} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server to create the benchmark databases on",
    )
    parser.add_argument("--reseed", action="store_true", help="rebuild the databases")
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--awards", type=int, default=10, help="awards in the freshness check")
    parser.add_argument("--award-interval", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", help="only pages whose name contains one of these")
    parser.add_argument(
        "--patience",
        type=float,
        default=600,
        help="seconds to wait before each page for other work on the machine to calm down",
    )
    parser.add_argument(
        "--retries", type=int, default=2, help="reruns of a page disturbed by other work"
    )
    args = parser.parse_args()

    def log(message: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    reports = {}
    for size in args.sizes:
        log(f"== {size}: database")
        url, how = build_database(args.server, size, args.reseed, log)
        log(f"== {size}: {how}; benchmarking")
        reports[size] = benchmark(size, url, how, args, log)
        text = render(reports[size], args, url)
        (RESULTS / f"{stamp}-{size}.md").write_text(text)
        print("\n" + text, flush=True)
    if len(reports) == 2:
        text = render_growth(reports["1k"], reports["100k"])
        (RESULTS / f"{stamp}-growth.md").write_text(text)
        print(text, flush=True)
    log(f"results in {RESULTS}")


if __name__ == "__main__":
    main()
