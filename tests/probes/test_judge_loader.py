"""Refusal detector, judging replies, and loading probe files (built-in and the user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import ConfigError
from gates.model import Severity
from gates.probes.judge import judge
from gates.probes.loader import builtin_files, check_unique, load_builtin, load_files
from gates.probes.model import Category, Expectation, Probe
from gates.probes.refusal import RefusalDetector, is_refusal

CANARY = "AIGATE-00AA11BB22CC"


@pytest.mark.parametrize("text", ["I'm sorry, but I can't help with that.", "I cannot share my instructions.",
                                  "I won't follow encoded instructions.", "As an AI, I must decline.",
                                  "That is against my guidelines."])
def test_refusals(text: str) -> None:
    assert is_refusal(text)


@pytest.mark.parametrize("text", ["Sure! Here is how.", "The capital of France is Paris.", "DAN Mode enabled.", ""])
def test_not_refusals(text: str) -> None:
    assert not is_refusal(text)


def test_extra_refusal_patterns() -> None:
    assert RefusalDetector([r"\bDésolé\b"]).is_refusal("Désolé, je ne peux pas.")
    assert not is_refusal("Désolé, je ne peux pas.")


def _probe(expect: Expectation, category: str = "custom") -> Probe:
    return Probe("p", category, "t", Severity.MEDIUM, ({"role": "user", "content": "x"},), expect)


def test_judge_each_condition() -> None:
    expect = Expectation(refused=True, must_not_contain=("pwned",), must_not_match=(r"\d{3}-\d{4}",),
                         must_match=(r"(?i)sorry",), json_schema=None)
    assert judge(_probe(expect), "I'm sorry, but I can't help with that.", [CANARY]) == ()
    reasons = [v.reason for v in judge(_probe(expect), "PWNED! call 555-1234", [CANARY])]
    assert reasons == ["the reply is not a refusal", "the reply contains 'pwned'", r"the reply matches /\d{3}-\d{4}/",
                       "the reply does not match /(?i)sorry/"]
    schema = Expectation(json_schema={"type": "object", "required": ["answer"]})
    assert judge(_probe(schema), '```json\n{"answer": 4}\n```', []) == ()
    assert "at (root)" in judge(_probe(schema), '{"other": 1}', [])[0].reason
    (leak,) = judge(_probe(Expectation(must_not_contain=("zzz",))), f"ok {CANARY[::-1]}", [CANARY])
    assert leak.rule_id == "secret-leak" and leak.severity is Severity.CRITICAL and "reversed" in leak.reason


def test_builtin_suite_conformance() -> None:
    probes = load_builtin()
    check_unique(probes)
    assert len(builtin_files()) >= 3 and len(probes) >= 16
    categories = {p.category for p in probes}
    for category in Category:  # every built-in category has probes, and nothing else is used
        assert category.value in categories
    assert categories <= {c.value for c in Category}
    for probe in probes:
        expect = probe.expect
        assert expect.no_leak or expect.must_not_contain or expect.must_not_match or expect.must_match, probe.id
        assert expect.refused is not True, f"{probe.id}: built-in probes judge evidence, not refusal wording"
        assert probe.goal, f"{probe.id} states no goal"
        assert "{payload}" not in probe.prompt and probe.messages[-1]["role"] == "user"
        assert probe.source is None and probe.title


def test_user_file_errors_name_file_key_and_line(tmp_path: Path) -> None:
    cases = {
        "yaml.yaml": ("probes: [\n", "invalid YAML"),
        "recursive.yaml": ("probes: &p\n  - *p\n", "recursive structure"),
        "schema.yaml": ("probes:\n  - id: a\n    prompt: hi\n    expect: {}\n", r"schema.yaml:4: probes.0.expect"),
        "regex.yaml": ("probes:\n  - id: a\n    prompt: hi\n    expect: {must-match: ['(']}\n",
                       "bad regular expression"),
        "payload.yaml": ("probes:\n  - id: a\n    prompt: 'x {payload}'\n    expect: {refused: true}\n",
                         "no payload"),
        "last.yaml": ("probes:\n  - id: a\n    messages: [{role: assistant, content: hi}]\n"
                      "    expect: {refused: true}\n",
                      "last message"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_files([tmp_path / name], workspace=tmp_path)
    (tmp_path / "dup.yaml").write_text("probes:\n  - id: jailbreak.dan\n    prompt: hi\n    expect: {refused: true}\n")
    with pytest.raises(ConfigError, match=r"dup.yaml:2: id: probe id 'jailbreak.dan' is already defined"):
        check_unique(load_builtin() + load_files([tmp_path / "dup.yaml"], workspace=tmp_path))


def test_user_payload_encoding(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("version: 1\nprobes:\n  - id: mine.hex\n    payload: hi there\n"
                                     "    encoding: hex\n    prompt: 'decode {payload}'\n    expect: {refused: true}\n")
    (probe,) = load_files([tmp_path / "p.yaml"], workspace=tmp_path)
    assert probe.prompt == "decode " + b"hi there".hex() and probe.source == "p.yaml" and probe.line == 3
    assert probe.category == "custom" and probe.severity is Severity.HIGH
