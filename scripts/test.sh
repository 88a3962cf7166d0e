#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite on SQLite and on PostgreSQL.
#
#   scripts/test.sh                 everything (what CI runs)
#   scripts/test.sh tests/auth -x   extra arguments go to both pytest runs
#
# PostgreSQL: TEST_DATABASE_URL names a server (default: the local one on
# 127.0.0.1:5432, user postgres). If none answers, a throwaway cluster is
# started for this run; a fresh database is created on it either way.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

apt_install chromium
ensure_virtualenv "test"

# --- PostgreSQL --------------------------------------------------------------
export PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
pg_answers() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}
THROWAWAY=""
stop_throwaway() {
  if [ -n "$THROWAWAY" ]; then
    run_as_pg "$PG_BIN/pg_ctl -D $THROWAWAY/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$THROWAWAY"
  fi
}
run_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}
if ! pg_answers "$PG_URL"; then
  echo "No PostgreSQL at $PG_URL: starting a throwaway cluster for this run."
  apt_install postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  THROWAWAY=$(mktemp -d /tmp/portal-pg.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres "$THROWAWAY"
  trap stop_throwaway EXIT
  PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run_as_pg "$PG_BIN/initdb -D $THROWAWAY/data -U postgres -A trust --no-sync" >/dev/null
  run_as_pg "$PG_BIN/pg_ctl -D $THROWAWAY/data -w -l $THROWAWAY/log -o \"-c listen_addresses=127.0.0.1 -p $PORT -k $THROWAWAY -c fsync=off\" start" >/dev/null
  PG_URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
fi

# --- Redis (the two-node and readiness tests) --------------------------------
# TEST_REDIS_URL names one (default: the local server, database 15, which the
# tests may fill). If none answers, a throwaway redis-server is started.
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
redis_answers() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()
PY
}
REDIS_THROWAWAY=""
stop_redis() {
  if [ -n "$REDIS_THROWAWAY" ]; then
    kill "$(cat "$REDIS_THROWAWAY/redis.pid")" 2>/dev/null || true
    rm -rf "$REDIS_THROWAWAY"
  fi
}
trap 'stop_throwaway; stop_redis' EXIT
if ! redis_answers "$TEST_REDIS_URL"; then
  echo "No Redis at $TEST_REDIS_URL: starting a throwaway redis-server for this run."
  apt_install redis-server
  REDIS_THROWAWAY=$(mktemp -d /tmp/portal-redis.XXXXXX)
  REDIS_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --daemonize yes --dir "$REDIS_THROWAWAY" --pidfile "$REDIS_THROWAWAY/redis.pid" \
    --logfile "$REDIS_THROWAWAY/log"
  TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/15"
  for _ in $(seq 50); do redis_answers "$TEST_REDIS_URL" && break; sleep 0.1; done
fi

# --- the suite ---------------------------------------------------------------
.venv/bin/ruff check portal tests config.py migrations/env.py bench gunicorn.conf.py
.venv/bin/ruff format --check --quiet portal tests config.py migrations/env.py bench gunicorn.conf.py

echo "== Tests on SQLite =="
env -u TEST_DATABASE_URL .venv/bin/python -m pytest -q -n auto "$@"
echo "== Tests on PostgreSQL ($PG_URL) =="
TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -n auto "$@"
