#!/usr/bin/env bash
# Benchmark the production set-up at 1,000 and 100,000 advocates (see bench/__main__.py).
#
#   bench/run.sh                       both sizes (databases are kept between runs)
#   bench/run.sh --sizes 1k --reseed   one size, rebuilt
#   bench/run.sh --only dashboard      one page (name contains "dashboard")
#
# Needs PostgreSQL (BENCH_DATABASE_URL, default the local server, user postgres)
# and installs wrk from Debian when it is missing. Results: bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

apt_install wrk
ensure_virtualenv "test"
exec .venv/bin/python -m bench "$@"
