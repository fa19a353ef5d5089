"""Run the user's security tests with pytest and read the verdicts from JUnit XML.

pytest runs in a subprocess in the workspace with the secure-ai-gates plugin, which binds its
fixtures (``model``, ``canary``, ``assert_refuses``, ...) to the endpoint through environment
variables. The tests are untrusted code: pytest runs isolated (``python -I``: pytest and our
plugin come from the interpreter's site-packages, never from the workspace) inside a
:mod:`~gates.probes.sandbox` (no token, another user when we are root, outputs guarded).
Exit status 5 (nothing collected) is reported, never passed; 2, 3 and 4 (collection error,
internal error, usage error) mean the tests could not be judged.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import sys
import xml.etree.ElementTree as ET  # nosec B405 - only DTD-free XML is parsed (see parse_junit)
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from gates import proc
from gates.errors import EngineMissing, GateError, ToolError
from gates.files import read_bytes_capped
from gates.probes.plugin_env import CANARY_ENV, ENDPOINT_ENV, REFUSAL_PATTERNS_ENV, SYSTEM_PROMPT_ENV, URL_ENV
from gates.probes.sandbox import check_untouched, fingerprint_outputs, sandbox

PLUGIN_MODULE = "gates.pytest_plugin"
_JUNIT_CAP = 64 * 1024 * 1024
_ENTRY_CHECK = ("import importlib.metadata as m, sys; "
                "sys.stdout.write(next((e.name for e in m.entry_points(group='pytest11') "
                "if e.value == 'gates.pytest_plugin'), ''))")


class Outcome(str, enum.Enum):
    """A test's result as JUnit XML records it."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestCase:
    """One test case read from the JUnit XML."""

    __test__ = False  # not a pytest test class

    nodeid: str
    file: str | None
    line: int | None  # 1-based line of the test function
    outcome: Outcome
    message: str = ""
    detail: str = ""
    origin: str = ""  # where the test file came from on a pull request (see gates.probes.trusted.Origin)


@dataclass(frozen=True)
class UserTestRun:
    """All test cases of one pytest run, and its exit status."""

    cases: tuple[TestCase, ...]
    exit_code: int
    output_tail: str
    ran_as: str = ""  # the identity the tests ran under (see gates.probes.sandbox)

    def count(self, outcome: Outcome) -> int:
        """How many cases ended in ``outcome``."""
        return sum(1 for c in self.cases if c.outcome is outcome)

    @property
    def ran(self) -> int:
        """Cases that really ran (passed, failed or errored; not skipped)."""
        return len(self.cases) - self.count(Outcome.SKIPPED)


def plugin_argument(python: str) -> str:
    """What to pass to ``-p``: the entry-point name when the plugin is installed, else the module."""
    if python == sys.executable:
        found = next((e.name for e in metadata.entry_points(group="pytest11") if e.value == PLUGIN_MODULE), "")
    else:
        found = proc.run([python, "-I", "-c", _ENTRY_CHECK], timeout=60, tool="python").stdout.strip()
    return found or PLUGIN_MODULE


def endpoint_environment(options: Mapping[str, object], canary: str | None,
                         system_prompt: str | None, refusal_patterns: Sequence[str] = ()) -> dict[str, str]:
    """The variables that activate and configure the plugin's fixtures (no secret values)."""
    env = {URL_ENV: str(options["url"]), ENDPOINT_ENV: json.dumps(dict(options)),
           REFUSAL_PATTERNS_ENV: json.dumps(list(refusal_patterns))}
    if canary:
        env[CANARY_ENV] = canary
    env[SYSTEM_PROMPT_ENV] = system_prompt or ""
    return env


def combine(runs: Sequence[UserTestRun]) -> UserTestRun:
    """Several pytest runs as one: every case (each keeps its origin), the worst exit status."""
    return UserTestRun(tuple(c for r in runs for c in r.cases), max((r.exit_code for r in runs), default=0),
                       "\n".join(r.output_tail for r in runs)[-5000:])


