#!/usr/bin/env bash
# Install, migrate, load the demo data and serve the portal on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "Installing (the first run takes a few minutes: Python packages into .venv)"
ensure_virtualenv ""
export FLASK_APP=portal
# Without an SMTP server at hand, mail is written to instance/mail/*.eml.
export MAIL_BACKEND="${MAIL_BACKEND:-file}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:${PORT:-5000}}"
step "Migrating the database (instance/portal.db)"
.venv/bin/flask db upgrade
step "Loading demo data (once; later runs keep what is there)"
.venv/bin/flask seed-demo

# The mail worker runs beside the development server and stops with it.
.venv/bin/flask mail send --loop --interval 3 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

step "Starting the portal and its mail worker"
echo
echo "Advocate Portal: http://127.0.0.1:${PORT:-5000}"
echo "  advocate@example.com   manager@example.com   admin@example.com   requester@example.com"
echo "  password: tryout-2026-portal      mail: instance/mail/*.eml"
echo "  Press Ctrl+C to stop."
echo
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
