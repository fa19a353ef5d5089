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
