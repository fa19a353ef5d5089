"""Config errors: each bad file exits 2 with a message naming the file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.config.run_config import load_config
from gates.errors import ConfigError, ExitCode
from gates.model import Severity

GOOD = """\
version: 1
fail-on: medium
timeout: 10m
endpoint:
  url: http://127.0.0.1:8000/v1/chat/completions
  model: demo
gates:
  code-security:
    fail-on: high
  adversarial: false
  approval:
    enabled: true
waivers:
  - id: B602
    path: src/legacy/**
    reason: reviewed, input is constant
    owner: "@sec-team"
    expires: 2999-01-31
"""

BAD = [
    # (yaml, expected substrings in the message, expected line)
    ("gates:\n  code-securty: {}\n", ["gates.code-securty", "unknown key", "did you mean 'code-security'"], 2),
    ("fail-on: hgh\n", ["fail-on", "'hgh' is not one of", "did you mean 'high'"], 1),
    ("timeout: soon\n", ["timeout", "not a duration"], 1),
    ("gates:\n  dependencies:\n    timeout: -5\n", ["gates.dependencies.timeout"], 3),
    ("gates:\n  dependencies:\n    enabled: yes please\n", ["gates.dependencies.enabled", "boolean"], 3),
    ("waivers:\n  - id: B101\n    owner: me\n    expires: 2030-01-01\n", ["waivers[0]", "'reason' is a required"], 2),
    ("waivers:\n  - id: B101\n    owner: me\n    reason: because\n", ["waivers[0]", "'expires' is a required"], 2),
    ("waivers:\n  - id: B101\n    owner: me\n    reason: because\n    expires: 2030-02-31\n",
     ["waivers[0].expires", "not a real date"], 5),
    ("waivers:\n  - id: B101\n    owner: me\n    reason: because\n    expires: next year\n",
     ["waivers[0].expires", "not a date"], 5),
    ("version: 1\nversion: 1\n", ["duplicate key", "version", "first defined on line 1"], 2),
    ("gates: [code-security\n", ["invalid YAML"], 2),
    ("endpoint:\n  model: x\n", ["endpoint", "url"], 1),
    ("concurrency: 0\n", ["concurrency"], 1),
    ("unknown-top: 1\n", ["unknown key", "unknown-top"], 1),
    # an alias inside the node it names: a structure without end (it used to exit 3 with RecursionError)
    ("gates: &g\n  code-security:\n    paths: *g\n", ["gates.code-security.paths", "recursive structure"], 1),
    ("x: &l\n  - a\n  - *l\n", ["x.1", "recursive structure"], 1),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secure-ai-gates.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_is_typed(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    assert config.fail_on is Severity.MEDIUM and config.timeout_s == 600
    assert config.endpoint is not None and config.endpoint.model == "demo"
    assert config.gate("code-security").fail_on is Severity.HIGH
    assert config.gate("adversarial").enabled is False
    assert config.gate("approval").enabled is True
    assert config.waivers[0].path == "src/legacy/**"


@pytest.mark.parametrize(("text", "expected", "line"), BAD, ids=[b[1][0] + str(i) for i, b in enumerate(BAD)])
def test_bad_config_names_key_and_line(tmp_path: Path, text: str, expected: list[str], line: int) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert info.value.exit_code is ExitCode.USAGE
    assert str(path) in message or info.value.source == str(path)
    for part in expected:
        assert part in message, message
    assert f"{path}:{line}:" in message, message


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, "fail-on: hgh\ngates:\n  code-securty: {}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "2 problems" in str(info.value)
    assert f"{path}:1:" in str(info.value) and f"{path}:3:" in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_bytes(b"gates:\n  \xff: 1\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "# nothing yet\n"))
    assert config.gates == {} and config.waivers == ()


def test_shared_aliases_are_checked_once_and_fast(tmp_path: Path) -> None:
    """A billion-laughs document: nine levels of nine aliases each (9**9 paths, 10 distinct nodes)."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path = tmp_path / "laughs.yml"
    path.write_text("\n".join(levels) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "unknown key" in str(err.value)  # judged by the schema, not walked 9**9 times
