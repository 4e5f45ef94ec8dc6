#!/usr/bin/env bash
# The npm packages the test suite needs: puppeteer-core, with which tests/desk/test_desk_firefox.py drives
# Debian's Firefox ESR. Installed from the lock file, without any download script (no browser is fetched);
# again only when the lock file changed.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/desk/firefox"
stamp="$dir/node_modules/.installed"
if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing (bash scripts/ensure-system-deps.sh as root installs it): the Firefox test fails without." >&2
  exit 0
fi
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
touch "$stamp"
