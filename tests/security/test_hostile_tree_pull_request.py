"""A pull request whose tree is built to hang, exhaust or leak: the run ends, fails, and leaks nothing.

The PR commits Python files that are symlinks to ``/dev/zero``, to ``/proc/self/environ`` (our
own environment, with the token) and out of the repository, and a requirements file that is a
link to ``/dev/zero``; an earlier workflow step (simulated) left a FIFO named like a module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.commands.test_cli import read_outputs, run_cli
from tests.security.pr import RUNNER_SECRETS, TOKEN, pull_request
from tests.support.git_repo import commit_all

BASE = {".github/secure-ai-gates.yml": "gates:\n  code-security:\n    paths: [src]\n",
        "src/app.py": "def add(a, b):\n    return a + b\n", "requirements.txt": "pyyaml==6.0.1\n"}


def _links(ws: Path) -> None:
    (ws / "src" / "zero.py").symlink_to("/dev/zero")
    (ws / "src" / "environ.py").symlink_to("/proc/self/environ")
    (ws / "src" / "passwd.py").symlink_to("/etc/passwd")
    (ws / "requirements.txt").unlink()
    (ws / "requirements.txt").symlink_to("/dev/zero")


def test_links_out_of_the_tree_are_blocking_findings_and_nothing_is_read(open_tmp: Path) -> None:
    pr = pull_request(open_tmp, BASE, {"src/app.py": "def add(a, b):\n    return b + a\n"},
                      gates="code-security,dependencies")
    _links(pr.workspace)
    head = commit_all(pr.workspace, "links")
    event = json.loads(Path(pr.env["GITHUB_EVENT_PATH"]).read_text())
    event["pull_request"]["head"]["sha"] = head
    Path(pr.env["GITHUB_EVENT_PATH"]).write_text(json.dumps(event))
    env = {**pr.env, **RUNNER_SECRETS, "GITHUB_SHA": head}
    result = run_cli([], env=env, cwd=pr.workspace)
    assert result.returncode in (1, 3), result.stdout + result.stderr
    report_dir = pr.workspace / "secure-ai-gates-report"
    report = json.loads((report_dir / "report.json").read_text())
    gates = {g["name"]: g for g in report["gates"]}
    assert gates["code-security"]["status"] == "failed"
    blocked = {f["path"]: f["message"] for f in gates["code-security"]["findings"] if f["rule_id"] == "parse-error"}
    assert {"src/zero.py", "src/environ.py", "src/passwd.py"} <= set(blocked)
    assert "outside the root" in blocked["src/zero.py"]
    assert gates["dependencies"]["status"] in ("failed", "error")  # the link is no requirements file: nothing audited
    assert read_outputs(Path(pr.env["GITHUB_OUTPUT"]))["status"] != "passed"
    for path in report_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert TOKEN not in text and "root:x:0:0" not in text
            assert not any(v in text for v in RUNNER_SECRETS.values())


def test_a_fifo_left_in_the_tree_cannot_hang_the_run(open_tmp: Path) -> None:
    pr = pull_request(open_tmp, BASE, {"src/app.py": "def add(a, b):\n    return b + a\n"}, gates="code-security")
    os.mkfifo(pr.workspace / "src" / "pipe.py")  # an earlier step of the job ran the PR's code
    result = run_cli([], env=pr.env, cwd=pr.workspace)  # run_cli's own timeout is the watchdog
    assert result.returncode in (1, 3), result.stdout + result.stderr
    assert "src/pipe.py" in result.stdout
