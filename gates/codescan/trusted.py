"""The project's bandit config files as the gate may trust them: the work tree's, or the base commit's.

On a pull request ``.bandit``, a ``-c`` file and ``pyproject.toml``'s ``[tool.bandit]`` are
part of the change under review: a ``skips: B602`` or an ``exclude_dirs`` added there would
silence the gate on the very change that adds it. :class:`ConfigFiles` hands out the base
commit's copy of each file (written to scratch) instead, and remembers which of them the change
edits, so the report can say that the edit takes effect after merge. Outside pull requests it
hands out the work tree's files. bandit itself always gets an explicit ``--ini`` (ours, in
scratch), so it never goes looking for a ``.bandit`` file in the scanned tree.
"""

from __future__ import annotations

import configparser
import hashlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from gates.base_inputs import BaseInputs


class ConfigFiles:
    """Trusted copies of workspace config files (base commit on pull requests)."""

    def __init__(self, workspace: Path, scratch: Path, base: BaseInputs | None) -> None:
        self.workspace = workspace
        self.scratch = scratch
        self.base = base
        self.changed: list[str] = []  # workspace-relative files the pull request edits

    @property
    def origin(self) -> str:
        """Where the files come from, for messages."""
        return f"the base commit {self.base.sha[:12]}" if self.base else "the workspace"

    def file(self, rel: str) -> Path | None:
        """A readable copy of workspace file ``rel`` that the change cannot have edited (None: absent)."""
        if self.base is None:
            path = self.workspace / rel
            return path if path.is_file() else None
        name = PurePosixPath(rel)
        key = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        data = self.base.read(rel)
        head = self.workspace / rel
        head_data = head.read_bytes() if head.is_file() and not head.is_symlink() else None
        if head_data != data and rel not in self.changed:
            self.changed.append(rel)
        if data is None:
            return None
        out = self.scratch / f"trusted-{key}" / name.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return out

    def write_ini(self, settings: Mapping[str, str]) -> Path:
        """Our ``--ini`` file for bandit: ``settings`` (already trusted) under ``[bandit]``."""
        parser = configparser.ConfigParser(interpolation=None)
        parser["bandit"] = {k: v for k, v in settings.items() if k not in _OURS}
        self.scratch.mkdir(parents=True, exist_ok=True)
        path = self.scratch / "bandit.ini"
        with path.open("w", encoding="utf-8") as handle:
            parser.write(handle)
        return path


# Keys of a .bandit file the gate applies itself (targets, excludes) or resolves through
# ConfigFiles (configfile): bandit must not read them from the INI again.
_OURS = frozenset({"targets", "exclude", "configfile"})
