#!/usr/bin/env bash
# Debian packages the test suite needs on a fresh machine: Chromium for the browser tests (tests/web),
# poppler-utils (pdftoppm) to look at generated PDFs, the PostgreSQL client. Installs only what is missing,
# and only where it can (root with apt-get); elsewhere it says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Please install these Debian packages (sudo apt-get install ${need[*]}): the tests that need them fail without." >&2
fi
