"""Bad input through the real CLI: the exit code of the contract, a message naming the flag or
key, no traceback, and nothing started before the input was judged (issue: bad input is a usage
error, said once and clearly)."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gates.tooloutput import code_block, essential
from tests.commands.test_cli import ROOT, run_cli

BAD_URLS = ["htp:/x", "localhost:8000", "http://", "http:// spaced.example", "ftp://host/x", "http://h:99999/"]


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gates.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _assert_usage(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert "running" not in result.stdout, "a gate started before the input was judged"


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_endpoint_flag_is_a_usage_error_before_any_gate(tmp_path: Path, url: str) -> None:
    started = time.monotonic()
    result = run_cli(["run", "--workspace", str(tmp_path), "--gates", "model-security", "--endpoint", url,
                      "--report-dir", str(tmp_path / "r")])
    _assert_usage(result, "--endpoint", url.strip()[:6])
    assert time.monotonic() - started < 30  # no retries against an unusable URL (a loose bound, not a benchmark)


def test_bad_endpoint_input_names_the_input(tmp_path: Path) -> None:
    result = run_cli(["run", "--workspace", str(tmp_path), "--gates", "model-security",
                      "--report-dir", str(tmp_path / "r")], env={"INPUT_ENDPOINT": "htp:/x"})
    _assert_usage(result, "input endpoint", "'htp:/x'")


@pytest.mark.parametrize(("text", "key", "line"), [
    ("version: 1\nendpoint:\n  url: htp:/x\n", "endpoint.url", 3),
    ("version: 1\nendpoint:\n  kind: openai\n  url: 'localhost:8000'\n", "endpoint.url", 4),
    ("version: 1\ngates:\n  dependencies:\n    osv-url: htp://mirror/v1/query\n", "gates.dependencies.osv-url", 4),
    ("version: 1\ngates:\n  dependencies:\n    index-url: 'pypi.example/simple'\n", "gates.dependencies.index-url", 4),
])
def test_bad_urls_in_the_config_name_file_key_and_line(tmp_path: Path, text: str, key: str, line: int) -> None:
    config = _config(tmp_path, text)
    result = run_cli(["run", "--workspace", str(tmp_path), "--config", str(config),
                      "--report-dir", str(tmp_path / "r")])
    _assert_usage(result, f"gates.yml:{line}: {key}:", "not an http:// or https:// URL with a host")


@pytest.mark.parametrize("flag", ["--health-url", "--prometheus-url", "--metrics-url"])
@pytest.mark.parametrize("url", ["htp:/x", "http://"])
def test_bad_deploy_urls_name_the_flag(tmp_path: Path, flag: str, url: str) -> None:
    extra = {"--prometheus-url": ["--query-latency-ms", "up"],
             "--metrics-url": ["--metrics-latency-path", "latency"]}.get(flag, [])
    result = run_cli(["deploy", "--deploy-command", "true", "--rollback-command", "true",
                      "--state-file", str(tmp_path / "state.json"), flag, url, *extra])
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert flag in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "state.json").exists()


# -- a bare install: the package without its engines -------------------------------------------

CORE = ("PyYAML", "jsonschema", "packaging", "requests")


def _closure(names: tuple[str, ...]) -> set[str]:
    """The distributions ``names`` need at run time (no extras), by their metadata."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        for req in importlib.metadata.requires(name) or []:
            if "extra ==" in req:
                continue
            if ";" in req and "python_version" in req and "< \"3.1" in req:
                continue
            todo.append(re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0])
    return seen


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interpreter that sees our package and its core dependencies, and no engine."""
    root = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = next((root / "venv" / "lib").glob("python3*/site-packages"))
    for name in _closure(CORE):
        dist = importlib.metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)
    (site / "secure_ai_gates_src.pth").write_text(str(ROOT) + "\n", encoding="utf-8")
    python = root / "venv" / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import gates.cli, yaml, jsonschema, requests, packaging\n"
                            "import importlib.util as u\n"
                            "print([m for m in ('bandit', 'pip_audit', 'garak', 'pylint') if u.find_spec(m)])"],
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0 and probe.stdout.strip() == "[]", probe.stderr
    return python


def test_missing_engines_name_our_extras_and_say_once_how_to_install_everything(tmp_path: Path,
                                                                                  bare_python: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("print('hi')\n", encoding="utf-8")
    (ws / "requirements.txt").write_text("requests==2.31.0\n", encoding="utf-8")
    config = _config(tmp_path, "version: 1\ngates:\n  code-security:\n    paths: [src]\n"
                               "  dependencies:\n    requirements: [requirements.txt]\n")
    result = subprocess.run([str(bare_python), "-m", "gates", "run", "--workspace", str(ws), "--config", str(config),
                             "--gates", "code-security,dependencies,adversarial", "--endpoint", "http://127.0.0.1:9/v1",
                             "--report-dir", str(tmp_path / "r")],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    summaries = {g["name"]: g["summary"] for g in report["gates"]}
    assert "bandit is not installed: pip install 'secure-ai-gates[code]'" in summaries["code-security"]
    assert "pip-audit is not installed: pip install 'secure-ai-gates[deps]'" in summaries["dependencies"]
    assert "garak is not installed: pip install 'secure-ai-gates[adversarial]'" in summaries["adversarial"]
    assert result.stdout.count("to install every engine at once: pip install") == 1
    assert "secure-ai-gates[all,adversarial]" in result.stdout


# -- a crashing engine: the last lines in the summary, the whole output in the log ----------------

CRASH = """\
import sys
print("loading metrics", file=sys.stderr)
def deep(n):
    return deep(n - 1) if n else {}["accuracy"]
