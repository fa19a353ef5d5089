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
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


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


REFERENCE = SHIPPED.parent / "docs" / "configuration.md"


def render_reference() -> str:
    """The configuration reference in Markdown, generated from the schema's descriptions."""
    schema = config_schema()
    lines = ["# Configuration reference", "",
             "Generated from `secure-ai-gates.schema.json` by `python -m gates.config.schema --write`;",
             "do not edit by hand. File: `.github/secure-ai-gates.yml` (or `--config`).", "",
             "## Top level", "", "| key | type | description |", "|---|---|---|"]
    for key, prop in schema["properties"].items():
        lines.append(f"| `{key}` | {_type(prop, schema)} | {_desc(prop, schema)} |")
    for name, section in (("endpoint", schema["$defs"]["endpoint"]), ("waivers[]", schema["$defs"]["waiver"])):
        lines += ["", f"## `{name}`", "", "| key | type | description |", "|---|---|---|"]
        required = set(section.get("required", []))
        for key, prop in section.get("properties", {}).items():
            mark = " (required)" if key in required else ""
            lines.append(f"| `{key}`{mark} | {_type(prop, schema)} | {_desc(prop, schema)} |")
    for gate, wrapper in schema["properties"]["gates"]["properties"].items():
        section = wrapper["anyOf"][1]
        lines += ["", f"## `gates.{gate}`", "", section.get("description", ""), "",
                  "`true`/`false` is short for `enabled: true`/`false`.", "",
                  "| key | type | description |", "|---|---|---|"]
        for key, prop in section["properties"].items():
            lines.append(f"| `{key}` | {_type(prop, schema)} | {_desc(prop, schema)} |")
    return "\n".join(lines) + "\n"


def _resolve(prop: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {**schema["$defs"][ref.split("/")[-1]], **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


def _type(prop: dict[str, Any], schema: dict[str, Any]) -> str:
    prop = _resolve(prop, schema)
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kinds = prop.get("type") or [_type(p, schema) for p in prop.get("anyOf", prop.get("oneOf", []))]
    if isinstance(kinds, list):
        return " or ".join(str(k) for k in kinds) or "any"
    if kinds == "array" and isinstance(prop.get("items"), dict):
        return f"list of {_type(prop['items'], schema)}"
    return str(kinds)


def _desc(prop: dict[str, Any], schema: dict[str, Any]) -> str:
    text = prop.get("description") or _resolve(prop, schema).get("description", "")
    if "default" in prop:
        text += f" Default: `{json.dumps(prop['default'])}`."
    return " ".join(str(text).split()).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    """Print the schema, or ``--write`` it (and the Markdown reference) into the repository."""
    parser = argparse.ArgumentParser(prog="python -m gates.config.schema")
    parser.add_argument("--write", action="store_true", help=f"write {SHIPPED.name} and docs/configuration.md")
    args = parser.parse_args(argv)
    if args.write:
        SHIPPED.write_text(render(), encoding="utf-8")
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(render_reference(), encoding="utf-8")
        print(f"wrote {SHIPPED} and {REFERENCE}")
    else:
        print(render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
