#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite, then run the project's own
# code-security and dependencies gates on its own code ("dogfooding"). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
bash scripts/dogfood.sh
