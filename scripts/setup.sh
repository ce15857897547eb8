#!/usr/bin/env bash
# Create .venv (if needed) and install textwash with its test extras into it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import logging; logging.disable(logging.WARNING); import apache_beam, ftfy, datasketch, regex, yaml"
