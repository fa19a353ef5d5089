"""Which security tests and probe files the model-security gate runs on a pull request, and from where.

On a pull request the test files, their ``conftest.py`` and the probe files in the checkout are the
change's to edit. The base commit's versions decide:

- the base commit's test files, with the ``conftest.py`` and ``__init__.py`` files on their path,
  the Python modules beside them and the root pytest config, are written from git objects into a
  fresh directory outside the workspace and run there by their own pytest process, which sees no
  file of the change (a ``conftest.py`` the change adds is not on its path);
- targets under which the change adds or edits files also run in the workspace, in a second pytest
  process: its failures count, its passes cannot hide a failure of the base run;
- base probe files are loaded as the base commit has them; probe files only the change has are added.

Every base test file (or ``conftest.py``/``__init__.py`` on its path) the change edits or deletes,
every ``conftest.py`` it adds there and every edit of the pytest config is reported, as is every
base probe file it edits or deletes: they take effect after merge, so the policy owners see them.
"""

from __future__ import annotations

import configparser
import enum
import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from gates.base_inputs import MAX_FILE_BYTES, BaseInputs
from gates.fingerprint import fingerprints
from gates.model import Finding, Severity
from gates.textutil import md_code, md_text

if TYPE_CHECKING:
    from gates.probes.usertests import TestCase

tomllib: Any
try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10 without tomli: pyproject.toml compared as bytes
    tomllib = None

TEST_RULE = "security-test-changed"
PROBE_RULE = "probe-file-changed"
TEST_MODULES = ("test_*.py", "*_test.py")  # pytest's default python_files
PYTEST_CONFIGS = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_INI_SECTION = {"pytest.ini": "pytest", ".pytest.ini": "pytest", "tox.ini": "pytest", "setup.cfg": "tool:pytest"}


class Origin(str, enum.Enum):
    """Where a pytest run's files come from."""

    BASE = "base commit"
    CHANGE = "this change"


_PROSE = {Origin.BASE.value: "the base commit", Origin.CHANGE.value: "this change"}


@dataclass(frozen=True)
class TestRunSpec:
    """One pytest process: its ``targets`` run in ``root``."""

    __test__ = False  # not a pytest test class

    origin: Origin
    root: Path
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Changed:
    """A file of the base's test or probe set that the change edits, deletes or adds."""

    path: str
    action: str  # "edits", "deletes", "adds"
    what: str  # "security test file", "conftest.py", "pytest configuration", "probe file"


@dataclass(frozen=True)
class TestPlan:
    """The pytest runs of one gate run, the changes to report and targets neither commit has."""

    __test__ = False

    runs: tuple[TestRunSpec, ...]
    changed: tuple[Changed, ...] = ()
    missing: tuple[str, ...] = ()


def relative(workspace: Path, name: str) -> str | None:
    """``name`` as a normalised workspace-relative POSIX path; None when it leaves the workspace."""
    path = Path(os.path.normpath(workspace / name))
    try:
        rel = path.relative_to(Path(os.path.normpath(workspace)))
    except ValueError:
        return None
    return rel.as_posix()


def _under(path: str, rel: str) -> bool:
    return rel == "." or path == rel or path.startswith(rel + "/")


