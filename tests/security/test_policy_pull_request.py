"""A pull request cannot change the policy it is judged by (real git repository, real CLI).

Each test commits a base and a pull-request head, checks the head out and runs
``secure-ai-gates run`` as GitHub's runner would on a ``pull_request`` event.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.commands.test_cli import EVENTS, read_outputs, run_cli, simulated_runner
from tests.support.git_repo import commit_all, git

CONFIG = ".github/secure-ai-gates.yml"
BASE_CONFIG = """\
version: 1
gates:
  code-security:
    paths: [src]
    fail-on: high
  performance:
    enabled: false
    metrics-file: eval/metrics.json
    baseline-from: base-branch
"""
SAFE = "def add(a, b):\n    return a + b\n"
UNSAFE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def pull_request(tmp: Path, head: Mapping[str, str | None], base: Mapping[str, str] | None = None,
                 **inputs: str) -> tuple[Path, dict[str, str]]:
    """Commit ``base`` then ``head`` (None deletes a file); return the workspace and the step's env."""
    ws = tmp / "ws"
    files = {CONFIG: BASE_CONFIG, "src/app.py": SAFE, ".gitignore": "*.pyc\n"} if base is None else base
    for name, text in files.items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text, encoding="utf-8")
    base_sha = commit_all(ws, "base")
    git(ws, "checkout", "-q", "-b", "pr")
    for name, text in head.items():
        if text is None:
            (ws / name).unlink()
        else:
            (ws / name).parent.mkdir(parents=True, exist_ok=True)
            (ws / name).write_text(text, encoding="utf-8")
    head_sha = commit_all(ws, "pull request")
    event = json.loads((EVENTS / "pull_request.json").read_text(encoding="utf-8"))
    event["pull_request"]["base"]["sha"] = base_sha
    event["pull_request"]["head"]["sha"] = head_sha
    (tmp / "event.json").write_text(json.dumps(event), encoding="utf-8")
    env = simulated_runner(tmp, **{"check-name": "", "gates": "code-security", **inputs})
    env.update({"GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_SHA": head_sha})
    return ws, env


def run(ws: Path, env: dict[str, str]) -> tuple[int, str, dict[str, object]]:
    """Run the CLI in ``ws``; return exit code, console and the report (empty when none)."""
    done = run_cli([], env=env, cwd=ws)
    assert "Traceback" not in done.stderr, done.stderr
    report_file = ws / "secure-ai-gates-report" / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    return done.returncode, done.stdout + done.stderr, report


def gate(report: Mapping[str, object], name: str) -> Mapping[str, object]:
    return next(g for g in report["gates"] if g["name"] == name)  # type: ignore[union-attr,index]


def policy_keys(report: Mapping[str, object]) -> list[str]:
    return [f["message"].split(": ")[1] for f in gate(report, "policy")["findings"]]  # type: ignore[index]


def test_honest_pull_request_passes_and_unsafe_code_fails(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path / "ok", {"src/more.py": SAFE})
    code, out, report = run(ws, env)
    assert code == 0, out
    assert [g["name"] for g in report["gates"]][0] != "policy"  # type: ignore[index]
    assert "policy: `.github/secure-ai-gates.yml` at the base commit" in out
    ws, env = pull_request(tmp_path / "bad", {"src/more.py": UNSAFE})
    code, out, report = run(ws, env)
    assert code == 1 and gate(report, "code-security")["status"] == "failed"


@pytest.mark.parametrize("attack, head_config", [
    ("disable the gate", BASE_CONFIG.replace("    paths: [src]\n", "    enabled: false\n    paths: [src]\n")),
    ("raise fail-on", BASE_CONFIG.replace("fail-on: high", "fail-on: critical")),
    ("remove the gate's section", "version: 1\ngates:\n  code-security: false\n"),
    ("add a waiver", BASE_CONFIG + "waivers:\n  - id: B602\n    gate: code-security\n    reason: fine\n"
                                   "    owner: mallory\n    expires: 2099-01-01\n"),
    ("exclude the file", BASE_CONFIG.replace("    paths: [src]\n", "    paths: [src]\n    exclude: [src/more.py]\n")),
    ("top-level fail-on", BASE_CONFIG + "fail-on: critical\n"),
])
def test_head_config_cannot_loosen_the_policy(tmp_path: Path, attack: str, head_config: str) -> None:
    ws, env = pull_request(tmp_path, {"src/more.py": UNSAFE, CONFIG: head_config})
    code, out, report = run(ws, env)
    assert code == 1, (attack, out)
    assert gate(report, "code-security")["status"] == "failed", attack  # judged by the base policy
    policy = gate(report, "policy")
    assert report["gates"][0]["name"] == "policy" and policy["status"] == "failed"  # type: ignore[index]
    assert all(f["rule_id"] == "policy-change" and f["path"] == CONFIG for f in policy["findings"])  # type: ignore[union-attr]
    summary = (ws / "secure-ai-gates-report" / "summary.md").read_text(encoding="utf-8")
    assert summary.index("`policy`") < summary.index("`code-security`")  # the policy change comes first


