"""deploy/action.yml: valid, injection-free, in step with the option table, and runnable via INPUT_*."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gates.deploy.options import OPTIONS
from gates.proc import find_executable
from tests.deploy.conftest import Service
from tests.deploy.helpers import REPO, output_value

ACTION = REPO / "deploy" / "action.yml"


def _tool(name: str) -> str:
    path = find_executable(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install {name})")
    return path


def test_action_yml_passes_the_github_actions_schema() -> None:
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],  # noqa: S603
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_yml_has_no_zizmor_findings() -> None:
    done = subprocess.run([_tool("zizmor"), "--offline", str(ACTION)], capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr


def test_inputs_mirror_the_option_table() -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert list(action["inputs"]) == [o.name for o in OPTIONS]
    steps = action["runs"]["steps"]
    env = steps[-1]["env"]
    for option in OPTIONS:
        key = f"INPUT_{option.name.upper().replace('-', '_')}"
        assert env[key] == f"${{{{ inputs.{option.name} }}}}"
        declared = action["inputs"][option.name]
        if option.default is not None:
            assert declared["default"] == option.default, option.name
        assert declared["description"]
    for step in steps:  # no input or expression is ever pasted into a script
        assert "${{" not in step["run"]
    assert set(action["outputs"]) == {"result", "previous-version", "deployed-version", "report"}
    assert 'pip install' in steps[0]["run"] and '"$GITHUB_ACTION_PATH/.."' in steps[0]["run"]


def test_inputs_alone_drive_a_deploy(service: Service, tmp_path: Path) -> None:
    """The environment the composite step builds (defaults applied, both spellings) runs a deploy."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    for name, spec in action["inputs"].items():
        default = spec.get("default", "")
        env[f"INPUT_{name.upper().replace('-', '_')}"] = "" if "${{" in str(default) else str(default)
    env.update({
        "INPUT_DEPLOY_COMMAND": service.switch_command(),
        "INPUT_ROLLBACK-COMMAND": service.switch_command("$PREVIOUS_VERSION"),  # the hyphen spelling
        "INPUT_CURRENT_VERSION_COMMAND": service.version_command(),
        "INPUT_NEW_VERSION": "v2", "INPUT_HEALTH_URL": f"{service.url}/health",
        "INPUT_INTERVAL": "250ms", "INPUT_DURATION": "1s",
        "INPUT_STATE_FILE": str(tmp_path / "state.json"), "INPUT_REPORT_DIR": str(tmp_path / "report"),
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out"), "PYTHONPATH": str(REPO),
    })
    env.pop("INPUT_ROLLBACK_COMMAND")
    done = subprocess.run([sys.executable, "-m", "gates.cli", "deploy"], capture_output=True, text=True,  # noqa: S603
                          timeout=60, cwd=REPO, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = (tmp_path / "out").read_text(encoding="utf-8")
    assert output_value(outputs, "result") == "healthy" and output_value(outputs, "previous-version") == "v1"
    assert service.active == "v2"


def test_readme_documents_every_input() -> None:
    readme = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    for option in OPTIONS:
        assert f"| `{option.name}` |" in readme, option.name
