"""Read a conda ``environment.yml``: its ``pip:`` section is audited, conda packages are listed.

pip-audit and the PyPI advisories know PyPI packages only. The ``pip:`` section of an
environment file names PyPI requirements; they are audited like a requirements file (resolved
with their dependencies, since the section is no lock). Every other entry of
``dependencies`` is a conda package (``numpy=1.26``, ``conda-forge::pytorch``): it is *not*
audited, and the gate says which. A file that is not YAML, whose ``dependencies`` is not
a list, or with a key given twice in one mapping (YAML loaders disagree on which one wins: a
second ``dependencies:`` could hide the pip section from us while conda installs it) is a
:class:`~gates.errors.ConfigError` naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gates.errors import ConfigError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class CondaEnvironment:
    """The pip requirements (with their lines) and the conda-only packages of an environment file."""

    pip: tuple[tuple[str, int], ...]  # (requirement text, 1-based line)
    conda_only: tuple[str, ...]


def _node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _unique_keys(node: yaml.Node, label: str, visited: set[int] | None = None) -> None:
    """Raise :class:`ConfigError` at a repeated key or a ``<<`` merge key in any mapping below ``node``."""
    visited = set() if visited is None else visited
    if id(node) in visited:  # an alias: the same node again (an alias bomb stays linear)
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name == "<<":
                raise ConfigError("YAML merge keys ('<<') are not supported in an environment file: write the "
                                  "dependencies out", source=label, line=_node_line(key))
            if name is not None and name in seen:
                raise ConfigError(f"key {name!r} appears twice in one mapping; conda tools disagree on which "
                                  "one counts, so the file is ambiguous", source=label, line=_node_line(key))
            if name is not None:
                seen.add(name)
            _unique_keys(value, label, visited)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _unique_keys(item, label, visited)


def read_environment(path: Path, label: str) -> CondaEnvironment:
    """Parse ``path`` (shown as ``label``) with the safe loader, keeping each entry's line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", source=label) from None
    return parse_environment(text, label)


def parse_environment(text: str, label: str) -> CondaEnvironment:
    """Parse environment-file ``text`` (shown as ``label``), keeping each entry's line."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"is not valid YAML: {getattr(exc, 'problem', exc)}", source=label,
                          line=mark.line + 1 if mark else None) from None
    if root is not None:
        _unique_keys(root, label)
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("is not a conda environment (a mapping with 'dependencies')", source=label, line=1)
    deps = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "dependencies"), None)
    if deps is None:
        return CondaEnvironment((), ())
    if not isinstance(deps, yaml.SequenceNode):
        raise ConfigError("'dependencies' is not a list", source=label, line=_node_line(deps), key="dependencies")
    pip: list[tuple[str, int]] = []
    conda: list[str] = []
    for item in deps.value:
        if isinstance(item, yaml.ScalarNode):
            conda.append(item.value)
            continue
        if not isinstance(item, yaml.MappingNode):
            raise ConfigError("a dependency is neither a package nor a 'pip:' list", source=label,
                              line=_node_line(item))
        for key, value in item.value:
            if not (isinstance(key, yaml.ScalarNode) and key.value == "pip" and isinstance(value, yaml.SequenceNode)):
                raise ConfigError("only a 'pip:' list may appear as a mapping in 'dependencies'", source=label,
                                  line=_node_line(key))
            for entry in value.value:
                if not isinstance(entry, yaml.ScalarNode):
                    raise ConfigError("a pip entry is not a string", source=label, line=_node_line(entry))
                pip.append((entry.value, _node_line(entry)))
    return CondaEnvironment(tuple(pip), tuple(c for c in conda if c.split("=")[0].split("::")[-1] != "pip"))


def conda_name(spec: str) -> str:
    """The package name of a conda spec: ``conda-forge::jinja2=2.10`` and ``jinja2 >=2.10`` give ``jinja2``."""
    return re.split(r"[\s=<>!~\[]", spec.split("::")[-1].strip(), maxsplit=1)[0]
