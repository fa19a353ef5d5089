"""Where in a file a finding points when its gate has no source line of its own.

GitHub's outputs attach a finding to a file: code scanning even rejects a result without a
location. Probes, garak, approval and performance findings are about behaviour, not a line of
code, so they point at the configuration that asked for the check: the line of the gate's key
(``gates.adversarial``) in the gates' config file. :func:`key_line` finds a YAML key's line
without running any YAML constructor (the file is workspace input). SARIF, the workflow-command
annotations and the check run all place findings through :class:`FindingPlaces`, so a finding
points at the same line in each of them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import yaml

from gates.model import Finding, RunResult

Place = tuple[str, int | None]  # (workspace-relative POSIX path, line or None)


MAX_CONFIG_BYTES = 1024 * 1024  # a larger "config" is not read for line numbers (line 1 is used)


@functools.lru_cache(maxsize=32)
def _key_lines(path: str, mtime_ns: int) -> dict[tuple[str, ...], int]:
    """Every mapping key of a YAML file, as a key path, to its 1-based line.

    Each node is visited once: an alias (``&a`` … ``*a``, even one inside itself, which a pull
    request can write) adds no paths, so neither a loop nor an alias bomb can stall the reporters.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            return {}
        root = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return {}
    lines: dict[tuple[str, ...], int] = {}
    stack: list[tuple[tuple[str, ...], yaml.Node]] = [((), root)] if root is not None else []
    seen: set[int] = set()
    while stack:
        prefix, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    here = (*prefix, str(key.value))
                    lines.setdefault(here, key.start_mark.line + 1)
                    stack.append((here, value))
    return lines


def key_line(path: Path, keys: Sequence[str]) -> int | None:
    """The line of the deepest of ``keys`` (e.g. ``("gates", "adversarial")``) found in ``path``."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    lines = _key_lines(str(path), mtime)
    for depth in range(len(keys), 0, -1):
        line = lines.get(tuple(keys[:depth]))
        if line is not None:
            return line
    return None


def config_location(workspace: str, config_source: str, gate: str) -> tuple[str, int] | None:
    """(workspace-relative config path, line of ``gates.<gate>`` or the closest key), or None
    when the config is not a file inside the workspace (built-in defaults, a trusted policy
    file elsewhere)."""
    source = Path(config_source)
    if source.is_absolute() or not config_source or config_source.startswith("built-in"):
        return None
    path = Path(workspace) / source
    if not path.is_file():
        return None
    return source.as_posix(), key_line(path, ("gates", gate)) or 1


class FindingPlaces:
    """Where each finding of a run points: its own file and line, else its gate's config key."""

    def __init__(self, run: RunResult) -> None:
        self._fallback = {g.name: config_location(run.workspace, run.config_source, g.name) for g in run.gates}

    def __call__(self, gate: str, finding: Finding) -> Place | None:
        """The finding's place, or None when it has no file and its gate's config is not a file."""
        if finding.path:
            return finding.path, finding.line
        return self._fallback.get(gate)

