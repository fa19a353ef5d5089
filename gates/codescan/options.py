"""The code-security gate's options, with defaults applied and the project's bandit config found.

``ctx.options`` holds only what the user wrote (kebab-case keys, validated by the schema);
:func:`scan_options` fills the defaults once, reads the project's ``.bandit`` INI for the
values a command-line flag would otherwise override, and checks every path it names. The
project's config files come through :class:`~gates.codescan.trusted.ConfigFiles`: on a pull
request, the base commit's copies.
"""

from __future__ import annotations

import configparser
import functools
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gates.codescan.excludes import DefaultExcludes, find_default_excludes
from gates.codescan.trusted import ConfigFiles
from gates.errors import GateError

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10 has bandit[toml]'s tomli
    import tomli as tomllib  # type: ignore[no-redef]

OPTION_PREFIX = "gates.code-security"

# Security-relevant pylint messages (not style): code execution, errors hidden by broad or
# bare handlers or swallowed by ``finally``, unchecked subprocesses, fork-unsafe preexec_fn,
# breakpoints left in production code, and unbounded caches (memory exhaustion).
DEFAULT_PYLINT_MESSAGES = (
    "eval-used",
    "exec-used",
    "bare-except",
    "broad-exception-caught",
    "lost-exception",
    "subprocess-run-check",
    "subprocess-popen-preexec-fn",
    "forgotten-debug-statement",
    "method-cache-max-size-none",
)


@dataclass(frozen=True)
class ScanOptions:
    """Everything the bandit and pylint runners need, defaults filled in."""

    paths: tuple[str, ...]
    exclude: tuple[str, ...]
    severity_level: str | None
    confidence_level: str | None
    skip: tuple[str, ...]
    bandit_config: Path | None  # a trusted copy (base commit's on pull requests)
    bandit_ini: Path  # ours, always passed, so bandit never looks for a .bandit in the tree
    ignore_nosec: bool
    pylint: bool
    pylint_messages: tuple[str, ...]
    new_findings_only: bool | None  # None: decided by the event (pull request or baseline file)
    baseline_file: Path | None
    honour_suppressions: bool = True  # False on pull requests: '# nosec' / pylint pragmas are judged by us
    jobs: int = 1  # bandit processes / pylint -j (option "jobs": "auto" = the usable cores)


def scan_options(options: Mapping[str, Any], workspace: Path, files: ConfigFiles | None = None,
                 defaults: Callable[[tuple[str, ...]], DefaultExcludes] | None = None,
                 extra_excludes: tuple[str, ...] = ()) -> ScanOptions:
    """Build :class:`ScanOptions` from the gate's YAML section; a bad path is a GateError.

    ``files`` hands out the project's config files (default: the work tree's, our INI in a new
    temporary directory); ``defaults(paths)`` finds the default-excluded directories under the
    scanned paths (default: :func:`~gates.codescan.excludes.find_default_excludes` without a base).
    """
    if files is None:
        files = ConfigFiles(workspace, Path(tempfile.mkdtemp(prefix="secure-ai-gates-bandit-")), None)
    if defaults is None:
        defaults = functools.partial(find_default_excludes, workspace)
    ini_path = _optional_file(options, "bandit-ini", workspace, files, default=".bandit")
    ini = _read_ini(ini_path, files) if ini_path else {}
    config = _optional_file(options, "bandit-config", workspace, files, default=ini.get("configfile"))
    if config is None:
        pyproject = files.file("pyproject.toml")
        config = pyproject if pyproject is not None and _has_bandit_table(pyproject) else None
    paths = tuple(options.get("paths") or _split(ini.get("targets")) or ["."])
    for path in paths:
        _check_inside(path, workspace, "paths")
        if not (workspace / path).exists():
            raise GateError(f"{OPTION_PREFIX}.paths: {path!r} does not exist in the workspace {workspace} "
                            "(fix the path or remove it from the list)")
    exclude = _directory_forms((*defaults(paths).excluded, *_split(ini.get("exclude")),
                                *extra_excludes, *(options.get("exclude") or ())), workspace)
    skip = (*_split(ini.get("skips")), *(options.get("skip") or ()))
    baseline = options.get("baseline-file")
    if baseline is not None:
        _check_inside(baseline, workspace, "baseline-file")
    return ScanOptions(
        paths=paths,
        exclude=exclude,
        severity_level=options.get("severity-level"),
        confidence_level=options.get("confidence-level"),
        skip=tuple(dict.fromkeys(skip)),
        bandit_config=config,
        bandit_ini=files.write_ini(ini),
        ignore_nosec=bool(options.get("ignore-nosec", False)),
        pylint=bool(options.get("pylint", False)),
        pylint_messages=tuple(options.get("pylint-messages") or DEFAULT_PYLINT_MESSAGES),
        new_findings_only=options.get("new-findings-only"),
        baseline_file=(workspace / baseline) if baseline is not None else None,
        honour_suppressions=files.base is None,
        jobs=_jobs(options.get("jobs", "auto")),
    )


