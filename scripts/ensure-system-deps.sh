#!/usr/bin/env bash
# Debian packages the test suite needs on a fresh machine: Chromium and Firefox for the browser tests,
# a CJK font (the demo's sample screenshot, the OCR tests' screenshots, Chinese text in Chromium's screenshots),
# poppler-utils (pdftoppm) to look at generated PDFs, the PostgreSQL client, libGL and glib for OCR (cv2).
# Installs only what is missing, and only where it can (root with apt-get); elsewhere it says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Firefox ESR and Node.js: the desk's Firefox test drives Debian's Firefox with puppeteer-core
# (tests/desk/firefox; its npm packages are installed by scripts/ensure-node-deps.sh).
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh file 2>/dev/null)" ]; then
  need+=(fontconfig fonts-wqy-microhei)
fi
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# poppler-data: the Adobe-GB1 tables with which poppler reads and renders the reports' Chinese CID font
# (STSong-Light, liuhen/reports/pdf.py); sqlite3: the baseline of bench/reports.py.
[ -d /usr/share/poppler/cMap/Adobe-GB1 ] || need+=(poppler-data)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
# openssl: the tests' throwaway RFC 3161 timestamp authority (`openssl ts -reply`, tests/tsa.py).
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# OCR (the `ocr` extra) pulls opencv-python, whose cv2 loads libGL and glib.
libs=$({ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true)
grep -q 'libGL\.so\.1' <<<"$libs" || need+=(libgl1)
grep -q 'libgthread-2\.0\.so\.0' <<<"$libs" || need+=(libglib2.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Please install these Debian packages (sudo apt-get install ${need[*]}): the tests that need them fail without." >&2
fi
