#!/usr/bin/env bash
# Install, migrate, load the demo data and serve the portal on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

ensure_virtualenv ""
export FLASK_APP=portal
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
echo
echo "Advocate Portal: http://127.0.0.1:${PORT:-5000}"
echo "  advocate@example.com   manager@example.com   admin@example.com   requester@example.com"
echo "  password: tryout-2026-portal"
echo
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