def _jobs(value: Any) -> int:
    """``jobs``: a positive number, or ``auto`` for the cores this process may use."""
    from gates.codescan.parallel import default_jobs

    return default_jobs() if value == "auto" else max(1, int(value))


def _split(value: str | None) -> list[str]:
    """A comma-separated INI value as a list (bandit's own format for targets/exclude/skips)."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _directory_forms(entries: tuple[str, ...], workspace: Path) -> tuple[str, ...]:
    """Excludes bandit applies whatever the target's spelling.

    bandit turns an exclude naming an existing directory into the glob ``dir/*`` and matches it
    against paths spelled as the walk produced them: ``./dir/x.py`` under the target ``.``,
    ``dir/x.py`` under ``dir`` or a parent target. Both spellings are passed.
    """
    out: list[str] = []
    for entry in entries:
        bare = entry[2:] if entry.startswith("./") else entry
        if bare and not any(ch in bare for ch in "*?[") and (workspace / bare).is_dir():
            out += [bare.rstrip("/"), "./" + bare.rstrip("/")]
        else:
            out.append(entry)
    return tuple(dict.fromkeys(out))


def _check_inside(path: str, workspace: Path, key: str) -> None:
    """Reject absolute paths, '..' and symbolic links that lead out of the workspace."""
    pure = PurePosixPath(path)
    root = workspace.resolve()
    resolved = (root / path).resolve()
    if pure.is_absolute() or ".." in pure.parts or (resolved != root and root not in resolved.parents):
        raise GateError(f"{OPTION_PREFIX}.{key}: {path!r} must be a path inside the workspace, "
                        "relative to it and without '..'")


def _optional_file(options: Mapping[str, Any], key: str, workspace: Path, files: ConfigFiles,
                   default: str | None) -> Path | None:
    """A trusted copy of the file named by ``key`` (which must exist), else of ``default`` when that exists."""
    value = options.get(key)
    if value is None:
        if not default:
            return None
        _check_inside(default, workspace, key)
        return files.file(str(PurePosixPath(default)))
    _check_inside(value, workspace, key)
    path = files.file(str(PurePosixPath(value)))
    if path is None:
        raise GateError(f"{OPTION_PREFIX}.{key}: {value!r} is not a file in {files.origin} ({workspace})")
    return path


def _read_ini(path: Path, files: ConfigFiles) -> dict[str, str]:
    """The ``[bandit]`` section of a .bandit file; unreadable is a GateError (bandit would ignore it)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
        return dict(parser.items("bandit"))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise GateError(f"{path}: cannot read this bandit INI file from {files.origin} ({exc}); "
                        "it needs a [bandit] section") from None


def _has_bandit_table(path: Path) -> bool:
    """True when ``path`` is a TOML file with a ``[tool.bandit]`` table."""
    if not path.is_file():
        return False
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GateError(f"{path}: not valid TOML ({exc}); bandit reads its [tool.bandit] table from it") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "bandit" in tool
