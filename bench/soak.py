"""The soak run: `python -m bench.soak` (30 minutes of mixed load on the production set-up).

The portal runs as `python -m bench` starts it (gunicorn with gunicorn.conf.py,
production settings, behind the pretend proxy) on a benchmark database
(`--size`). wrk sends every advocate page of the benchmark in turn, as the
signed-in readers, at `--connections` connections, in rounds of `--round`
seconds, while a manager awards points every `--award-every` seconds (each
award must show on the next leaderboard request) and people sign in and out.
Workers recycle after max_requests as in production.

It fails (exit status 1) on any worker that died of a signal or exited with
an error, on any failed request (a status of 400 or more, or a socket
error), and on any award missing from the next leaderboard. The gunicorn log
is kept in bench/results/work/soak/ (faulthandler writes a dying worker's
Python stacks there). A line per round shows throughput, latency, the
workers' memory (PSS) and the deaths so far.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
import uuid
from datetime import datetime

from bench.__main__ import (
    BULK_PASSWORD,
    MANAGER_EMAIL,
    RESULTS,
    SIZES,
    _first_row,
    _sign_in_all,
    build_database,
    page_paths,
    pick,
    portal_environment,
)
from bench.load import Browser, Line, run_wrk
from bench.servers import start_gunicorn

# What gunicorn's master writes when a worker dies rather than exits cleanly.
_DEATH = re.compile(r"Worker \(pid:\d+\) (was sent|exited with code)")


def _deaths(log_text: str) -> list[str]:
    found = []
    for line in log_text.splitlines():
        try:
            message = json.loads(line).get("message", "")
        except ValueError:
            message = line  # faulthandler's dump is plain text
        if _DEATH.search(message) or message.startswith("Fatal Python error"):
            found.append(message)
    return found


class Awards(threading.Thread):
    """A manager awarding points now and then; the next leaderboard must show each."""

    def __init__(self, url: str, picks, every: float) -> None:
        super().__init__(name="awards", daemon=True)
        self.every = every
        self.stopping = threading.Event()
        self.awards = self.fresh = 0
        self.problems: list[str] = []
        self.manager = Browser(url, "10.99.0.1")
        self.manager.sign_in(MANAGER_EMAIL, BULK_PASSWORD)
        self.awardee_id, self.awardee_email, self.awardee_name = picks.awardee
        self.observer = Browser(url, "10.99.0.3")
        self.observer.sign_in(picks.readers[0][1], BULK_PASSWORD)
        self.total = picks.top_points + 1000  # reached by the first award

    def run(self) -> None:
        first = True
        while not self.stopping.wait(0 if first else self.every):
            try:
                self._award(first)
            except Exception as error:  # noqa: BLE001 - reported, the soak goes on
                self.problems.append(f"award failed: {error}")
            first = False

    def _award(self, first: bool) -> None:
        if first:  # to the top of the board, then 500 at a time
            awardee = Browser(self.manager.base_url, "10.99.0.2")
            awardee.sign_in(self.awardee_email, BULK_PASSWORD)
            page = awardee.get("/dashboard").text
            now = int(re.sub(r"\D", "", page.split('points-all">')[1][:20]))
            needed = self.total - now
            while needed > 0:
                self._post(min(needed, 100_000))
                needed -= 100_000
        else:
            self._post(500)
            self.total += 500
        name, points = _first_row(self.observer.get("/leaderboard").text)
        if (name, points) == (self.awardee_name, f"{self.total:,}"):
            self.fresh += 1
        else:
            self.problems.append(f"leaderboard showed {name} {points} after an award")
        self.awards += 1

    def _post(self, points: int) -> None:
        self.manager.get(f"/manage/advocates/{self.awardee_id}")
        response = self.manager.post(
            f"/manage/advocates/{self.awardee_id}/points",
            {"points": str(points), "reason": "Soak award", "key": uuid.uuid4().hex},
        )
        if response.status_code != 302:
            raise RuntimeError(f"status {response.status_code}")


class Churn(threading.Thread):
    """People signing in and out: sessions start and end under the load."""

    def __init__(self, url: str, people: list[tuple[int, str]], every: float) -> None:
        super().__init__(name="churn", daemon=True)
        self.url, self.people, self.every = url, people, every
        self.stopping = threading.Event()
        self.cycles = 0
        self.problems: list[str] = []

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            _, email = self.people[self.cycles % len(self.people)]
            try:
                browser = Browser(self.url, f"10.98.0.{self.cycles % 250 + 1}")
                browser.sign_in(email, BULK_PASSWORD)
                if browser.get("/dashboard").status_code != 200:
                    self.problems.append("dashboard after sign-in failed")
                browser.post("/auth/sign-out", {})
                if browser.get("/dashboard").status_code != 302:
                    self.problems.append("a signed-out session still worked")
            except Exception as error:  # noqa: BLE001
                self.problems.append(f"sign-in cycle failed: {error}")
            self.cycles += 1


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=list(SIZES), default="1k")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--round", type=int, default=60, help="seconds of wrk per line printed")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--award-every", type=float, default=5.0)
    parser.add_argument("--churn-every", type=float, default=2.0)
    parser.add_argument(
        "--max-requests",
        type=int,
        help="recycle workers this often instead of gunicorn.conf.py's (more new connections)",
    )
    parser.add_argument(
        "--gssencmode",
        choices=["disable", "prefer"],
        help="libpq's GSSAPI negotiation for the portal's connections (the portal disables it)",
    )
    args = parser.parse_args()

    def log(message: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)

    url, how = build_database(args.server, args.size, False, log)
    log(f"database {args.size}: {how}")
    work_dir = RESULTS / "work" / "soak"
    env = portal_environment(url, log)
    if args.gssencmode:
        env["DATABASE_URL"] = f"{url}?gssencmode={args.gssencmode}"
    if args.max_requests:
        env["GUNICORN_CMD_ARGS"] = f"--max-requests {args.max_requests} --max-requests-jitter 20"
    portal = start_gunicorn("portal", env, work_dir)
    started = time.monotonic()
    totals = {"requests": 0, "failed": 0}
    try:
        picks = pick(url)
        readers = _sign_in_all(portal.url, picks.readers, 1)
        lines = []
        for paths in page_paths(picks).values():
            lines += [Line.page(path, readers[n % len(readers)]) for n, path in enumerate(paths)]
        lines.sort(key=lambda line: hash(line) % 1000)  # pages interleaved
        awards = Awards(portal.url, picks, args.award_every)
        churn = Churn(portal.url, picks.applicants, args.churn_every)
        awards.start()
        churn.start()
        deadline = started + args.minutes * 60
        while time.monotonic() < deadline:
            seconds = int(min(args.round, max(deadline - time.monotonic(), 1)))
            result = run_wrk(
                portal.url, lines, work_dir, name="soak", seconds=seconds,
                connections=args.connections, threads=2,
            )  # fmt: skip
            failed = result.bad_status + result.socket_errors
            totals["requests"] += result.requests
            totals["failed"] += failed
            memory = ", ".join(f"{pss:.0f}" for _, pss in portal.worker_memory_mib())
            deaths = _deaths(portal.log_path.read_text())
            log(
                f"{(time.monotonic() - started) / 60:.1f} min: {result.per_second:.0f}/s "
                f"p95 {result.p95_ms:.0f} ms, {failed} failed; workers' PSS {memory} MiB; "
                f"awards {awards.fresh}/{awards.awards} fresh; sign-in cycles {churn.cycles}; "
                f"worker deaths {len(deaths)}"
            )
        awards.stopping.set()
        churn.stopping.set()
        awards.join(30)
        churn.join(30)
    finally:
        portal.stop()
    deaths = _deaths(portal.log_path.read_text())
    problems = awards.problems + churn.problems
    minutes = (time.monotonic() - started) / 60
    summary = (
        f"Soak, {args.size}, {minutes:.0f} minutes"
        + (f", gssencmode={args.gssencmode}" if args.gssencmode else "")
        + (f", max_requests {args.max_requests}" if args.max_requests else "")
        + f": {totals['requests']:,} requests, "
        f"{totals['failed']} failed; {len(deaths)} worker deaths; "
        f"{awards.fresh}/{awards.awards} awards fresh on the next leaderboard; "
        f"{churn.cycles} sign-in/sign-out cycles"
    )
    lines = [summary, *[f"- death: {death}" for death in deaths]]
    lines += [f"- problem: {problem}" for problem in sorted(set(problems))]
    text = "\n".join(lines) + "\n"
    (RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-soak-{args.size}.md").write_text(text)
    print(text, flush=True)
    sys.exit(1 if deaths or totals["failed"] or problems else 0)


if __name__ == "__main__":
    main()
