"""Where the baseline comes from, and writing a new one.

``file``: the committed file in the workspace. ``base-branch``: that file as it is on the pull
request's base commit (``git show <base_sha>:<path>``), so a pull request cannot lower its own
bar. ``auto`` (default): the base branch on pull requests, else the workspace file. On a pull
request the base commit's copy is used whatever the mode (``file`` included): the change under
review cannot set its own bar. A missing or unreadable baseline is an error, never a pass.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from gates import git
from gates.errors import GateError, ToolError
from gates.files import write_text_atomic
from gates.perf.values import parse_document, with_value


class BaselineFrom(str, enum.Enum):
    """The baseline's origin."""

    AUTO = "auto"
    FILE = "file"
    BASE_BRANCH = "base-branch"


@dataclass(frozen=True)
class Baseline:
    """A baseline document and a sentence saying where it came from."""

    document: Mapping[str, Any]
    source: str


def _from_file(path: Path, shown: str) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GateError(f"the baseline file {shown} does not exist (gates.performance.baseline); "
                        "commit one, or create it with `secure-ai-gates run --update-baseline` on the default branch"
                        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GateError(f"cannot read the baseline file {shown}: {exc}") from None
    return Baseline(parse_document(text, f"baseline {shown}"), f"committed file `{shown}`")


_MAX_BYTES = 64 << 20


def _from_git(workspace: Path, relative: str, sha: str) -> Baseline:
    try:
        data = git.Repo.at(workspace).read(sha, PurePosixPath(relative).as_posix(), _MAX_BYTES)
    except (ToolError, git.GitUnavailable) as exc:
        raise GateError(f"cannot read the baseline {relative} at the base commit {sha[:12]} ({exc}); "
                        "does the checkout have that commit (actions/checkout with fetch-depth: 0)?") from None
    if data is None:
        raise GateError(f"the baseline {relative} is not committed on the base commit {sha[:12]}; commit it on "
                        "the base branch (secure-ai-gates run --update-baseline there)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GateError(f"the baseline {relative} at the base commit {sha[:12]} is not UTF-8 text: {exc}") from None
    return Baseline(parse_document(text, f"baseline {relative}@{sha[:12]}"),
                    f"`{relative}` on the base branch (commit {sha[:12]})")


def load_baseline(workspace: Path, relative: str, mode: BaselineFrom, base_sha: str | None) -> Baseline:
    """Load the baseline as ``mode`` says; GateError when it is missing or unreadable."""
    if mode is BaselineFrom.BASE_BRANCH or base_sha:
        if not base_sha:
            raise GateError("baseline-from: base-branch needs a pull request (no base commit is known here)")
        return _from_git(workspace, relative, base_sha)
    return _from_file(workspace / relative, relative)


def updated_document(existing: Mapping[str, Any] | None, values: Mapping[str, float]) -> dict[str, Any]:
    """``existing`` (or an empty document) with each metric path set to its new value."""
    document: dict[str, Any] = dict(existing or {})
    for path, value in values.items():
        document = with_value(document, path, value)
    return document


def write_baseline(path: Path, document: Mapping[str, Any]) -> None:
    """Write ``document`` atomically, as YAML for ``.yml``/``.yaml`` files, else JSON."""
    if path.suffix.lower() in (".yml", ".yaml"):
        text = yaml.safe_dump(dict(document), sort_keys=False)
    else:
        text = json.dumps(document, indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
