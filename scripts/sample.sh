#!/usr/bin/env bash
# One command: set up, then run the pipeline on the bundled sample into out/sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/textwash run --input data/sample --output out/sample --overwrite --set output.write_removed=true "$@"
