"""The configuration JSON Schema, assembled from the base file and one fragment per gate.

``gates/config/schema/base.json`` holds the top level; ``schema/gates/<name>.json`` holds the
options of one gate; ``schema/endpoint.json`` the endpoint section. The assembled schema is
also shipped as ``secure-ai-gates.schema.json`` at the repository root for editors
(``python -m gates.config.schema --write`` regenerates it; a test keeps it in step).
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent / "schema"
SHIPPED = Path(__file__).resolve().parents[2] / "secure-ai-gates.schema.json"

_FALLBACK_ENDPOINT: dict[str, Any] = {
    "type": "object",
    "required": ["url"],
    "properties": {"url": {"type": "string", "description": "URL of the endpoint."}},
}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    """The assembled schema (cached; treat it as read-only)."""
    from gates.plugins.registry import gate_names

    schema = _load(SCHEMA_DIR / "base.json")
    common = schema["$defs"].pop("gate-common")
    endpoint_file = SCHEMA_DIR / "endpoint.json"
    schema["$defs"]["endpoint"] = _load(endpoint_file) if endpoint_file.exists() else _FALLBACK_ENDPOINT
    gate_props: dict[str, Any] = {}
    for name in gate_names():
        fragment = _load(SCHEMA_DIR / "gates" / f"{name}.json")
        properties = {**copy.deepcopy(common), **fragment.get("properties", {})}
        section: dict[str, Any] = {
            "description": fragment.get("description", f"Options of the {name} gate."),
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
        for key in ("required", "allOf", "anyOf", "oneOf", "dependentRequired", "$defs"):
            if key in fragment:
                section[key] = fragment[key]
        gate_props[name] = {"anyOf": [{"type": "boolean"}, section]}
    schema["properties"]["gates"]["properties"] = gate_props
    return schema


def gate_option_names(gate: str) -> list[str]:
    """The keys a gate section accepts (for 'did you mean' suggestions)."""
    section = config_schema()["properties"]["gates"]["properties"][gate]["anyOf"][1]
    return sorted(section["properties"])


def render() -> str:
    """The assembled schema as the text shipped at the repository root."""
    return json.dumps(config_schema(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the schema, or ``--write`` it to the repository root."""
    parser = argparse.ArgumentParser(prog="python -m gates.config.schema")
    parser.add_argument("--write", action="store_true", help=f"write {SHIPPED.name}")
    args = parser.parse_args(argv)
    if args.write:
        SHIPPED.write_text(render(), encoding="utf-8")
        print(f"wrote {SHIPPED}")
    else:
        print(render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
