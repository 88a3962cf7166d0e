"""Where each page's time goes: `python -m bench.profile` (in one process, no HTTP).

For each advocate page of the benchmark, on the same database (`--size`,
built by seed-bulk as `python -m bench` builds it), the portal is created as
in production and each page is requested `--requests` times by signed-in
advocates through Flask's test client. Every request is split into:

- session check: Flask-Login's user loader (its query included);
- SQL: each statement's time from execute to the last row fetched, which is
  the round trip plus the database's work (count per request too);
- template: Jinja rendering, without the SQL it triggers;
- the rest: Flask, middleware, the view's own Python and the ORM turning
  rows into objects.

Figures are the median per request in milliseconds of wall time in this
process, and its CPU time ("CPU": what the page costs a worker, whatever
else the machine is doing; the database's own work is not in it). `--cprofile NAME` also writes a
cProfile of the pages whose name contains NAME to bench/results/.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import secrets
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import before_render_template, template_rendered
from sqlalchemy import event

from bench.__main__ import (
    BULK_PASSWORD,
    RESULTS,
    SIZES,
    build_database,
    page_paths,
    pick,
)
from bench.load import _CSRF_INPUT, _VALUE, PUBLIC_HOST, USER_AGENT


@dataclass
class Split:
    """Time of one request, in seconds, by where it went."""

    total: float = 0.0
    cpu: float = 0.0  # this process's CPU time: what the page costs a worker
    session: float = 0.0
    sql: float = 0.0
    sql_in_session: float = 0.0
    sql_in_template: float = 0.0
    template: float = 0.0
    statements: int = 0


@dataclass
class PageProfile:
    name: str
    splits: list[Split] = field(default_factory=list)

    def median(self, part: str) -> float:
        return statistics.median(getattr(s, part) for s in self.splits) * 1000


class Meter:
    """Listens to the engine, the templates and the user loader of one app."""

    def __init__(self, app, engine) -> None:
        self.current: Split | None = None
        self._in_session = False
        self._template_started: float | None = None
        self._statement_started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "after_cursor_execute", self._after_execute)
        before_render_template.connect(self._render_starts, app)
        template_rendered.connect(self._render_ends, app)

    def _before_execute(self, conn, cursor, statement, parameters, context, executemany):
        self._statement_started[id(cursor)] = time.perf_counter()

    def _after_execute(self, conn, cursor, statement, parameters, context, executemany):
        started = self._statement_started.pop(id(cursor), None)
        if self.current is None or started is None:
            return
        spent = time.perf_counter() - started
        self.current.sql += spent
        self.current.statements += 1
        if self._in_session:
            self.current.sql_in_session += spent
        if self._template_started is not None:
            self.current.sql_in_template += spent

    def _render_starts(self, sender, template, context, **extra):
        self._template_started = time.perf_counter()

    def _render_ends(self, sender, template, context, **extra):
        if self.current is not None and self._template_started is not None:
            self.current.template += time.perf_counter() - self._template_started
        self._template_started = None

    def wrap_user_loader(self, login_manager) -> None:
        load = login_manager._user_callback

        def timed(token):
            self._in_session = True
            started = time.perf_counter()
            try:
                return load(token)
            finally:
                if self.current is not None:
                    self.current.session += time.perf_counter() - started
                self._in_session = False

        login_manager._user_callback = timed


def make_app(database_url: str):
    os.environ.update(
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_URL="https://portal.bench",
        TRUSTED_PROXIES="1",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    from portal import create_app

    return create_app()


def sign_in(app, email: str, number: int):
    """A test client behind the TLS-ending proxy, as the benchmark's browsers are."""
    client = app.test_client()
    client.environ_base.update(
        {
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_X_FORWARDED_FOR": f"10.1.0.{number + 1}",
            "HTTP_X_FORWARDED_HOST": PUBLIC_HOST,
            "HTTP_REFERER": f"https://{PUBLIC_HOST}/",
            "HTTP_USER_AGENT": USER_AGENT,
        }
    )
    page = client.get("/auth/sign-in").get_data(as_text=True)
    token = _VALUE.search(_CSRF_INPUT.search(page).group(0)).group(1)
    response = client.post(
        "/auth/sign-in", data={"email": email, "password": BULK_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"could not sign in {email}: {response.status_code}")
    return client


def profile_page(app, meter: Meter, clients, name: str, paths: list[str], requests: int):
    result = PageProfile(name)
    for number in range(requests + 5):
        client = clients[number % len(clients)]
        path = paths[number % len(paths)]
        split = Split()
        meter.current = split
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        split.total = time.perf_counter() - started
        split.cpu = time.process_time() - cpu_started
        meter.current = None
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        if number >= 5:  # the first few warm caches and the pool
            result.splits.append(split)
    return result


def render(profiles: list[PageProfile], size: str, requests: int) -> str:
    lines = [
        f"# Where the time goes, {size} ({datetime.now():%Y-%m-%d %H:%M}, "
        f"median of {requests} requests, ms)",
        "",
        "| page | total | CPU | session check | SQL (statements) | template | Flask, view, ORM |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in profiles:
        sql = p.median("sql")
        template = p.median("template") - p.median("sql_in_template")
        rest = (
            p.median("total") - sql - template - (p.median("session") - p.median("sql_in_session"))
        )
        statements = statistics.median(s.statements for s in p.splits)
        lines.append(
            f"| {p.name} | {p.median('total'):.2f} | {p.median('cpu'):.2f} | "
            f"{p.median('session'):.2f} | "
            f"{sql:.2f} ({statements:.0f}) | {template:.2f} | {max(rest, 0):.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=list(SIZES), default="1k")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/"),
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", nargs="*", help="only pages whose name contains one of these")
    parser.add_argument("--cprofile", help="write a cProfile of the pages whose name has this")
    args = parser.parse_args()

    url, how = build_database(args.server, args.size, False, print)
    print(f"database {args.size}: {how}")
    picks = pick(url)
    app = make_app(url)
    from portal.extensions import db, login_manager

    with app.app_context():
        meter = Meter(app, db.engine)
    meter.wrap_user_loader(login_manager)
    clients = [sign_in(app, email, n) for n, (_, email) in enumerate(picks.readers[:8])]
    pages = page_paths(picks)
    if args.only:
        pages = {k: v for k, v in pages.items() if any(o in k for o in args.only)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    profiles = []
    for name, paths in pages.items():
        profiler = cProfile.Profile() if args.cprofile and args.cprofile in name else None
        if profiler:
            profiler.enable()
        profiles.append(profile_page(app, meter, clients, name, paths, args.requests))
        if profiler:
            profiler.disable()
            slug = re.sub(r"\W+", "-", name)
            target = RESULTS / f"profile-{slug}.pstats"
            profiler.dump_stats(target)
            print(f"cProfile of {name}: {target}")
    text = render(profiles, args.size, args.requests)
    (RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-profile-{args.size}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
