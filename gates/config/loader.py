"""Read ``.github/secure-ai-gates.yml``: safe YAML, JSON Schema validation, exact locations.

Every problem becomes a :class:`~gates.errors.ConfigError` naming the file, the key path
(``gates.code-security.severity``) and the line, with a "did you mean" for misspelt keys.
Duplicate keys, which PyYAML silently collapses, are errors too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from gates.errors import ConfigError
from gates.urls import URL_HINT, URL_PATTERN, url_problem


def _loader() -> Any:
    """PyYAML's SafeLoader, but dates stay strings (``expires: 2026-12-31`` is validated by us)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: str(node.value))
    return Loader


def load_yaml(path: Path) -> tuple[Any, Any]:
    """Return ``(data, node)`` for a YAML file; the node tree gives line numbers."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", source=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=str(path)) from None
    return load_yaml_bytes(data, str(path))


def load_yaml_bytes(data: bytes, source: str) -> tuple[Any, Any]:
    """Return ``(data, node)`` for YAML text read elsewhere (e.g. from a commit); ``source`` names it."""
    import yaml

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=source) from None
    path = source
    try:
        loader_class = _loader()
        node = yaml.compose(text, Loader=loader_class)
        loader = loader_class(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(f"invalid YAML: {exc.problem or exc}", source=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=path) from None
    if node is not None:
        _check_nodes(node, (), path, set(), set())
    return data, node


def _check_nodes(node: Any, path: tuple[str, ...], source: str, done: set[int], open_: set[int]) -> None:
    """Reject duplicate keys, and an alias that refers to a node containing it (a structure without end
    that every later reader would follow forever). Each node is checked once, however often aliased."""
    import yaml

    if id(node) in open_:
        raise ConfigError("an alias refers to the mapping or list that contains it, anchored on this line "
                          "(a recursive structure)",
                          source=source, key=dotted(path) or None, line=node.start_mark.line + 1)
    if id(node) in done or not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        return
    open_.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(f"duplicate key (first defined on line {seen[key]})", source=source,
                                  key=dotted((*path, key)), line=line)
            seen[key] = line
            _check_nodes(value_node, (*path, key), source, done, open_)
    else:
        for index, item in enumerate(node.value):
            _check_nodes(item, (*path, str(index)), source, done, open_)
    open_.discard(id(node))
    done.add(id(node))


def line_of(node: Any, path: Sequence[Any]) -> int | None:
    """The 1-based line of the key (or item) at ``path`` in the node tree, as deep as it exists."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    current = node
    for segment in path:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if str(key_node.value) == str(segment):
                    line = key_node.start_mark.line + 1
                    current = value_node
                    break
            else:
                return line
        elif isinstance(current, yaml.SequenceNode) and isinstance(segment, int) and segment < len(current.value):
            current = current.value[segment]
            line = current.start_mark.line + 1
        else:
            return line
    return line


def dotted(path: Iterable[Any]) -> str:
    """``("gates", "code-security", "paths", 0)`` -> ``gates.code-security.paths[0]``."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        else:
            text += ("." if text else "") + str(segment)
    return text or "(top level)"


def validate(data: Any, node: Any, source: str) -> None:
    """Validate ``data`` against the assembled schema; raise one error listing every problem."""
    import jsonschema

    from gates.config.schema import config_schema

    schema = config_schema()
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[tuple[int, str, ConfigError]] = []
    for error in validator.iter_errors(data):
        for leaf in _leaves(error):
            problem = _describe(leaf, node, source, schema)
            problems.append((problem.line or 0, problem.key or "", problem))
    if not problems:
        return
    problems.sort(key=lambda p: (p[0], p[1]))
    unique: list[ConfigError] = []
    seen: set[str] = set()
    for _, _, problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    first = unique[0]
    if len(unique) == 1:
        raise first
    message = "\n".join(str(p) for p in unique)
    raise ConfigError(f"{len(unique)} problems:\n{message}", source=None, key=None) from None


def _leaves(error: Any) -> list[Any]:
    """For anyOf/oneOf errors, the sub-errors of the branch the user evidently meant.

    Branches that failed only on ``type`` (e.g. the boolean shorthand of a gate section, or
    the number form of a duration) are dropped when another branch got further.
    """
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    relevant = [e for e in error.context if not (e.validator == "type" and len(e.relative_path) == 0)]
    if not relevant:
        return [error]
    out: list[Any] = []
    for candidate in relevant:
        out.extend(_leaves(candidate))
    return out


def _describe(error: Any, node: Any, source: str, schema: dict[str, Any]) -> ConfigError:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(k for k in error.instance if k not in allowed) if isinstance(error.instance, dict) else []
        key = extras[0] if extras else "?"
        hint = _suggest(key, allowed)
        return ConfigError("unknown key", source=source, key=dotted([*path, key]), line=line_of(node, [*path, key]),
                           hint=hint or (f"allowed: {', '.join(allowed)}" if allowed else None))
    if error.validator == "required":
        return ConfigError(error.message, source=source, key=dotted(path), line=line_of(node, path))
    if error.validator == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = _suggest(str(error.instance), choices)
        return ConfigError(f"{error.instance!r} is not one of {', '.join(choices)}", source=source,
                           key=dotted(path), line=line_of(node, path), hint=hint)
    if error.validator == "pattern" and "ms|s|m|h" in str(error.validator_value):
        return ConfigError(f"{error.instance!r} is not a duration (use e.g. 500ms, 30s, 10m, 1h)", source=source,
                           key=dotted(path), line=line_of(node, path))
    if error.validator == "pattern" and error.validator_value == URL_PATTERN:
        return ConfigError(url_problem(str(error.instance)) or "not a URL", source=source, key=dotted(path),
                           line=line_of(node, path), hint=URL_HINT)
    if error.validator == "pattern" and "[Gg][Ii][Tt][Hh][Uu][Bb]" in str(error.validator_value):
        return ConfigError(f"{error.instance!r} is not allowed: a secret's variable may not be a GITHUB_*, INPUT_*, "
                           "ACTIONS_* or RUNNER_* variable (the runner's token and internals never leave the gates); "
                           "put the secret in a variable of its own, e.g. MODEL_API_KEY", source=source,
                           key=dotted(path), line=line_of(node, path))
    if error.validator == "pattern" and path and path[-1] == "expires":
        return ConfigError(f"{error.instance!r} is not a date (use YYYY-MM-DD)", source=source,
                           key=dotted(path), line=line_of(node, path))
    return ConfigError(error.message, source=source, key=dotted(path), line=line_of(node, path))


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """A "did you mean ..." hint for ``word`` among ``choices``, or None."""
    return _suggest(word, choices)
