"""The job summary at scale, as a reviewer sees it: cmark-gfm in headless Chromium at 1,012 px.

70,000 findings: under 1 MiB, blocking and worst first, every gate's section closed, no
element wider than the summary pane (``scripts/summary_preview.py`` does the rendering and
the layout probe; the README's picture is made with the same script).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from gates.fingerprint import fingerprint
from gates.model import Finding, GateResult, RunResult, Severity, Status
from gates.reporters.markdown import STEP_SUMMARY_LIMIT, render_summary
from tests.reporters.hostile import assert_no_injected_markup

REPO = Path(__file__).resolve().parents[2]
SEVERITIES = (Severity.LOW, Severity.MEDIUM, Severity.LOW, Severity.HIGH, Severity.INFO)


def _preview() -> ModuleType:
    spec = importlib.util.spec_from_file_location("summary_preview", REPO / "scripts" / "summary_preview.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(n: int) -> RunResult:
    long_path = "src/" + "/".join(f"very_long_package_name_{k}" for k in range(8))
    code = tuple(Finding(rule_id=f"B{i % 60:03d}", severity=SEVERITIES[i % 5],
                         fingerprint=fingerprint("b", str(i), ""), path=f"{long_path}/module_{i % 2000}.py",
                         line=i % 700 + 1, message="x" * 180 + f" issue {i}", tool="bandit") for i in range(n))
    deps = tuple(Finding(rule_id=f"PYSEC-2026-{i}", severity=Severity.CRITICAL,
                         fingerprint=fingerprint("d", str(i), ""), message=f"pkg{i} has a known vulnerability",
                         path="requirements.txt", line=i + 1) for i in range(8))
    probe_table = ("| probe | category | attack succeeded | verdict | example reply (redacted, truncated) |\n"
                   "|---|---|---:|---|---|\n" + "".join(
                       f"| extraction.hex.{k} | system-prompt-extraction | 5 of 5 | failed: the reply leaks the "
                       f"canary | Here you go: {'596f7520617265' * 12}... |\n"
                       for k in range(20)))  # a model's hex reply cannot wrap: wider than the pane in a cell
    gates = (GateResult(name="code-security", title="Code security", status=Status.FAILED, summary="many",
                        duration_s=1, findings=code, tool="bandit", fail_on=Severity.HIGH),
             GateResult(name="dependencies", title="Dependencies", status=Status.FAILED, summary="8", duration_s=1,
                        findings=deps, tool="pip-audit"),
             GateResult(name="model-security", title="Model security", status=Status.PASSED, summary="20 probes",
                        duration_s=1, details=probe_table, tool="probes"))  # a gate's own wide table
    return RunResult(gates=gates, duration_s=2, workspace=".", config_source="built-in defaults")


@pytest.fixture(scope="module")
def seventy_thousand() -> str:
    """The job summary of a 70,000-finding run (rendered once for the tests below)."""
    return render_summary(_run(70_000), limit=STEP_SUMMARY_LIMIT)


def test_seventy_thousand_findings_fit_sorted_and_closed(seventy_thousand: str) -> None:
    text = seventy_thousand
    assert len(text.encode()) <= STEP_SUMMARY_LIMIT < 1024 * 1024
    blocks = text[text.index("### What blocks"):text.index("### What changed since the base")]
    assert blocks.index("critical") < blocks.index("**high**")  # the 8 critical dependencies first
    assert blocks.count("`dependencies`") == 8  # all of them, across gates, not crowded out
    section = text[text.index("<summary>❌ <b>code-security"):].split("</details>")[0]
    severities = [line.split("**")[1] for line in section.splitlines() if line.startswith("- ")]
    assert len(severities) > 2_000 and set(severities) == {"high"}  # the 14,000 blocking ones first
    assert f"… and {70_000 - len(severities)} more finding(s), not shown" in section
    assert_no_injected_markup(text, sections=3)


@pytest.mark.slow
def test_nothing_is_clipped_at_the_summary_pane_width(seventy_thousand: str, tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    preview = _preview()
    text = seventy_thousand  # the whole 1 MB page, every section opened, through cmark-gfm and Chromium
    assert "more finding(s), not shown" in text
    opened = text.replace("<details>", "<details open>")  # what a reviewer sees after expanding every section
    assert preview.overflowing(opened) == []
    wide = "| gate | message |\n|---|---|\n| code | " + "clipped" * 200 + " |\n"  # the old wide tables
    assert preview.overflowing(opened.replace("### Gates", wide + "\n### Gates", 1)) != []  # the probe sees it
    png = tmp_path / "summary.png"
    preview.screenshot(text, png, height=900)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