@pytest.mark.parametrize("key, value", [
    ("base-ref", "HEAD"), ("baseline-from", "file"), ("trust", "working-tree"), ("public-key", "keys/mine.pem"),
    ("advisory-db", "osv-db"),
])
def test_trust_keys_come_only_from_the_base(tmp_path: Path, key: str, value: str) -> None:
    gate_name = {"base-ref": "data-integrity", "trust": "model-integrity", "public-key": "model-integrity",
                 "advisory-db": "dependencies"}.get(key, "performance")
    extra = {"data-integrity": "  data-integrity:\n    enabled: false\n    manifest: data.sha256\n",
             "model-integrity": "  model-integrity:\n    enabled: false\n    manifest: models.sha256\n",
             "dependencies": "  dependencies: false\n", "performance": ""}[gate_name]
    base = BASE_CONFIG + extra
    if gate_name == "dependencies":
        head = base.replace("  dependencies: false\n", f"  dependencies:\n    enabled: false\n    {key}: {value}\n")
    elif gate_name == "performance":
        head = base.replace("baseline-from: base-branch", f"baseline-from: {value}")
    else:
        head = base.replace(f"  {gate_name}:\n", f"  {gate_name}:\n    {key}: {value}\n")
    ws, env = pull_request(tmp_path, {CONFIG: head}, base={CONFIG: base, "src/app.py": SAFE})
    code, out, report = run(ws, env)
    assert code == 1, out
    assert any(k.startswith(f"gates.{gate_name}.{key}") for k in policy_keys(report)), policy_keys(report)


def test_deleting_the_config_or_pointing_config_at_a_head_file_does_not_apply(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path / "deleted", {"src/more.py": UNSAFE, CONFIG: None})
    code, out, report = run(ws, env)
    assert code == 1 and gate(report, "code-security")["status"] == "failed", out
    lenient = "version: 1\ngates:\n  code-security: false\n"
    ws, env = pull_request(tmp_path / "other", {"src/more.py": UNSAFE, "lenient.yml": lenient}, config="lenient.yml")
    code, out, report = run(ws, env)
    assert code == 1, out  # the base has no lenient.yml: built-in defaults, and the new file is a policy change
    assert gate(report, "policy")["status"] == "failed" and gate(report, "code-security")["status"] == "failed"
    ws, env = pull_request(tmp_path / "nowhere", {"src/more.py": SAFE}, config="nowhere.yml")
    code, out, _ = run(ws, env)
    assert code == 2 and "config file not found: nowhere.yml" in out, out


def test_a_stricter_head_config_applies_and_passes(tmp_path: Path) -> None:
    stricter = BASE_CONFIG.replace("fail-on: high", "fail-on: medium").replace("    paths: [src]\n",
                                                                             "    paths: [src]\n    pylint: true\n")
    ws, env = pull_request(tmp_path / "strict", {CONFIG: stricter, "src/more.py": SAFE})
    code, out, report = run(ws, env)
    assert code == 0, out
    policy = gate(report, "policy")
    assert policy["status"] == "passed" and all(f["severity"] == "info" for f in policy["findings"])  # type: ignore[union-attr]
    assert gate(report, "code-security")["metrics"].get("pylint_issues") is not None or "pylint" in json.dumps(
        gate(report, "code-security"))
    # the lower threshold is in force now: a medium issue fails although the base says high
    medium = "import hashlib\n\n\ndef h(data):\n    return hashlib.md5(data).hexdigest()\n"
    ws, env = pull_request(tmp_path / "medium", {CONFIG: stricter.replace("    pylint: true\n", ""),
                                                 "src/more.py": medium})
    code, out, report = run(ws, env)
    assert code == 1 and gate(report, "code-security")["status"] == "failed", out


def test_fail_on_input_may_only_tighten_on_a_pull_request(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path, {"src/more.py": UNSAFE}, **{"fail-on": "critical"})
    code, out, report = run(ws, env)
    assert code == 1 and gate(report, "code-security")["status"] == "failed", out


def test_policy_file_outside_the_workspace_is_the_policy(tmp_path: Path) -> None:
    policy = tmp_path / "org-policy.yml"
    policy.write_text("version: 1\ngates:\n  code-security:\n    paths: [src]\n    fail-on: low\n", encoding="utf-8")
    ws, env = pull_request(tmp_path, {"src/more.py": UNSAFE, CONFIG: "version: 1\ngates:\n  code-security: false\n"},
                           policy=str(policy))
    code, out, report = run(ws, env)
    assert code == 1 and gate(report, "code-security")["status"] == "failed", out
    assert f"policy: policy file `{policy}`" in out


