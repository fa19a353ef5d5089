"""Reporter conformance: every reporter is registered, named once, writes what it declares,
and one broken reporter never silences the ones after it."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from dataclasses import replace
from pathlib import Path

import pytest

import gates.reporters
from gates.config.settings import GitHubEnv
from gates.errors import ToolError, UsageError
from gates.model import GateResult, RunResult, Severity, Status
from gates.reporters.base import REPORT_FILES, ReportEnv, Reporter, publish, repo_prefix
from gates.reporters.registry import REPORTERS, parse_reporter_list, reporter_names
from tests.support.fake_gates import finding


def _run() -> RunResult:
    gates = (
        GateResult(name="code-security", title="Code", status=Status.FAILED, summary="1 issue", duration_s=1,
                   findings=(finding("B602", Severity.HIGH, path="src/a b.py"),), tool="bandit"),
        GateResult(name="dependencies", title="Deps", status=Status.ERROR, summary="pip-audit crashed",
                   duration_s=1, tool="pip-audit"),
        GateResult(name="approval", title="Approval", status=Status.SKIPPED, summary="not a PR", duration_s=0,
                   tool="approval"),
    )
    return RunResult(gates=gates, duration_s=2, workspace=".", config_source="built-in defaults")


def _env(tmp_path: Path, actions: bool) -> ReportEnv:
    fc = tmp_path / "fc"
    fc.mkdir(exist_ok=True)
    github = GitHubEnv(actions=actions, step_summary=fc / "summary" if actions else None,
                       output_file=fc / "output" if actions else None)
    return ReportEnv(report_dir=tmp_path / "report", github=github, stream=io.StringIO())


def test_every_reporter_module_is_registered_once() -> None:
    found = set()
    for info in pkgutil.iter_modules(gates.reporters.__path__):
        module = importlib.import_module(f"gates.reporters.{info.name}")
        found |= {obj for _, obj in inspect.getmembers(module, inspect.isclass)
                  if issubclass(obj, Reporter) and obj is not Reporter and not inspect.isabstract(obj)}
    assert found == set(REPORTERS)
    assert len(set(reporter_names())) == len(REPORTERS)


@pytest.mark.parametrize("cls", REPORTERS, ids=lambda c: c.name)
@pytest.mark.parametrize("actions", [False, True], ids=["laptop", "actions"])
def test_reporter_conformance(cls: type[Reporter], actions: bool, tmp_path: Path) -> None:
    reporter = cls()
    assert reporter.name and reporter.name == reporter.name.strip().lower()
    assert (cls.__doc__ or "").strip(), f"{cls.__name__} has no docstring"
    assert set(reporter.files) <= set(REPORT_FILES)
    env = _env(tmp_path, actions)
    env.report_dir.mkdir()
    if reporter.active(env):
        reporter.write(_run(), env)
    for name in reporter.files:
        assert (env.report_dir / name).is_file(), f"{reporter.name} declares {name} but did not write it"


def test_a_reporter_bug_does_not_silence_the_reporters_after_it(tmp_path: Path) -> None:
    class Broken(Reporter):
        """Raises what a bug raises."""

        name = "broken"

        def write(self, run: RunResult, env: ReportEnv) -> None:
            raise KeyError("oops")

    env = _env(tmp_path, actions=False)
    env.report_dir.mkdir()
    json_reporter = next(cls for cls in REPORTERS if cls.name == "json")()
    with pytest.raises(ToolError, match="broken report: internal error KeyError"):
        publish(_run(), env, [Broken(), json_reporter])
    assert env.report_path.is_file()


def test_outputs_can_be_chosen(tmp_path: Path) -> None:
    env = replace(_env(tmp_path, actions=False), only=parse_reporter_list("json, sarif"))
    env.report_dir.mkdir()
    publish(_run(), env)
    assert sorted(p.name for p in env.report_dir.iterdir()) == ["report.json", "results.sarif"]
    assert env.stream.getvalue() == ""  # type: ignore[attr-defined]  # no console report chosen
    with pytest.raises(UsageError, match="unknown jsn; choose from json, sarif"):
        parse_reporter_list("jsn")


def test_repo_prefix_from_the_git_root_or_the_runner_workspace(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    ws = tmp_path / "repo" / "examples" / "demo project"
    ws.mkdir(parents=True)
    assert repo_prefix(ws) == "examples/demo project/"
    assert repo_prefix(tmp_path / "repo") == ""
    plain = tmp_path / "plain" / "sub"
    plain.mkdir(parents=True)
    assert repo_prefix(plain, str(tmp_path / "plain")) == "sub/"
    assert repo_prefix(plain) == ""  # no .git above and no runner workspace: paths stay as they are
