"""Time the program page in-process: every figure for each period, as a manager sees it.

    .venv/bin/python -m bench.insight postgresql://postgres@127.0.0.1/portal_bench_100k

Signs in the bulk loader's manager through the test client and loads
/manage/insight/ for each period `--runs` times (after one warm-up), then the
same figures through the API (/api/v1/insight/program) with a staff token, printing the
median and the slowest time of each and how many SQL statements it ran. The
figures must answer in under 300 ms at 100,000 advocates and 2,000,000 ledger
entries (`bench/run.sh` seeds that database).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import sqlalchemy as sa

from config import Config
from portal import create_app
from portal.extensions import db

MANAGER_EMAIL = "manager@bulk.example"
BULK_PASSWORD = "bulk-load-password-2026"
PATHS = [
    "/manage/insight/?period=month",
    "/manage/insight/?period=quarter",
    "/manage/insight/?period=year",
    "/manage/insight/?period=90d",
    "/manage/insight/qualified/by-owner.csv?period=quarter",
    # The same figures through the API (a staff token made for the run).
    "/api/v1/insight/program?period=quarter",
    "/api/v1/insight/program?period=year",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config = Config({"DATABASE_URL": args.database_url, "PORTAL_ENV": "development"})
    app = create_app(config)
    app.config["WTF_CSRF_ENABLED"] = False  # the sign-in below is the only form sent
    client = app.test_client()
    signed_in = client.post(
        "/auth/sign-in", data={"email": MANAGER_EMAIL, "password": BULK_PASSWORD}
    )
    if signed_in.status_code != 302:
        sys.exit(f"could not sign in as {MANAGER_EMAIL}: {signed_in.status_code}")
    with app.app_context():
        advocates = db.session.scalar(sa.text("SELECT count(*) FROM advocate_profile"))
        entries = db.session.scalar(sa.text("SELECT count(*) FROM points_entry"))
    print(f"{advocates:,} advocates, {entries:,} ledger entries; {args.runs} runs each\n")
    print("| page | median ms | slowest ms | SQL statements |")
    print("|---|---:|---:|---:|")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(*args) -> None:
        statements.append(args[2])

    from bench.__main__ import _api_token

    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_api_token(args.database_url)}"
    for path in PATHS:
        assert client.get(path).status_code == 200, path  # warm-up
        times = []
        for _ in range(args.runs):
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            sa.event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, path
        print(
            f"| `{path}` | {statistics.median(times):.0f} | {max(times):.0f} | {len(statements)} |"
        )


if __name__ == "__main__":
    main()
