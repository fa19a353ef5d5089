"""Annotations: nothing a finding says can inject a workflow command; caps per level."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from gates.ghactions import command
from gates.model import GateResult, RunResult, Severity, Status
from gates.reporters.annotations import annotation_lines
from tests.support.fake_gates import finding

COMMAND_LINE = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:\r\n]*(,[a-z]+=[^,:\r\n]*)*)?::[^\r\n]*$")
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80) | st.sampled_from(
    ["::error::boom", "a\n::set-output name=x::y", "x\r\n::add-mask::", "%0A::stop-commands::t", "a,b:c=d"])


def _props(line: str) -> dict[str, str]:
    head = line[2:].split("::", 1)[0]
    if " " not in head:
        return {}
    return dict(p.split("=", 1) for p in head.split(" ", 1)[1].split(","))


def _unescape(value: str) -> str:
    return (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


@settings(max_examples=300, deadline=None)
@given(message=text, title=text, path=text)
def test_one_line_one_command_and_properties_round_trip(message: str, title: str, path: str) -> None:
    line = command("error", message, {"file": path, "line": 3, "title": title})
    assert "\n" not in line and "\r" not in line
    assert COMMAND_LINE.match(line), line
    props = _props(line)
    assert set(props) == {"file", "line", "title"}
    assert _unescape(props["file"]) == path and _unescape(props["title"]) == title
    assert _unescape(line.split("::", 2)[2]) == message


def _run(findings) -> RunResult:
    gate = GateResult(name="code-security", title="Code", status=Status.FAILED, summary="s", duration_s=1,
                      findings=tuple(findings), tool="bandit", fail_on=Severity.LOW)
    return RunResult(gates=(gate,), duration_s=1, workspace=".", config_source="x")


def test_caps_ten_per_level_and_says_how_many_more() -> None:
    many = [finding(f"R{i}", Severity.HIGH, line=i + 1) for i in range(25)] + \
           [finding(f"M{i}", Severity.MEDIUM, line=i) for i in range(3)] + \
           [finding(f"L{i}", Severity.LOW, line=i) for i in range(12)]
    lines = annotation_lines(_run(many))
    levels = [line.split(" ", 1)[0].split("::")[1] for line in lines]
    assert levels.count("error") == 10 and levels.count("warning") == 3 and levels.count("notice") == 10
    # 15 errors over the cap + 3 notices (one notice slot is kept for this line)
    assert "18 more finding(s)" in lines[-1]
    # the worst come first
    assert lines[0].startswith("::error file=src/app.py,line=1,title=code-security · R0::R0 found")


def test_hostile_file_name_cannot_add_properties() -> None:
    f = finding("X1", Severity.HIGH, path="evil,line=1,title=x::error::pwned\n::add-mask::")
    (line,) = annotation_lines(_run([f]))
    assert line.count("::") == 2 and "\n" not in line
    assert _unescape(_props(line)["file"]) == f.path


def _gate(name: str, findings, fail_on: Severity = Severity.LOW, status: Status = Status.FAILED) -> GateResult:
    return GateResult(name=name, title=name, status=status, summary="s", duration_s=1, findings=tuple(findings),
                      tool=name, fail_on=fail_on)


def test_every_blocking_gate_gets_a_fair_share_of_the_ten_errors() -> None:
    code = [finding(f"B{i}", Severity.HIGH, line=i + 1) for i in range(1000)]
    deps = [finding(f"PYSEC-{i}", Severity.HIGH, path="requirements.txt", line=i + 1) for i in range(8)]
    run = RunResult(gates=(_gate("code-security", code), _gate("dependencies", deps)), duration_s=1, workspace=".",
                    config_source="x")
    errors = [line for line in annotation_lines(run) if line.startswith("::error")]
    assert len(errors) == 10
    assert sum("title=dependencies" in line for line in errors) == 5
    assert sum("title=code-security" in line for line in errors) == 5


def test_a_warning_slot_is_kept_for_the_check_run_and_titles_say_the_rule_once() -> None:
    warnings = [finding(f"M{i}", Severity.MEDIUM, line=i + 1, title=f"M{i} insecure thing") for i in range(30)]
    run = RunResult(gates=(_gate("code-security", warnings),), duration_s=1, workspace=".", config_source="x")
    lines = annotation_lines(run, reserve_warnings=1)
    assert sum(line.startswith("::warning") for line in lines) == 9
    assert "title=code-security · M0 insecure thing::" in lines[0]


def test_paths_are_repository_relative() -> None:
    run = RunResult(gates=(_gate("code-security", [finding("B1", Severity.HIGH, path="src/a.py")]),), duration_s=1,
                    workspace=".", config_source="x")
    (line,) = annotation_lines(run, repo_prefix="examples/demo-project/")
    assert line.startswith("::error file=examples/demo-project/src/a.py,line=3,")
