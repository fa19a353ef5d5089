"""The deploy examples of deploy/README.md, run as written against a real Prometheus and service.

Only what cannot exist here is replaced: the two URLs, ``${{ github.sha }}`` and the timings
(minutes become seconds). The commands are the examples' own ``./scripts/*.sh``, written into
the workspace as thin wrappers around the fault service.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import SCRIPT, Prometheus, Service
from tests.deploy.helpers import REPO, output_value

pytestmark = pytest.mark.slow

README = REPO / "deploy" / "README.md"
USES = "org/secure-ai-gates/deploy@v1"
SHORTER = {"duration": "6s", "interval": "500ms", "warmup": "0s"}
SCRIPTS = {"current-version.sh": "current", "deploy.sh": "switch --version \"$1\"",
           "canary.sh": "canary --version \"$1\"", "set-weight.sh": "set-weight --weight \"$1\""}


def _uses(node: Any) -> Iterator[dict[str, str]]:
    if isinstance(node, dict):
        if node.get("uses") == USES:
            yield node["with"]
        for value in node.values():
            yield from _uses(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uses(item)


def examples() -> list[dict[str, str]]:
    """The ``with:`` of every use of the deploy action in the README's YAML blocks."""
    found: list[dict[str, str]] = []
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        found += _uses(yaml.safe_load(block))
    return found


def _run(example: dict[str, str], service: Service, prom: Prometheus, tmp_path: Path, version: str,
         **timing: str) -> subprocess.CompletedProcess[str]:
    workspace = tmp_path / "workspace"
    (workspace / "scripts").mkdir(parents=True, exist_ok=True)
    for name, action in SCRIPTS.items():
        script = workspace / "scripts" / name
        script.write_text(f"#!/bin/sh\nexec {sys.executable} {SCRIPT} {action.split(' ', 1)[0]} --state-dir "
                          f"{service.state_dir} {action.split(' ', 1)[1] if ' ' in action else ''}\n")
        script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    for key, value in example.items():
        value = str(value).replace("${{ github.sha }}", version)
        value = value.replace("https://ml.example.com", service.url)
        value = value.replace("http://prometheus.internal:9090", prom.url)
        env[f"INPUT_{key.upper().replace('-', '_')}"] = value
    for key, value in {**SHORTER, **timing}.items():  # minutes become seconds, also where a default applies
        env[f"INPUT_{key.upper()}"] = value
    env.update({"INPUT_STATE_FILE": str(tmp_path / "state.json"), "INPUT_REPORT_DIR": str(tmp_path / "report"),
                "INPUT_VERIFY_DURATION": "3s", "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out"),
                "PYTHONPATH": str(REPO)})
    return subprocess.run([sys.executable, "-m", "gates.cli", "deploy"], capture_output=True, text=True,  # noqa: S603
                          timeout=120, cwd=workspace, env=env)


def test_the_readme_has_the_two_examples() -> None:
    found = examples()
    assert len(found) == 2 and "steps" in found[1] and "query-error-rate" in found[0]


@pytest.mark.parametrize(("version", "code"), [("v2", 0), ("v2-errors", 1)])
def test_the_main_example_runs_as_written(service: Service, prometheus: Prometheus, traffic: None, tmp_path: Path,
                                          version: str, code: int) -> None:
    """v2 never answers 5xx: the guarded query says 0 %, not "no data"; v2-errors is caught and rolled back."""
    done = _run(examples()[0], service, prometheus, tmp_path, version)
    assert done.returncode == code, done.stdout + done.stderr
    assert service.active == ("v2" if code == 0 else "v1")
    assert "inconclusive" not in output_value((tmp_path / "out").read_text(), "result")


@pytest.mark.parametrize(("version", "code"), [("v2", 0), ("v2-sluggish", 1)])
def test_the_canary_example_runs_as_written(service: Service, prometheus: Prometheus, traffic: None, tmp_path: Path,
                                            version: str, code: int) -> None:
    done = _run(examples()[1], service, prometheus, tmp_path, version, interval="1s", steps="10:4s, 50:3s, 100:3s")
    assert done.returncode == code, done.stdout + done.stderr
    if code:
        assert "canary_p90_ms" in done.stdout and service.active == "v1"
        assert [e.get("weight") for e in service.events() if "weight" in e] == [10]
    else:
        assert service.active == "v2"
