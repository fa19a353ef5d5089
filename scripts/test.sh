#!/usr/bin/env bash
# Set up (scripts/setup.sh), lint (ruff, mypy: 0 findings), run the project's own code-security and dependencies gates on its
# own code ("dogfooding"), then the whole test suite. Extra arguments go to pytest.
# pytest runs last so that its summary is the closing line of the output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "lint: ruff check"
.venv/bin/ruff check .
echo "lint: mypy (strict, configured in pyproject.toml)"
.venv/bin/mypy
bash scripts/dogfood.sh
.venv/bin/python -m pytest "$@"
