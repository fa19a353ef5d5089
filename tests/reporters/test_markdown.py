"""The summary: a gate table, details per gate, and trimming under a size limit."""

from __future__ import annotations

from gates.model import GateResult, RunResult, Severity, Status
from gates.reporters.markdown import render_summary
from tests.support.fake_gates import finding


def _run(n_low: int) -> RunResult:
    findings = [finding("CRIT", Severity.CRITICAL, message="the worst one")] + \
        [finding(f"L{i}", Severity.LOW, line=i + 1, message="x" * 200) for i in range(n_low)]
    gate = GateResult(name="code-security", title="Code security", status=Status.FAILED, summary="many",
                      duration_s=1.25, findings=tuple(findings), fail_on=Severity.HIGH)
    skipped = GateResult(name="approval", title="Approval", status=Status.SKIPPED, summary="not a pull request",
                         duration_s=0)
    return RunResult(gates=(gate, skipped), duration_s=2, workspace=".", config_source="built-in defaults")


def test_table_and_sections() -> None:
    text = render_summary(_run(2))
    assert "## 🛡️ secure-ai-gates: ❌ failed" in text
    assert "| ❌ | Code security | failed | 1 | 3 | 1.2 s |" in text
    assert "| ⏭️ | Approval | skipped | 0 | 0 | 0.0 s |" in text
    assert "<details><summary>❌ <b>code-security</b>: failed (1 blocking of 3)</summary>" in text
    assert "_(below fail-on)_" in text
    assert text.index("### What blocks") < text.index("### Gates") < text.index("<details>")


def test_trimmed_to_limit_keeping_the_worst() -> None:
    text = render_summary(_run(5000), limit=50_000)
    assert len(text.encode()) <= 50_000
    assert "the worst one" in text
    assert "more finding(s), not shown to keep this summary within GitHub's size limit" in text
    assert text.count("<details>") == text.count("</details>") == 1  # nothing cut mid-section


def test_markup_in_messages_is_escaped() -> None:
    run = _run(0)
    evil = finding("X", Severity.CRITICAL, message="</details><script>alert(1)</script> | pipe")
    gate = GateResult(name="g", title="G", status=Status.FAILED, summary="<b>s</b>", duration_s=0, findings=(evil,))
    text = render_summary(RunResult(gates=(gate,) + run.gates, duration_s=0, workspace=".", config_source="x"))
    assert "<script>" not in text and "&lt;script&gt;" in text and "\\| pipe" in text


def _baselined(rule: str, line: int) -> object:
    from gates.model import Suppression, SuppressionKind

    return finding(rule, Severity.HIGH, line=line).with_suppression(
        Suppression(SuppressionKind.BASELINE, "already present in .github/baseline.json"))


def _changes(text: str) -> str:
    return text[text.index("### What changed since the base"):text.index("### Gates")]


def test_what_changed_lists_the_new_findings_and_counts_the_fixed_ones() -> None:
    new = [finding(f"N{i}", (Severity.LOW, Severity.CRITICAL, Severity.HIGH)[i % 3], line=100 + i,
                   message=f"new issue {i}") for i in range(14)]
    code = GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                      findings=(*new, *(_baselined(f"OLD{i}", i + 1) for i in range(4))),  # type: ignore[arg-type]
                      fail_on=Severity.HIGH, metrics={"baseline": ".github/baseline.json", "fixed": 2})
    deps = GateResult(name="dependencies", title="Deps", status=Status.FAILED, summary="s", duration_s=1,
                      findings=(finding("PYSEC-1", Severity.HIGH, path="requirements.txt", line=1),))
    text = render_summary(RunResult(gates=(code, deps), duration_s=1, workspace=".", config_source="x"))
    changes = _changes(text)
    assert ("- `code-security` against `.github/baseline.json`: **14 new** (9 blocking), 4 unchanged from the base, "
            "2 fixed (in the base, gone now)") in changes
    assert "- Not compared with the base (they judge this commit as it is): `dependencies`" in changes
    listed = [line for line in changes.splitlines() if line.startswith("- ") and "new issue" in line]
    assert "(10 of 14)" in changes and len(listed) == 10  # the top 10, worst first
    assert [line.split("**")[1] for line in listed] == ["critical"] * 5 + ["high"] * 4 + ["low"]
    assert "OLD" not in changes and "PYSEC-1" not in changes  # neither baselined nor uncompared findings


def test_without_the_base_s_results_the_summary_says_so() -> None:
    changes = _changes(render_summary(_run(2)))  # a push: no baseline, nothing compared
    assert "- Not compared with the base (no gate had the base's results: not a pull request and no baseline " \
           "file): `code-security`; all their findings count." in changes
    assert "New since the base" not in changes and "fixed" not in changes


def test_a_pull_request_base_scan_gives_no_fixed_count() -> None:
    gate = GateResult(name="code-security", title="Code", status=Status.PASSED, summary="s", duration_s=1,
                      findings=(_baselined("OLD", 1),), metrics={"baseline": "base commit 0123456789ab"})
    text = render_summary(RunResult(gates=(gate,), duration_s=1, workspace=".", config_source="x"))
    assert "- `code-security` against `base commit 0123456789ab`: **0 new** (0 blocking), 1 unchanged from the " \
           "base\n" in _changes(text)


def test_nothing_to_compare_and_nothing_found_adds_no_section() -> None:
    gate = GateResult(name="code-security", title="Code", status=Status.PASSED, summary="s", duration_s=1)
    assert "What changed" not in render_summary(RunResult(gates=(gate,), duration_s=1, workspace=".",
                                                          config_source="x"))
