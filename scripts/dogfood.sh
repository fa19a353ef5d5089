#!/usr/bin/env bash
# Dogfooding: the project's own code-security and dependency gates on its own code and pinned
# requirements (offline, against requirements/advisory-db: the PyPA advisories of our pins). Fails on findings.
set -euo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp -d)/dogfood-report"
.venv/bin/secure-ai-gates run --workspace . --config .github/secure-ai-gates.yml \
  --gates code-security,dependencies --report-dir "$report"
