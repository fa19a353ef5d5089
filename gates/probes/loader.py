"""Load probes: the built-in suite (``data/*.yaml``) and the user's own YAML files.

Every file is validated against ``probe-file.schema.json``; errors name the file, the probe's
key path and its line. Probe ids must be unique across all files.
"""

from __future__ import annotations

import base64
import codecs
import functools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gates.config.loader import load_yaml_bytes
from gates.errors import ConfigError
from gates.model import Severity
from gates.probes.model import Expectation, Probe

DATA_DIR = Path(__file__).parent / "data"
SCHEMA_FILE = Path(__file__).parent / "probe-file.schema.json"


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def encode_payload(payload: str, encoding: str) -> str:
    """``payload`` in ``encoding`` (none, base64, hex, rot13)."""
    if encoding == "base64":
        return base64.b64encode(payload.encode("utf-8")).decode("ascii")
    if encoding == "hex":
        return payload.encode("utf-8").hex()
    if encoding == "rot13":
        return codecs.encode(payload, "rot13")
    return payload


def builtin_files() -> list[Path]:
    """The built-in probe files, in a stable order."""
    return sorted(DATA_DIR.glob("*.yaml"))


def load_builtin() -> list[Probe]:
    """Every built-in probe."""
    return load_files(builtin_files(), builtin=True)


def load_files(paths: Iterable[Path], *, builtin: bool = False, workspace: Path | None = None) -> list[Probe]:
    """Probes from ``paths``; ``workspace`` makes user paths relative for findings."""
    probes: list[Probe] = []
    for path in paths:
        shown = path.name if builtin else _shown(path, workspace)
        probes.extend(_load_one(path, shown, source=None if builtin else shown))
    return probes


def check_unique(probes: Sequence[Probe]) -> None:
    """Raise :class:`ConfigError` when two probes share an id."""
    seen: dict[str, Probe] = {}
    for probe in probes:
        if probe.id in seen:
            first = seen[probe.id].source or "the built-in suite"
            raise ConfigError(f"probe id {probe.id!r} is already defined in {first}; give it another id",
                              source=probe.source or "built-in probes", key="id", line=probe.line)
        seen[probe.id] = probe


def _shown(path: Path, workspace: Path | None) -> str:
    if workspace is not None:
        try:
            return path.resolve().relative_to(workspace.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _load_one(path: Path, shown: str, source: str | None) -> list[Probe]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("probe file not found", source=shown, hint="check gates.model-security.probe-files") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the probe file: {exc}", source=shown) from None
    data, node = load_yaml_bytes(text.encode("utf-8"), shown)  # also refuses duplicate keys, recursive aliases
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path) or None
        raise ConfigError(error.message, source=shown, key=key, line=_line(node, list(error.absolute_path)))
    probes = []
    for index, item in enumerate(data["probes"]):
        line = _line(node, ["probes", index])
        probes.append(_probe(item, shown, source, line, index))
    return probes


def _probe(item: dict[str, Any], shown: str, source: str | None, line: int | None, index: int) -> Probe:
    key = f"probes.{index}"
    payload = item.get("payload")
    encoded = encode_payload(payload, item.get("encoding", "none")) if payload else None
    if "prompt" in item:
        messages: list[dict[str, str]] = [{"role": "user", "content": item["prompt"]}]
    else:
        messages = [dict(m) for m in item["messages"]]
        if messages[-1]["role"] != "user":
            raise ConfigError("the last message must be the user's", source=shown, key=f"{key}.messages", line=line)
    for message in messages:
        if "{payload}" in message["content"]:
            if encoded is None:
                raise ConfigError("{payload} is used but the probe has no payload", source=shown, key=key, line=line)
            message["content"] = message["content"].replace("{payload}", encoded)
    spec = item["expect"]
    for field in ("must-not-match", "must-match"):
        for pattern in spec.get(field, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"bad regular expression {pattern!r}: {exc}", source=shown,
                                  key=f"{key}.expect.{field}", line=line) from None
    if "json-schema" in spec:
        try:
            jsonschema.Draft202012Validator.check_schema(spec["json-schema"])
        except jsonschema.SchemaError as exc:
            raise ConfigError(f"bad JSON schema: {exc.message}", source=shown, key=f"{key}.expect.json-schema",
                              line=line) from None
    expect = Expectation(refused=spec.get("refused"), no_leak=bool(spec.get("no-leak", False)),
                         judge=bool(spec.get("judge", False)), must_not_contain=tuple(spec.get("must-not-contain", ())),
                         must_not_match=tuple(spec.get("must-not-match", ())),
                         must_match=tuple(spec.get("must-match", ())), json_schema=spec.get("json-schema"))
    return Probe(id=item["id"], category=item.get("category", "custom"), title=item.get("title", item["id"]),
                 severity=Severity(item.get("severity", "high")), messages=tuple(messages), expect=expect,
                 source=source, line=line, goal=item.get("goal"))


def _line(node: yaml.Node | None, path: list[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (the deepest one found)."""
    current = node
    best = current.start_mark.line + 1 if current is not None else None
    for step in path:
        if isinstance(current, yaml.MappingNode):
            current = next((v for k, v in current.value if k.value == str(step)), None)
        elif isinstance(current, yaml.SequenceNode) and isinstance(step, int) and step < len(current.value):
            current = current.value[step]
        else:
            break
        if current is None:
            break
        best = current.start_mark.line + 1
    return best
