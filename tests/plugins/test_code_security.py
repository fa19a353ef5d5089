"""The code-security gate end to end: real bandit and pylint, real git, baselines that survive moves."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from gates.errors import GateError
from gates.git import GitUnavailable
from gates.model import Checked, Severity, SuppressionKind
from gates.plugins.code_security import CodeSecurityGate
from tests.codescan.support import bandit_cli, cli_triples, commit_all, context, insert_lines, make_corpus, pr_event

SCHEMA = Path(__file__).resolve().parents[2] / "gates" / "config" / "schema" / "gates" / "code-security.json"
BASELINE = ".github/code-security-baseline.json"


def _run(ctx) -> Checked:
    outcome = CodeSecurityGate().run(ctx)
    assert isinstance(outcome, Checked), outcome
    return outcome


def _new(result: Checked) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.rule_id, f.path, f.line) for f in result.findings if not f.suppressed)


def test_findings_carry_what_reports_need(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace, broken=True)
    result = _run(context(workspace))
    assert result.checked == 11 and result.metrics["parse_errors"] == 1
    ours = Counter((f.rule_id, f.path, f.line) for f in result.findings if f.rule_id != "parse-error")
    assert ours == cli_triples(bandit_cli(workspace))  # the gate loses and invents nothing
    assert result.tool_versions["bandit"]
    assert {f.tool for f in result.findings} == {"bandit"}
    blocking = [f for f in result.findings if f.severity.at_least(CodeSecurityGate.default_fail_on)]
    assert ("parse-error", "src/broken.py") in {(f.rule_id, f.path) for f in blocking}
    b602 = next(f for f in result.findings if f.rule_id == "B602")
    assert (
        b602.severity is Severity.HIGH and b602.cwe == (78,) and b602.title == "subprocess_popen_with_shell_equals_true"
    )
    assert b602.help_uri and "b602" in b602.help_uri and b602.properties["confidence"] == "HIGH"
    assert all(f.fingerprint and f.path and not f.suppressed for f in result.findings)
    assert "B602" not in result.details  # findings are listed once, by the reporters, not again in the details
    assert result.summary.startswith(f"{len(result.findings)} findings")
    assert CodeSecurityGate.default_fail_on is Severity.HIGH


def test_no_python_files_checks_nothing(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "README.md").write_text("# nothing to scan\n", encoding="utf-8")
    result = _run(context(workspace))
    assert result.checked == 0 and result.findings == ()


def test_own_scratch_and_report_dirs_inside_the_workspace_are_not_scanned(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    for leftover in ("secure-ai-gates-report/.work/code-security/base/src", "secure-ai-gates-report/extra"):
        (workspace / leftover).mkdir(parents=True)
        (workspace / leftover / "old.py").write_text("import pickle\npickle.loads(b'')\n", encoding="utf-8")
    ctx = replace(context(workspace), report_dir=workspace / "secure-ai-gates-report",
                  work_dir=workspace / "secure-ai-gates-report" / ".work" / "code-security")
    result = _run(ctx)
    assert result.checked == 11
    assert all(f.path.startswith("src/") for f in result.findings)


def test_pylint_findings_join_bandit_ones(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    result = _run(context(workspace, {"pylint": True, "paths": ["src/dynamic.py", "src/handlers.py"]}))
    pylint = {(f.title, f.path, f.line) for f in result.findings if f.tool == "pylint"}
    assert pylint == {
        ("eval-used", "src/dynamic.py", 5),
        ("exec-used", "src/dynamic.py", 9),
        ("forgotten-debug-statement", "src/dynamic.py", 13),
        ("broad-exception-caught", "src/handlers.py", 8),
        ("bare-except", "src/handlers.py", 17),
        ("lost-exception", "src/handlers.py", 26),
    }
    eval_used = next(f for f in result.findings if f.title == "eval-used")
    assert eval_used.rule_id == "W0123" and eval_used.aliases == ("eval-used",)
    assert result.tool_versions.keys() == {"bandit", "pylint"}


def test_committed_baseline_survives_moved_code_and_counts_duplicates(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    src = make_corpus(workspace)
    written = _run(context(workspace, {"baseline-file": BASELINE}, update_baseline=True))
    assert written.findings and all(f.suppressed for f in written.findings)
    entries = json.loads((workspace / BASELINE).read_text(encoding="utf-8"))["findings"]
    assert len(entries) == len(written.findings)

    # push event, baseline-file set: new-findings-only is on by default; nothing is new
    same = _run(context(workspace, {"baseline-file": BASELINE}))
    assert _new(same) == [] and same.metrics["baselined"] == len(written.findings)
    assert all(f.suppression.kind is SuppressionKind.BASELINE for f in same.findings)

    # move code: lines inserted above the findings of two files
    insert_lines(src / "shell.py", 3, ["# a comment", "", "LIMIT = 3", ""])
    insert_lines(src / "crypto.py", 1, ['"""Moved down."""', ""])
    moved = _run(context(workspace, {"baseline-file": BASELINE}))
    assert _new(moved) == []
    assert {(f.rule_id, f.line) for f in moved.findings if f.path == "src/shell.py"} >= {("B602", 12), ("B602", 16)}

    # duplicate one vulnerable line: exactly one new finding, on the copy
    lines = (src / "shell.py").read_text(encoding="utf-8").splitlines()
    vulnerable = next(i for i, line in enumerate(lines) if "tar czf" in line)
    lines.insert(vulnerable + 1, lines[vulnerable])
    (src / "shell.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dup = _run(context(workspace, {"baseline-file": BASELINE}))
    assert _new(dup) == [("B602", "src/shell.py", vulnerable + 2)]
    assert dup.summary.startswith("1 new finding (1 high)")

    # switched off explicitly: every finding counts again
    off = _run(context(workspace, {"baseline-file": BASELINE, "new-findings-only": False}))
    assert len(_new(off)) == len(off.findings)

    # a fixed file: its findings are counted as fixed (in the baseline, gone now); the copy stays new
    assert same.metrics["fixed"] == dup.metrics["fixed"] == 0
    in_crypto = sum(1 for f in dup.findings if f.path == "src/crypto.py")
    (src / "crypto.py").unlink()
    fixed = _run(context(workspace, {"baseline-file": BASELINE}))
    assert in_crypto and fixed.metrics["fixed"] == in_crypto
    assert fixed.metrics["base_findings"] == len(written.findings) and len(_new(fixed)) == 1


def test_pull_request_baseline_is_the_base_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    src = make_corpus(repo)
    base = commit_all(repo, "base")
    insert_lines(src / "deserialize.py", 9, ["", "def helper():", "    return None", ""])  # moves pickle.loads
    (src / "sql.py").unlink()  # a fixed file
    (src / "fresh.py").write_text("import hashlib\n\n\ndef h(b):\n    return hashlib.md5(b).hexdigest()\n",
                                  encoding="utf-8")
    with (src / "dynamic.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef calculate_again(expression):\n    return eval(expression)\n")
    head = commit_all(repo, "head")
    result = _run(context(repo, event=pr_event(base, head)))
    assert _new(result) == [("B307", "src/dynamic.py", 17), ("B324", "src/fresh.py", 5)]
    assert result.metrics["baseline"] == f"base commit {base[:12]}"
    assert "fixed" not in result.metrics  # the base scan sees only files with findings now: no fix count
    assert not any(f.path == "src/sql.py" for f in result.findings)
    # pylint's findings are baselined the same way
    with_pylint = _run(context(repo, {"pylint": True}, event=pr_event(base, head)))
    assert [k for k in _new(with_pylint) if k[0].startswith("W")] == [("W0123", "src/dynamic.py", 17)]


def test_pull_request_without_history_is_undecided(tmp_path: Path) -> None:
    # the config, suppressions and baseline must come from the base commit: no silent fall back to the head's
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    commit_all(workspace, "only")
    with pytest.raises(GitUnavailable, match="fetch-depth: 0"):
        CodeSecurityGate().run(context(workspace, event=pr_event("2" * 40)))


@pytest.mark.parametrize(("content", "message"), [(None, "does not exist"), ("{}", "not a code-security baseline"),
                                                  ('{"schema": 1, "findings": [', "not valid JSON")])
def test_configured_baseline_that_is_missing_or_corrupt_is_a_gate_error(tmp_path: Path, content, message) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    if content is not None:
        (workspace / "baseline.json").write_text(content, encoding="utf-8")
    with pytest.raises(GateError, match=message):
        CodeSecurityGate().run(context(workspace, {"baseline-file": "baseline.json"}))


def test_update_baseline_needs_a_baseline_file(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    make_corpus(workspace)
    with pytest.raises(GateError, match="baseline-file"):
        CodeSecurityGate().run(context(workspace, update_baseline=True))


def test_options_schema_fragment_is_valid_and_describes_every_key() -> None:
    fragment = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "additionalProperties": False, "properties": fragment["properties"]}
    jsonschema.Draft202012Validator.check_schema(schema)
    assert all(prop.get("description") for prop in fragment["properties"].values())
    example = {"paths": ["src"], "exclude": ["src/generated"], "severity-level": "low", "confidence-level": "medium",
               "skip": ["B101"], "pylint": True, "pylint-messages": ["eval-used"], "new-findings-only": True,
               "baseline-file": BASELINE, "ignore-nosec": False, "bandit-config": "pyproject.toml",
               "bandit-ini": ".bandit"}
    jsonschema.validate(example, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"skip": ["B1O1"]}, schema)


def test_a_pull_request_cannot_rewrite_what_changed_since_the_base(tmp_path: Path) -> None:
    """The summary's "what changed" counts come from the base's committed baseline: a pull request
    that rewrites the baseline to cover its new finding and to claim fixes changes none of them."""
    from gates.model import GateResult, RunResult, Status
    from gates.reporters.markdown import render_summary

    repo = tmp_path / "repo"
    src = make_corpus(repo)
    written = _run(context(repo, {"baseline-file": BASELINE}, update_baseline=True))
    base = commit_all(repo, "base with its baseline")
    with (src / "dynamic.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef calculate_again(expression):\n    return eval(expression)\n")
    head_scan = _run(context(repo, {"baseline-file": BASELINE, "new-findings-only": False}))
    forged = {"schema": 1, "gate": "code-security", "findings": [{"fingerprint": f.fingerprint}
                                                                  for f in head_scan.findings]}
    (repo / BASELINE).write_text(json.dumps(forged), encoding="utf-8")  # covers the new one, drops nothing
    head = commit_all(repo, "pull request: a new eval and a baseline that hides it")
    result = _run(context(repo, {"baseline-file": BASELINE}, event=pr_event(base, head)))
    assert _new(result) == [("B307", "src/dynamic.py", 17)]
    assert result.metrics["fixed"] == 0 and result.metrics["base_findings"] == len(written.findings)
    gate = GateResult(name="code-security", title="Code", status=Status.FAILED, summary=result.summary,
                      duration_s=1, findings=result.findings, metrics=result.metrics, fail_on=Severity.MEDIUM)
    text = render_summary(RunResult(gates=(gate,), duration_s=1, workspace=str(repo), config_source="x"))
    assert f"**1 new** (1 blocking), {len(written.findings)} unchanged from the base, 0 fixed" in text
