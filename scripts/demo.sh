#!/usr/bin/env bash
# Install, migrate, load the demo data and serve the portal on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

ensure_virtualenv ""
export FLASK_APP=portal
# Without an SMTP server at hand, mail is written to instance/mail/*.eml.
export MAIL_BACKEND="${MAIL_BACKEND:-file}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:${PORT:-5000}}"
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo

# The mail worker runs beside the development server and stops with it.
.venv/bin/flask mail send --loop --interval 3 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo
echo "Advocate Portal: http://127.0.0.1:${PORT:-5000}"
echo "  advocate@example.com   manager@example.com   admin@example.com   requester@example.com"
echo "  password: tryout-2026-portal      mail: instance/mail/*.eml"
echo
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