def test_tree_modified_after_checkout_is_exit_3_naming_the_files(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path, {"src/more.py": UNSAFE})
    (ws / "src" / "more.py").write_text(SAFE, encoding="utf-8")  # an earlier step "fixes" the tree
    (ws / "src" / "conftest.py").write_text("x = 1\n", encoding="utf-8")
    (ws / "src" / "cache.pyc").write_bytes(b"ignored by the committed .gitignore")
    git(ws, "update-index", "--assume-unchanged", "src/more.py")  # hiding it from git status changes nothing
    code, out, _ = run(ws, env)
    assert code == 3, out
    assert "modified 'src/more.py'" in out and "added 'src/conftest.py'" in out and "cache.pyc" not in out


def test_generated_files_declared_by_the_base_are_exempt(tmp_path: Path) -> None:
    base = {CONFIG: BASE_CONFIG + "generated: [build/**]\n", "src/app.py": SAFE}
    ws, env = pull_request(tmp_path, {"src/more.py": SAFE}, base=base)
    (ws / "eval").mkdir()
    (ws / "eval" / "metrics.json").write_text("{}", encoding="utf-8")  # performance.metrics-file
    (ws / "build" / "x").mkdir(parents=True)
    (ws / "build" / "x" / "out.txt").write_text("made by an earlier step", encoding="utf-8")
    code, out, _ = run(ws, env)
    assert code == 0, out
    (ws / ".gitignore").write_text("*\n", encoding="utf-8")  # an untracked ignore-everything cannot hide files
    (ws / "src" / ".gitignore").write_text("*\n", encoding="utf-8")
    code, out, _ = run(ws, env)
    assert code == 3 and "added '.gitignore'" in out and "added 'src/.gitignore'" in out, out


def test_shallow_clone_or_no_repository_on_a_pull_request_is_an_error_naming_fetch_depth(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path / "pr", {"src/more.py": UNSAFE})
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "pr", f"file://{ws}", str(shallow))
    env = {**env, "GITHUB_WORKSPACE": str(shallow)}
    code, out, _ = run(shallow, env)
    assert code == 3 and "fetch-depth: 0" in out and "shallow" in out, out
    shutil.rmtree(shallow / ".git")
    code, out, _ = run(shallow, env)
    assert code == 3 and "fetch-depth: 0" in out, out


def test_outputs_name_the_policy_gate_when_it_blocks(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path, {CONFIG: BASE_CONFIG.replace("fail-on: high", "fail-on: critical")})
    code, out, _ = run(ws, env)
    assert code == 1, out
    outputs = read_outputs(Path(env["GITHUB_OUTPUT"]))
    assert outputs["status"] == "failed" and "policy" in outputs["failed-gates"].split(",")


def test_workspace_in_a_subdirectory_of_the_repository(tmp_path: Path) -> None:
    files = {f"app/{CONFIG}": BASE_CONFIG, "app/src/app.py": SAFE, ".gitignore": "*.log\n", "other/x.py": SAFE}
    head = {"app/src/more.py": UNSAFE, f"app/{CONFIG}": BASE_CONFIG.replace("high", "critical"), "other/x.py": UNSAFE}
    ws, env = pull_request(tmp_path, head, base=files)
    app = ws / "app"
    env = {**env, "GITHUB_WORKSPACE": str(app)}
    (app / "run.log").write_text("ignored by the repository's root .gitignore", encoding="utf-8")
    (ws / "other" / "x.py").write_text("outside the workspace: not judged\n", encoding="utf-8")
    code, out, report = run(app, env)
    assert code == 1, out
    assert gate(report, "code-security")["status"] == "failed"
    assert policy_keys(report) == ["gates.code-security.fail-on"]
    (app / "src" / "app.py").write_text(UNSAFE, encoding="utf-8")
    code, out, _ = run(app, env)
    assert code == 3 and "modified 'src/app.py'" in out, out


def test_hostile_file_names_in_the_tree_check_stay_on_one_line(tmp_path: Path) -> None:
    ws, env = pull_request(tmp_path, {"src/more.py": SAFE})
    (ws / "src" / "x\n::error::forged\r%0A").write_text("added by an earlier step", encoding="utf-8")
    code, out, _ = run(ws, env)
    assert code == 3, out
    assert not any(line.startswith("::error::forged") for line in out.splitlines())
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "\n::error::forged" not in summary and "x\\n::error::forged" in summary
