"""The PR's security tests and conftest.py are untrusted code: no token, no way into our outputs.

The conftest a pull request adds tries what an attacker would: read the token from its
environment and from its parent's ``/proc/PID/environ``, and write the step's outputs, summary,
env file and our report dir (it knows their paths: they are listed under ``RUNNER_TEMP``).
As root the gates run the tests as ``nobody``, so every attempt fails; as a plain user (the
Docker runtime) the attempts on the workflow files are detected and the gate errors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands.test_cli import ROOT, read_outputs, run_cli
from tests.security.pr import RUNNER_SECRETS, TOKEN, PullRequest, pull_request
from tests.security.test_secrets_children import API_KEY, assert_clean
from tests.support.model_server import running_model_server

DEMO_TESTS = ROOT / "examples" / "demo-project" / "tests" / "security_tests.py"
ATTACK = '''
import json, os
BOX = {box!r}
TARGETS = {targets!r}
found = {{"uid": os.getuid(), "env": dict(os.environ), "writes": {{}},
         "caps": [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]}}
for name, path in TARGETS.items():
    try:
        with open(path, "a") as handle:
            handle.write("status=passed\\n<img src=x> pwned\\n")
        found["writes"][name] = "written"
    except OSError as exc:
        found["writes"][name] = "refused"
try:
    with open("/proc/%d/environ" % os.getppid(), "rb") as handle:
        found["parent_environ"] = handle.read().decode("latin-1")
except OSError:
    found["parent_environ"] = "refused"
with open(os.path.join(BOX, "conftest.json"), "w") as handle:
    json.dump(found, handle)
'''


def _config(url: str) -> str:
    return (f"endpoint:\n  url: {url}/v1/chat/completions\n  api-key-env: MODEL_API_KEY\n"
            "gates:\n  model-security:\n    builtin-probes: false\n    tests: [tests/security_tests.py]\n")


def _attack_pr(tmp: Path, box: Path, url: str) -> PullRequest:
    fc, ws = tmp / "file_commands", tmp / "ws"  # where pull_request() puts them; an attacker lists RUNNER_TEMP
    targets = {"GITHUB_OUTPUT": str(fc / "output"), "GITHUB_STEP_SUMMARY": str(fc / "step_summary"),
               "GITHUB_ENV": str(fc / "set_env"), "report": str(ws / "secure-ai-gates-report" / "report.json"),
               "report-extra": str(ws / "secure-ai-gates-report" / "planted.md")}
    base = {".github/secure-ai-gates.yml": _config(url), "tests/security_tests.py": DEMO_TESTS.read_text()}
    # the change edits the base's test file (so it also runs from the checkout) and adds a conftest.py
    head = {"tests/conftest.py": ATTACK.format(box=str(box), targets=targets),
            "tests/security_tests.py": DEMO_TESTS.read_text() + "\n\ndef test_added_by_the_change():\n    pass\n"}
    pr = pull_request(tmp, base, head, gates="model-security")
    assert pr.env["GITHUB_OUTPUT"] == targets["GITHUB_OUTPUT"] and pr.workspace == ws
    return pr


def _untouched(pr: PullRequest) -> None:
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"):
        assert "pwned" not in Path(pr.env[name]).read_text(), name
    report_dir = pr.workspace / "secure-ai-gates-report"
    assert not (report_dir / "planted.md").exists()
    assert "pwned" not in (report_dir / "report.json").read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="the gates run as root here")
def test_as_root_the_tests_get_no_token_and_cannot_write_our_files(open_tmp: Path, drop_box: Path) -> None:
    with running_model_server(api_key=API_KEY) as url:
        pr = _attack_pr(open_tmp, drop_box, url)
        result = run_cli([], env={**pr.env, **RUNNER_SECRETS, "MODEL_API_KEY": API_KEY}, cwd=pr.workspace)
    assert (drop_box / "conftest.json").is_file(), result.stdout + result.stderr
    found = json.loads((drop_box / "conftest.json").read_text())
    assert found["caps"] == "0000000000000000"
    assert found["parent_environ"] == "refused"
    assert TOKEN not in json.dumps(found)
    assert_clean(found["env"], allowed=("MODEL_API_KEY",))
    assert found["env"]["MODEL_API_KEY"] == API_KEY  # the endpoint key, passed by name: the tests need it
    if found["uid"] == 65534:  # nobody: not one write gets through, the honest tests decide
        assert set(found["writes"].values()) == {"refused"}
        assert result.returncode == 0, result.stdout + result.stderr
        _untouched(pr)
        assert read_outputs(Path(pr.env["GITHUB_OUTPUT"]))["status"] == "passed"
    else:  # nobody cannot reach this interpreter (e.g. under /root): root without capabilities
        assert found["uid"] == 0
        _assert_detected(pr, result)


def _assert_detected(pr: PullRequest, result: subprocess.CompletedProcess[str]) -> None:
    """The tests wrote the workflow's files: the gate errors and our verdict comes last."""
    assert result.returncode == 3, result.stdout + result.stderr
    assert "modified $GITHUB_ENV, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY while they ran" in result.stdout
    written = Path(pr.env["GITHUB_OUTPUT"]).read_text()
    ours = Path(pr.env["GITHUB_OUTPUT"]).with_name("ours")
    ours.write_text(written[written.rindex("status<<"):])  # the attacker's line first, our verdict last
    assert read_outputs(ours)["status"] == "error"


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                    reason="needs root to run the gates as another user")
def test_as_a_plain_user_tampering_is_detected_and_the_token_unreadable(open_tmp: Path, drop_box: Path) -> None:
    """The Docker runtime's situation: gates and tests share a uid. Simulated by running the CLI as nobody.

    Where nobody cannot run this interpreter the root test above covers the same ground: tests
    without capabilities under the gates' own uid.
    """
    from gates.probes.sandbox import unreachable

    reason = unreachable(Path(sys.executable), "the interpreter") or unreachable(ROOT, "the checkout")
    if reason:
        pytest.skip(f"nobody cannot run the gates here: {reason}")
    with running_model_server(api_key=API_KEY) as url:
        pr = _attack_pr(open_tmp, drop_box, url)
        home = open_tmp / "home"
        home.mkdir()
        for path in (pr.workspace, Path(pr.env["GITHUB_OUTPUT"]).parent, home):
            shutil.chown(path, 65534, 65534)
            for inner in path.rglob("*"):
                os.lchown(inner, 65534, 65534)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
        env.update({**pr.env, **RUNNER_SECRETS, "MODEL_API_KEY": API_KEY, "HOME": str(home)})
        result = subprocess.run([sys.executable, str(ROOT / "entrypoint.py")], cwd=pr.workspace, env=env,
                                user=65534, group=65534, extra_groups=[], capture_output=True, text=True, timeout=600)
    assert (drop_box / "conftest.json").is_file(), result.stdout + result.stderr
    found = json.loads((drop_box / "conftest.json").read_text())
    assert found["uid"] == 65534 and found["writes"]["GITHUB_OUTPUT"] == "written"
    assert found["parent_environ"] == "refused"  # our process is not dumpable: its environ holds the token
    assert TOKEN not in json.dumps(found)
    assert_clean(found["env"], allowed=("MODEL_API_KEY",))
    _assert_detected(pr, result)
