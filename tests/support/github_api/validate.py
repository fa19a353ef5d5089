"""Check one request against its operation: parameters, headers and JSON body.

Besides the schemas, a few rules GitHub documents in prose are enforced, because clients
break on them in production: ``per_page`` at most 100, at most 50 check-run annotations per
request, a ``User-Agent`` header, a GitHub media type in ``Accept``, a supported
``X-GitHub-Api-Version``, and ``Authorization: Bearer|token <token>`` when a token is sent.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.github_api.spec import SUPPORTED_API_VERSIONS, Operation, problems

MAX_PER_PAGE = 100
MAX_ANNOTATIONS = 50


@dataclass
class Checked:
    """A request after validation: typed parameters, the parsed body and what was wrong."""

    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    problems: list[str] = field(default_factory=list)


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw)  # ValueError -> reported by the caller
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    return raw


def _param(op: Operation, where: str, name: str, raw: str | list[str], out: Checked) -> Any:
    spec = op.params(where)[name]
    schema = spec.get("schema", {})
    try:
        if schema.get("type") == "array":
            items = raw if isinstance(raw, list) else raw.split(",")
            value: Any = [_coerce(r, schema.get("items", {})) for r in items]
        else:
            value = _coerce(raw if isinstance(raw, str) else raw[-1], schema)
    except ValueError:
        out.problems.append(f"{where} parameter {name}: {raw!r} is not of type {schema.get('type')}")
        return None
    out.problems.extend(problems(op, f"{where}:{name}", schema, value, f"{where} parameter {name}"))
    return value


def check_headers(headers: Mapping[str, str], require_api_version: bool) -> list[str]:
    """The documented header rules (see the module docstring)."""
    found: list[str] = []
    if not headers.get("User-Agent"):
        found.append("header User-Agent: missing (GitHub rejects requests without one)")
    accept = headers.get("Accept", "")
    if not any(part.strip().startswith("application/vnd.github") for part in accept.split(",")):
        found.append(f"header Accept: {accept!r} should be application/vnd.github+json")
    version = headers.get("X-GitHub-Api-Version")
    if version is None and require_api_version:
        found.append("header X-GitHub-Api-Version: missing")
    elif version is not None and version not in SUPPORTED_API_VERSIONS:
        found.append(f"header X-GitHub-Api-Version: {version!r} is not a supported version")
    auth = headers.get("Authorization")
    if auth is not None and (auth.split(" ")[0] not in ("Bearer", "token") or len(auth.split(" ")) != 2):
        found.append("header Authorization: must be 'Bearer <token>' or 'token <token>'")
    return found


def check_request(op: Operation, raw_path: Mapping[str, str], query_string: str,
                  headers: Mapping[str, str], body: bytes, require_api_version: bool) -> Checked:
    """Validate everything about one request to ``op``."""
    out = Checked()
    for name, raw in raw_path.items():
        out.path_params[name] = _param(op, "path", name, urllib.parse.unquote(raw), out)
    declared = op.params("query")
    parsed = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    for name, values in parsed.items():
        if name not in declared:
            out.problems.append(f"query parameter {name}: not defined for {op.operation_id}")
            continue
        if len(values) > 1 and declared[name].get("schema", {}).get("type") != "array":
            out.problems.append(f"query parameter {name}: given {len(values)} times")
        out.query[name] = _param(op, "query", name, values if len(values) > 1 else values[0], out)
    for name, spec in declared.items():
        if spec.get("required") and name not in parsed:
            out.problems.append(f"query parameter {name}: required")
    per_page = out.query.get("per_page")
    if isinstance(per_page, int) and not 1 <= per_page <= MAX_PER_PAGE:
        out.problems.append(f"query parameter per_page: {per_page} outside 1..{MAX_PER_PAGE}")
    out.problems.extend(check_headers(headers, require_api_version))
    _check_body(op, headers, body, out)
    return out


def _check_body(op: Operation, headers: Mapping[str, str], body: bytes, out: Checked) -> None:
    request_body = op.request_body
    if request_body is None:
        if body.strip():
            out.problems.append(f"body: {op.operation_id} takes no request body")
        return
    if not body.strip():
        if request_body.get("required"):
            out.problems.append("body: required JSON body missing")
        return
    content_type = headers.get("Content-Type", "")
    if not content_type.startswith("application/json"):
        out.problems.append(f"header Content-Type: {content_type!r} should be application/json")
    try:
        out.body = json.loads(body)
    except ValueError as exc:
        out.problems.append(f"body: not JSON ({exc})")
        return
    schema = request_body.get("content", {}).get("application/json", {}).get("schema")
    if schema is not None:
        out.problems.extend(problems(op, "request", schema, out.body, "body"))
    annotations = (out.body.get("output") or {}).get("annotations") if isinstance(out.body, dict) else None
    if op.operation_id.startswith("checks/") and isinstance(annotations, list) \
            and len(annotations) > MAX_ANNOTATIONS:
        out.problems.append(f"body/output/annotations: {len(annotations)} annotations, "
                            f"GitHub accepts at most {MAX_ANNOTATIONS} per request")
