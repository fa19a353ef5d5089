"""No secret reaches a child process: the token, the action's inputs, the runner's own tokens and
the workflow-command files are withheld from every tool, command and test the gates start.

Each child here prints or dumps its environment; the runner's variables are set to real-looking
values and neither their names nor their values may show up. The endpoint's key reaches only
the children that talk to the endpoint (user tests, garak), and only when passed by name.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from gates import proc
from tests.commands.test_cli import read_outputs, run_cli
from tests.security.pr import RUNNER_SECRETS, TOKEN, pull_request

FILE_COMMANDS = ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")
API_KEY = "sk-live-endpointKey0123456789"
DUMP_ENV = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"


def assert_clean(env: dict[str, str], *, allowed: tuple[str, ...] = ()) -> None:
    """No withheld name and no secret value in ``env`` (a child's environment)."""
    names = [*RUNNER_SECRETS, *FILE_COMMANDS, "INPUT_GITHUB-TOKEN", "MODEL_API_KEY"]
    leaked = sorted(n for n in names if n in env and n not in allowed)
    assert leaked == []
    assert not [k for k in env if k.upper().startswith(("INPUT_", "ACTIONS_"))]
    text = json.dumps(env)
    for value in (*RUNNER_SECRETS.values(), TOKEN):
        assert value not in text
    if "MODEL_API_KEY" not in allowed:
        assert API_KEY not in text


@pytest.fixture
def runner_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {**RUNNER_SECRETS, "INPUT_GITHUB-TOKEN": TOKEN, "MODEL_API_KEY": API_KEY}.items():
        monkeypatch.setenv(name, value)
    for name in FILE_COMMANDS:
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setattr(proc, "_withheld", set())


def test_direct_call_withholds_everything_and_passes_only_what_is_named(runner_env: None, tmp_path: Path) -> None:
    proc.withhold("MODEL_API_KEY")
    dump = tmp_path / "env.json"
    proc.run([sys.executable, "-c", DUMP_ENV, str(dump)], timeout=30)
    child = json.loads(dump.read_text())
    assert_clean(child)
    assert child["PATH"] == os.environ["PATH"]  # the rest of the environment is kept
    proc.run([sys.executable, "-c", DUMP_ENV, str(dump)], timeout=30, pass_env=["MODEL_API_KEY"],
             env={"EXTRA": "1"})
    child = json.loads(dump.read_text())
    assert_clean(child, allowed=("MODEL_API_KEY",))
    assert child["MODEL_API_KEY"] == API_KEY and child["EXTRA"] == "1"


def test_withheld_names_are_case_insensitive_prefixes() -> None:
    for name in ("INPUT_ANYTHING", "ACTIONS_ID_TOKEN_REQUEST_URL", "GITHUB_TOKEN", "GITHUB_STATE", "GH_TOKEN"):
        assert proc.is_withheld(name)
    for name in ("PATH", "HOME", "GITHUB_SHA", "RUNNER_TEMP", "MODEL_URL"):
        assert not proc.is_withheld(name)


def test_deploy_command_gets_our_variables_but_no_runner_secret(runner_env: None, tmp_path: Path) -> None:
    from gates.deploy.commands import CommandSpec, run_command

    dump = tmp_path / "deploy-env.json"
    spec = CommandSpec.parse(json.dumps([sys.executable, "-c", DUMP_ENV, str(dump)]), "--deploy-command")
    run = run_command(spec, "deploy", {"DEPLOYED_VERSION": "v2", "PREVIOUS_VERSION": "v1"}, 30)
    assert run.ok, run.error
    child = json.loads(dump.read_text())
    assert_clean(child, allowed=("MODEL_API_KEY",))  # a workflow variable like any other for a deploy step
    assert child["DEPLOYED_VERSION"] == "v2" and child["DEPLOY_PHASE"] == "deploy"


PERF_BASE = {
    ".github/secure-ai-gates.yml": ("endpoint:\n  url: http://127.0.0.1:9/v1/chat/completions\n"
                                    "  api-key-env: MODEL_API_KEY\n"
                                    "gates:\n  performance:\n    command: {command}\n"
                                    "    baseline: eval/baseline.json\n    metrics: [{{name: accuracy}}]\n"),
    "eval/baseline.json": '{"accuracy": 0.9}\n',
}


def test_performance_command_of_a_pull_request_sees_no_secret(open_tmp: Path, drop_box: Path) -> None:
    steal = ("import json, os, sys; json.dump(dict(os.environ), open(os.path.join(sys.argv[1], 'perf-env.json'), 'w'));"
             " print(json.dumps({'accuracy': 0.91}))")
    command = json.dumps([sys.executable, "-c", steal, str(drop_box)])
    config = PERF_BASE[".github/secure-ai-gates.yml"].format(command=command)
    base = {**PERF_BASE, ".github/secure-ai-gates.yml": config}
    pr = pull_request(open_tmp, base, {"eval/notes.md": "tuned\n"}, gates="performance")
    env = {**pr.env, **RUNNER_SECRETS, "MODEL_API_KEY": API_KEY}
    result = run_cli([], env=env, cwd=pr.workspace)
    assert result.returncode == 0, result.stdout + result.stderr  # the honest control still passes
    assert_clean(json.loads((drop_box / "perf-env.json").read_text()))
    assert read_outputs(Path(pr.env["GITHUB_OUTPUT"]))["status"] == "passed"


@pytest.mark.parametrize(("key", "snippet"), [
    ("endpoint.api-key-env", "endpoint:\n  url: http://127.0.0.1:9/v1\n  api-key-env: GITHUB_TOKEN\n"),
    ("endpoint.api-key-env", "endpoint:\n  url: http://127.0.0.1:9/v1\n  api-key-env: input_github_token\n"),
    ("gates.model-security.canary-env", "gates:\n  model-security:\n    canary-env: ACTIONS_ID_TOKEN_REQUEST_TOKEN\n"),
    ("gates.dependencies.safety-api-key-env", "gates:\n  dependencies:\n    safety-api-key-env: RUNNER_TEMP\n"),
])
def test_a_config_naming_a_runner_variable_as_a_secret_is_exit_2(open_tmp: Path, key: str, snippet: str) -> None:
    """Such a config would send the token to the endpoint (a URL the PR may control) or to a tool."""
    pr = pull_request(open_tmp, {".github/secure-ai-gates.yml": snippet, "a.py": "x = 1\n"}, {"a.py": "x = 2\n"})
    result = run_cli([], env={**pr.env, **RUNNER_SECRETS}, cwd=pr.workspace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert key in result.stderr and "may not be a GITHUB_*, INPUT_*, ACTIONS_* or RUNNER_* variable" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_outputs(Path(pr.env["GITHUB_OUTPUT"]))["status"] == "error"


def test_python_import_variables_reach_only_the_users_own_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", ".")
    monkeypatch.setenv("PYTHONSTARTUP", "/tmp/evil.py")
    tool = proc.child_environment()
    assert "PYTHONPATH" not in tool and "PYTHONSTARTUP" not in tool and tool["PYTHONSAFEPATH"] == "1"
    user = proc.child_environment(user_python_env=True)
    assert user["PYTHONPATH"] == "." and "PYTHONSAFEPATH" not in user
