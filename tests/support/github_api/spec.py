"""GitHub's official OpenAPI description (dereferenced subset), loaded once, validated lazily.

Sources, in ``tests/assets/github/openapi/`` (from the ``@octokit/openapi`` npm package 23.0.2,
MIT, see LICENSE and README.md there): ``github-rest-subset.json`` (the project's shared subset,
or ``$GITHUB_REST_SUBSET``) and ``github-rest-issue-events.json`` (the issue-events operation,
extracted unchanged from the same package version because the shared subset lacks it).

OpenAPI 3.0 schemas become JSON Schema draft 4 (``nullable: true`` -> ``anyOf [..., null]``)
when first used; ``date-time`` and ``uri`` formats are checked.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "github" / "openapi"
SHARED_SUBSET = Path(os.environ.get("GITHUB_REST_SUBSET", str(ASSETS / "github-rest-subset.json")))
EXTRA_SPECS = (ASSETS / "github-rest-issue-events.json",)
SUPPORTED_API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
METHODS = ("get", "post", "put", "patch", "delete")

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise ValueError(f"{value!r} is not an absolute URI")
    return True


@dataclass(frozen=True)
class Operation:
    """One method on one path template of the description."""

    method: str  # upper case
    template: str
    operation_id: str
    spec: Mapping[str, Any] = field(repr=False)
    pattern: re.Pattern[str] = field(repr=False)

    def params(self, where: str) -> dict[str, Mapping[str, Any]]:
        """The parameters ``in`` path / query / header, by name."""
        return {p["name"]: p for p in self.spec.get("parameters", []) if p.get("in") == where}

    @property
    def request_body(self) -> Mapping[str, Any] | None:
        """The requestBody object, or None."""
        return self.spec.get("requestBody")

    def response_schema(self, status: int) -> Mapping[str, Any] | None:
        """The JSON schema of the answer with ``status``, None when the spec gives none."""
        response = self.spec.get("responses", {}).get(str(status))
        if not response:
            return None
        return response.get("content", {}).get("application/json", {}).get("schema")

    def declares(self, status: int) -> bool:
        """Whether the description lists ``status`` for this operation."""
        return str(status) in self.spec.get("responses", {})

    @property
    def specificity(self) -> tuple[int, int]:
        """Sort key: more literal segments first, then longer templates."""
        segments = self.template.strip("/").split("/")
        return (-sum(1 for s in segments if not s.startswith("{")), -len(segments))


@functools.lru_cache(maxsize=1)
def operations() -> tuple[Operation, ...]:
    """Every operation of the loaded description (loaded once per process)."""
    paths: dict[str, Any] = {}
    for source in (SHARED_SUBSET, *EXTRA_SPECS):
        paths.update(json.loads(source.read_text(encoding="utf-8"))["paths"])
    ops = []
    for template, item in paths.items():
        regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>{'.+' if m.group(1) == 'path' else '[^/]+'})",
                       re.escape(template))
        for method in METHODS:
            if method in item:
                ops.append(Operation(method.upper(), template, item[method]["operationId"], item[method],
                                     re.compile(f"^{regex}$")))
    return tuple(sorted(ops, key=lambda op: op.specificity))


def by_id(operation_id: str) -> Operation:
    """The operation with this operationId (KeyError naming the known ones otherwise)."""
    for op in operations():
        if op.operation_id == operation_id:
            return op
    raise KeyError(f"no operation {operation_id!r} in the description; known: "
                   + ", ".join(sorted(o.operation_id for o in operations())))


def match(method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
    """(operation, raw path parameters, path_known) for a request path (already unquoted)."""
    path_known = False
    for op in operations():
        found = op.pattern.match(path)
        if found:
            path_known = True
            if op.method == method:
                return op, found.groupdict(), True
    return None, {}, path_known


def to_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4 (``nullable`` becomes ``anyOf`` with null)."""
    if isinstance(schema, list):
        return [to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf"):
            out[key] = to_json_schema(value)
        elif key not in ("nullable", "example", "examples", "discriminator", "xml", "externalDocs"):
            out[key] = value
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


_VALIDATORS: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
_LOCK = threading.Lock()


def validator(op: Operation, part: str, schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A compiled validator for one schema of ``op`` (compiled once, on first use)."""
    key = (op.operation_id + " " + op.method, part)
    with _LOCK:
        found = _VALIDATORS.get(key)
        if found is None:
            found = jsonschema.Draft4Validator(to_json_schema(schema), format_checker=FORMATS)
            _VALIDATORS[key] = found
        return found


def problems(op: Operation, part: str, schema: Mapping[str, Any], value: Any, label: str) -> list[str]:
    """Human-readable schema errors of ``value`` (empty when valid)."""
    errors = sorted(validator(op, part, schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors[:10]:
        where = "/".join(str(p) for p in error.absolute_path)
        best = jsonschema.exceptions.best_match([error])
        out.append(f"{label}{'/' + where if where else ''}: {best.message[:300]}")
    return out