def _ancestors(path: str) -> list[str]:
    """The directories from the workspace root down to ``path``'s own ("" is the root)."""
    parts = PurePosixPath(path).parts[:-1]
    return [""] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def plan_tests(workspace: Path, targets: Sequence[str], base: BaseInputs | None, scratch: Path) -> TestPlan:
    """Decide the pytest runs; on a pull request write the base commit's test files below ``scratch``."""
    if base is None:
        present = tuple(t for t in targets if (workspace / t.split("::", 1)[0]).exists())
        alone = (TestRunSpec(Origin.CHANGE, workspace, present),) if present else ()
        return TestPlan(alone, missing=tuple(t for t in targets if t not in present))
    every = base.files(["."])
    changed = set(base.changed(["."]))
    base_targets, head_targets, missing = [], [], []
    tests: set[str] = set()
    test_dirs: list[str] = []
    for target in targets:
        path, sep, rest = target.partition("::")
        rel = relative(workspace, path)
        if rel is None:  # outside the checkout: nothing of the change, run as given
            head_targets.append(target)
            continue
        files = [f for f in every if _under(f, rel)]
        in_head = (workspace / rel).exists()
        if files:
            base_targets.append(rel + sep + rest)
            tests.update(files)
            if rel not in files:
                test_dirs.append(rel)
        if in_head and not files:
            head_targets.append(target)
        elif in_head:
            head_targets.extend(_changed_tests(workspace, target, rel, files, changed))
        if not files and not in_head:
            missing.append(target)
    support = _support_files(every, tests)
    runs: list[TestRunSpec] = []
    if base_targets:
        base.materialise(sorted(tests | support | {c for c in PYTEST_CONFIGS if c in every}), scratch)
        runs.append(TestRunSpec(Origin.BASE, scratch, tuple(base_targets)))
    if head_targets:
        runs.append(TestRunSpec(Origin.CHANGE, workspace, tuple(head_targets)))
    watched = tests | {f for f in support if PurePosixPath(f).name in ("conftest.py", "__init__.py")}
    found = _test_changes(workspace, base, watched, changed, tests, test_dirs) if tests else []
    return TestPlan(tuple(runs), tuple(found), tuple(missing))


def _changed_tests(workspace: Path, target: str, rel: str, files: Sequence[str], changed: set[str]) -> list[str]:
    """What of ``target`` runs from the change: the target when it is an edited file, else the test
    modules (pytest's default names) the change adds or edits below it; helpers are only imported."""
    if rel in files:
        return [target] if rel in changed else []
    names = sorted(c for c in changed if _under(c, rel) and (workspace / c).is_file())
    return [c for c in names if any(fnmatch.fnmatchcase(PurePosixPath(c).name, p) for p in TEST_MODULES)]


def _support_files(every: Sequence[str], tests: Iterable[str]) -> set[str]:
    """conftest.py and __init__.py on each test file's path and the Python modules beside it."""
    present = set(every)
    dirs = {str(PurePosixPath(t).parent) if "/" in t else "" for t in tests}
    out = {f for f in every if f.endswith(".py") and (str(PurePosixPath(f).parent) if "/" in f else "") in dirs}
    for test in tests:
        for directory in _ancestors(test):
            out.update(p for p in (_join(directory, "conftest.py"), _join(directory, "__init__.py")) if p in present)
    return out


def _test_changes(workspace: Path, base: BaseInputs, watched: set[str], changed: set[str], tests: set[str],
                  test_dirs: Sequence[str]) -> list[Changed]:
    found = []
    for path in sorted(watched & changed):
        what = "security test file" if path in tests else PurePosixPath(path).name
        found.append(Changed(path, "edits" if (workspace / path).is_file() else "deletes", what))
    chain = {d for t in tests for d in _ancestors(t)} | set(test_dirs)
    for path in sorted(changed - watched):
        name = PurePosixPath(path)
        parent = str(name.parent) if "/" in path else ""
        inside = any(_under(path, d) for d in test_dirs)
        if name.name == "conftest.py" and (parent in chain or inside) and (workspace / path).exists():
            found.append(Changed(path, "adds", "conftest.py"))
    for config in PYTEST_CONFIGS:
        if config in changed and _pytest_section(config, base.read(config)) != _pytest_section(
                config, _read_head(workspace / config)):
            found.append(Changed(config, "edits", "pytest configuration"))
    return found


def _read_head(path: Path) -> bytes | None:
    if path.is_symlink() or not path.is_file():
        return None
    if path.stat().st_size > MAX_FILE_BYTES:
        return b"\0too large"
    return path.read_bytes()