def run_user_tests(workspace: Path, targets: Sequence[str], *, work_dir: Path, env: Mapping[str, str],
                   timeout: float, python: str | None = None, extra_args: Sequence[str] = (),
                   origin: str = "", pass_env: Sequence[str] = ()) -> UserTestRun:
    """Run pytest on ``targets`` (relative to ``workspace``, the directory it runs in) and return the results.

    ``origin`` labels the cases (on a pull request: the base commit's copy of the tests or the change).
    ``pass_env`` names the only withheld variables the tests may see (the endpoint's key).
    """
    python = python or sys.executable
    with sandbox(workspace, python) as box:
        xml_path = box.out / "user-tests.junit.xml"
        pytest = proc.python_tool("pytest", python=python, flags=("-B",), extra_path=_search_path(workspace))
        argv = [*box.prefix, *pytest, *targets, f"--junitxml={xml_path}", "-o", "junit_family=xunit1",
                "-p", plugin_argument(python), "-p", "no:cacheprovider", "-q", "-rN", *extra_args]
        before = fingerprint_outputs()
        done = proc.run(argv, timeout=timeout, cwd=workspace, env={**env, **box.environment()},
                        pass_env=pass_env, ok_codes=range(0, 6), tool="pytest", user=box.user, group=box.group,
                        user_python_env=True)
        check_untouched(before)
        return dataclasses.replace(_result(done, xml_path, python, origin), ran_as=box.identity)


def _search_path(workspace: Path) -> list[str]:
    """Our package, then the entries of ``PYTHONPATH`` (relative ones from the workspace), after site-packages."""
    entries = [e for e in os.environ.get("PYTHONPATH", "").split(os.pathsep) if e]
    return [proc.PACKAGE_PARENT, *(os.path.join(workspace, e) for e in entries)]


def _result(done: proc.Completed, xml_path: Path, python: str, origin: str) -> UserTestRun:
    tail = (done.stdout[-3000:] + "\n" + done.stderr[-2000:]).strip()
    if done.returncode in (2, 3, 4):
        meaning = {2: "a test file could not be collected (import or syntax error)", 3: "pytest crashed",
                   4: "pytest was called wrongly (a test path may not exist)"}[done.returncode]
        raise GateError(f"pytest{f' (tests from: {origin})' if origin else ''} exited with status "
                        f"{done.returncode}: {meaning}:\n{tail[-1500:]}")
    if done.returncode == 5:
        return UserTestRun((), 5, tail)
    if not xml_path.is_file():
        if "No module named pytest" in tail:
            raise EngineMissing("pytest", "security", detail=f"for {python}")
        raise ToolError(f"pytest exited with {done.returncode} but wrote no JUnit XML at {xml_path}", tool="pytest")
    return UserTestRun(parse_junit(xml_path, origin), done.returncode, tail)


def parse_junit(path: Path, origin: str = "") -> tuple[TestCase, ...]:
    """Test cases from a pytest JUnit XML file (xunit1 family: ``file`` and 0-based ``line``), labelled ``origin``."""
    try:  # written by the untrusted test process: a regular file of bounded size, not a link
        data = read_bytes_capped(path, cap=_JUNIT_CAP, root=path.parent)
    except OSError as exc:
        raise ToolError(f"cannot read pytest's JUnit XML {path}: {exc.strerror or exc}", tool="pytest") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # pytest never writes them: refuse entity tricks
        raise ToolError(f"pytest's JUnit XML {path} contains a DTD or entity declaration; refusing to parse it",
                        tool="pytest")
    try:
        root = ET.fromstring(data)  # nosec B314 - our own pytest run's output, checked DTD-free above
    except ET.ParseError as exc:
        raise ToolError(f"cannot read pytest's JUnit XML {path}: {exc}", tool="pytest") from None
    cases = []
    for case in root.iter("testcase"):
        outcome, message, detail = Outcome.PASSED, "", ""
        for tag, kind in (("failure", Outcome.FAILED), ("error", Outcome.ERROR), ("skipped", Outcome.SKIPPED)):
            element = case.find(tag)
            if element is not None:
                outcome, message, detail = kind, element.get("message", ""), (element.text or "")
                break
        file = case.get("file")
        line = case.get("line")
        name = case.get("name", "?")
        classname = case.get("classname", "")
        nodeid = f"{file}::{name}" if file else f"{classname}::{name}"
        if file and "." in classname and not classname.endswith(Path(file).stem):
            nodeid = f"{file}::{classname.rsplit('.', 1)[-1]}::{name}"
        cases.append(TestCase(nodeid, file, int(line) + 1 if line and line.isdigit() else None, outcome,
                              message, detail, origin))
    return tuple(cases)
