#!/usr/bin/env bash
# Extract every marked message into portal/translations/messages.pot, bring the
# German and French catalogues up to date with it, and compile them.
# ./scripts/translations.sh [extract|update|compile ...]   (all three by default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh
ensure_virtualenv ""
.venv/bin/python -m portal.catalogues "$@"