def _pytest_section(name: str, data: bytes | None) -> object:
    """What pytest reads from the config file ``name`` (a comparable value; raw bytes when unparsable)."""
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    if name == "pyproject.toml":
        if tomllib is None:
            return data
        try:
            return tomllib.loads(text).get("tool", {}).get("pytest")
        except (tomllib.TOMLDecodeError, AttributeError):
            return data
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return data
    section = _INI_SECTION[name]
    values = dict(parser[section]) if parser.has_section(section) else None
    return ("present", values) if name in ("pytest.ini", ".pytest.ini") else values


@dataclass(frozen=True)
class ProbeFiles:
    """Probe files to load: the base commit's copies (below ``base_root``) and the change's new ones."""

    from_base: tuple[Path, ...]
    base_root: Path
    from_change: tuple[Path, ...]
    changed: tuple[Changed, ...] = ()
    missing: tuple[tuple[int, str], ...] = ()  # (index, name) neither commit has


def plan_probe_files(workspace: Path, names: Sequence[str], base: BaseInputs | None, scratch: Path) -> ProbeFiles:
    """Where each probe file comes from; on a pull request base copies are written below ``scratch``."""
    from_base, from_change, changed, missing = [], [], [], []
    rels = {name: relative(workspace, name) for name in names} if base is not None else {}
    present = set(base.files([r for r in rels.values() if r])) if base is not None else set()
    wanted = sorted({r for r in rels.values() if r in present})
    if base is not None and wanted:
        base.materialise(wanted, scratch)
    edited = set(base.changed(wanted)) if base is not None and wanted else set()
    for index, name in enumerate(names):
        rel = rels.get(name)
        if rel is not None and rel in present:
            from_base.append(scratch / rel)
            if rel in edited:
                changed.append(Changed(rel, "edits" if (workspace / rel).is_file() else "deletes", "probe file"))
        elif (workspace / name).is_file():
            from_change.append((workspace / name).resolve())
        else:
            missing.append((index, name))
    return ProbeFiles(tuple(from_base), scratch, tuple(from_change), tuple(changed), tuple(missing))


def change_findings(changes: Sequence[Changed], tool: str) -> list[Finding]:
    """One high finding per change to the base's tests or probe files: it takes effect after merge."""
    rules = [PROBE_RULE if c.what == "probe file" else TEST_RULE for c in changes]
    prints = fingerprints((rule, c.path, f"{c.action} {c.what}") for rule, c in zip(rules, changes))
    findings = []
    for change, rule, fp in zip(changes, rules, prints):
        ran = ("its base-commit version ran instead" if change.action != "adds"
               else "it was not used for the base commit's tests")
        findings.append(Finding(
            rule_id=rule, severity=Severity.HIGH, fingerprint=fp, path=change.path, tool=tool,
            title=f"change {change.action} a {change.what}",
            message=f"This change {change.action} the {change.what} {change.path}: {ran}. The change takes effect "
                    "after merge, so the policy owners must review it.",
        ))
    return findings


def origin_note(cases: Sequence[TestCase]) -> str:
    """`` (5 from the base commit, 1 from this change)`` when the cases came from a pull request's two runs."""
    counts = {o.value: sum(1 for c in cases if c.origin == o.value) for o in Origin}
    if not any(c.origin for c in cases):
        return ""
    return f" ({', '.join(f'{n} from {_PROSE[o]}' for o, n in counts.items() if n)})"


def tests_table(cases: Sequence[TestCase]) -> str:
    """The security tests as a Markdown table, with the commit each test file came from on a pull request."""
    split = any(c.origin for c in cases)
    lines = ["| test | from | result |" if split else "| test | result |", "|---|---|---|" if split else "|---|---|"]
    for case in cases:
        cells = [md_code(case.nodeid, table=True), *([md_text(case.origin)] if split else []), case.outcome.value]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
