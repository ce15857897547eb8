#!/usr/bin/env bash
# One command: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the report test opens report.html in Debian's headless chromium: install it when missing
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || echo "scripts/test.sh: could not install chromium; tests/test_report.py will fail" >&2
fi
.venv/bin/python -m pytest "$@"