deep(40)
"""


def test_a_crashing_engine_shows_its_last_lines_not_its_traceback(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "crash.py").write_text(CRASH, encoding="utf-8")
    (ws / "baseline.json").write_text('{"accuracy": 0.9}\n', encoding="utf-8")
    config = _config(tmp_path, f"version: 1\ngates:\n  performance:\n    command: [{sys.executable!r}, crash.py]\n"
                               "    baseline: baseline.json\n")
    result = run_cli(["run", "--workspace", str(ws), "--config", str(config), "--gates", "performance",
                      "--report-dir", str(tmp_path / "r")])
    assert result.returncode == 3, (result.stdout, result.stderr)
    summary = (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")
    gate = next(g for g in json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))["gates"])
    assert "KeyError: 'accuracy'" in gate["summary"] + summary
    assert "Traceback (most recent call last)" not in summary
    assert 'File "' not in summary and "in deep" not in summary
    assert "in deep" in result.stdout  # the raw output stays in the gate's log group


@pytest.mark.parametrize(("text", "expected"), [
    ("", ""),
    ("one\ntwo\n\nthree\n", "one\ntwo\nthree"),
    ("a\nb\nc\nd\ne\nf\n", "c\nd\ne\nf"),
    ("warn: x\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n    boom()\n"
     "ValueError: bad header\n  (detail)\n", "ValueError: bad header"),
    ("Traceback (most recent call last):\n  File \"a\", line 1\nA: 1\nDuring handling of the above exception, "
     "another exception occurred:\n\nTraceback (most recent call last):\n  File \"b\", line 2\nB: 2\n", "B: 2"),
    ("\x1b[31mred error\x1b[0m\n", "red error"),
])
def test_essential_lines(text: str, expected: str) -> None:
    assert essential(text) == expected


def test_essential_caps_length_and_code_block_cannot_be_closed_from_inside() -> None:
    assert len(essential("x" * 10_000)) == 400
    block = code_block("a ``` b ```` c")
    assert block.startswith("`````\n") and block.endswith("\n`````")


def test_unknown_reporter_is_a_usage_error_listing_the_choices(tmp_path: Path) -> None:
    result = run_cli(
        ["run", "--workspace", str(tmp_path), "--reporters", "json,pdf", "--report-dir", str(tmp_path / "r")]
    )
    _assert_usage(result, "pdf", "json", "sarif", "check-run")


def test_chosen_reporters_are_the_only_outputs(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("x\n", encoding="utf-8")
    result = run_cli(["run", "--workspace", str(tmp_path), "--gates", "data-integrity", "--report-dir",
                      str(tmp_path / "r")], env={"INPUT_REPORTERS": "json"})
    assert result.returncode in (1, 3), (result.stdout, result.stderr)
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.json"]
