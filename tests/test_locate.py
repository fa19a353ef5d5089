"""A finding without a file of its own (garak, approval, probes, a dependency) is placed on its
gate's key in the config file, at the same place in SARIF, the workflow annotations and the check
run; a pull request's config cannot stall or move that elsewhere than its own lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gates.locate import FindingPlaces, key_line
from gates.model import GateResult, RunResult, Severity, Status
from gates.reporters.annotations import annotation_lines
from gates.reporters.check_run import check_annotations
from gates.reporters.sarif import sarif_document
from tests.reporters.hostile import command_properties
from tests.support.fake_gates import finding
from tests.support.git_repo import commit_all, git

CONFIG = """version: 1
gates:
  code-security: {}
  dependencies:
    requirements: [requirements.txt]
  adversarial:
    probes: [promptinject]
  approval:
    min-approvals: 1
"""
LINES = {"dependencies": 4, "adversarial": 6, "approval": 8}
PREFIX = "apps/ml app/"


def _gate(name: str, tool: str, *findings: object) -> GateResult:
    return GateResult(name=name, title=name, status=Status.FAILED, summary="s", duration_s=1,
                      findings=tuple(findings), tool=tool)  # type: ignore[arg-type]


def ai_run(workspace: Path) -> RunResult:
    """One blocking finding per gate; only code-security's has a file of its own."""
    gates = (
        _gate("code-security", "bandit", finding("B602", Severity.HIGH, path="src/app.py", line=5, tool="bandit")),
        _gate("dependencies", "pip-audit", finding("PYSEC-1", Severity.HIGH, path=None, line=None, package="req")),
        _gate("adversarial", "garak", finding("adversarial.asr-over-policy", Severity.HIGH, path=None, line=None,
                                              message="garak probe promptinject.HijackHateHumans succeeded")),
        _gate("approval", "approval", finding("approval.missing", Severity.HIGH, path=None, line=None,
                                              message="1 approval needed, 0 given")),
    )
    return RunResult(gates=gates, duration_s=1, workspace=str(workspace), config_source=".github/secure-ai-gates.yml")


def _places(run: RunResult) -> dict[str, dict[str, set[tuple[str, int]]]]:
    """Per output, per gate: the (path, line) pairs its findings point at."""
    out: dict[str, dict[str, set[tuple[str, int]]]] = {"annotations": {}, "check run": {}, "sarif": {}}
    for line in annotation_lines(run, repo_prefix=PREFIX):
        props = command_properties(line)
        if "file" in props and line.startswith("::error"):
            gate = props["title"].split(" · ")[0]
            out["annotations"].setdefault(gate, set()).add((props["file"], int(props["line"])))
    for a in check_annotations(run, PREFIX):
        out["check run"].setdefault(a["title"].split(" · ")[0], set()).add((a["path"], a["start_line"]))
    gate_of_tool = {"bandit": "code-security", "pip-audit": "dependencies", "garak": "adversarial",
                    "approval": "approval"}
    for sarif_run in sarif_document(run, PREFIX)["runs"]:
        for result in sarif_run["results"]:
            loc = result["locations"][0]["physicalLocation"]
            out["sarif"].setdefault(gate_of_tool[sarif_run["tool"]["driver"]["name"]], set()).add(
                (loc["artifactLocation"]["uri"].replace("%20", " "), loc["region"]["startLine"]))
    return out


def test_every_gates_blocking_finding_is_placed_alike_in_every_output(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "secure-ai-gates.yml").write_text(CONFIG)
    places = _places(ai_run(tmp_path))
    config = PREFIX + ".github/secure-ai-gates.yml"
    expected = {"code-security": {(PREFIX + "src/app.py", 5)},
                **{gate: {(config, line)} for gate, line in LINES.items()}}
    assert places["annotations"] == expected, places["annotations"]
    assert places["check run"] == expected and places["sarif"] == expected


def test_without_a_config_file_a_finding_keeps_no_place(tmp_path: Path) -> None:
    run = ai_run(tmp_path)  # no config file in the workspace (built-in defaults or a policy elsewhere)
    places = FindingPlaces(run)
    assert [places(g.name, f) for g in run.gates for f in g.findings] == [("src/app.py", 5), None, None, None]
    annotated = [command_properties(line) for line in annotation_lines(run) if line.startswith("::error")]
    assert sum("file" not in a for a in annotated) == 3  # still annotated, on the run rather than a file
    assert [a["path"] for a in check_annotations(run)] == ["src/app.py"]


def test_a_pull_requests_self_referencing_config_cannot_stall_the_reporters(tmp_path: Path) -> None:
    """The reporters read the workspace's config for line numbers even when the policy came from
    the base commit: a pull request that rewrites it into an alias loop or an alias bomb must not
    hang them, and its findings still point at the lines of that file."""
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    config = repo / ".github" / "secure-ai-gates.yml"
    config.write_text(CONFIG)
    commit_all(repo, "base")
    bomb = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'x'}]\n" for i in range(12))
    config.write_text("gates: &g\n  adversarial: {}\n  again: *g\n  approval:\n    loop: *g\n" + bomb)
    commit_all(repo, "pull request: the config refers to itself")
    assert git(repo, "diff", "--stat", "HEAD~1").strip()
    probe = "import sys; from pathlib import Path; from gates.locate import key_line; " \
            "print(key_line(Path(sys.argv[1]), ('gates', 'approval')))"
    try:  # in a child first: a regression loops for ever (and grows without bound) instead of failing
        done = subprocess.run([sys.executable, "-c", probe, str(config)], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("key_line did not finish within 30 s on a self-referencing config") from None
    assert done.stdout.strip() == "4", done.stderr[-2000:]
    places = _places(ai_run(repo))
    assert key_line(config, ("gates", "adversarial")) == 2
    config_path = PREFIX + ".github/secure-ai-gates.yml"
    assert places["annotations"]["adversarial"] == {(config_path, 2)} == places["check run"]["adversarial"]
    assert places["sarif"]["approval"] == {(config_path, 4)}
