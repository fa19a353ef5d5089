#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole pipeline on examples/demo-project: start the demo
# model server, run every gate, stop the server, print the report. Extra arguments go to
# examples/run_demo.py (e.g. --vulnerable to see the gates catch a weak model).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/run_demo.py "$@"
