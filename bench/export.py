"""Time a streamed CSV export on a benchmark database: `python -m bench.export --size 100k`.

The export runs through the portal's own functions (the same SELECT, batches
and CSV writing as /manage/exports/<kind>.csv), discarding the text as a
client would receive it, and reports rows per second and the process's
memory before and at its peak: a streamed export holds a batch, not the file.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from bench.__main__ import SIZES, build_database
from bench.profile import make_app


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.export", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=list(SIZES), default="1k")
    parser.add_argument("--kind", default="ledger")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/"),
    )
    parser.add_argument("--database-url", help="an existing database instead of --size")
    args = parser.parse_args()
    url = args.database_url or build_database(args.server, args.size, False, print)[0]
    app = make_app(url)
    from portal.transfer import exports

    export = exports.EXPORTS[args.kind]
    with app.test_request_context(f"/manage/exports/{args.kind}.csv"):
        statement, _ = export.build()
        before = peak = rss_mib()
        started = time.perf_counter()
        size = rows = 0
        for chunk in exports.csv_chunks(export.header, exports.stream_rows(statement)):
            size += len(chunk.encode())
            rows += chunk.count("\n")
            peak = max(peak, rss_mib())
        took = time.perf_counter() - started
    rows -= 1  # the header
    print(
        f"{args.kind}: {rows:,} rows, {size / 1e6:.0f} MB of CSV in {took:.1f} s "
        f"({rows / took:,.0f} rows/s); memory {before:.0f} MiB before, {peak:.0f} MiB at peak "
        f"(max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
